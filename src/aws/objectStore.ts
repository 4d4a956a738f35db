// The S3 requests the key index makes, each counted: ranged and conditional GETs (If-Match,
// If-None-Match → 304), conditional PUTs (If-None-Match: * to create, If-Match: etag to advance),
// streamed GETs for builds, and flat listings. A lookup's cost is what these counters say, so
// every request goes through here; transient failures are retried (backoff.ts) and counted too.

import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_RETRY_POLICY, raceAbort, sdkRetries, withRetries, type RetryPolicy } from './backoff';

/** Requests and bytes, by kind. `bytesIn` are body bytes received, `bytesOut` body bytes sent. */
export interface RequestCounts {
  requests: number;
  gets: number;
  puts: number;
  lists: number;
  bytesIn: number;
  bytesOut: number;
  /** Conditional GETs answered 304 Not Modified. */
  notModified: number;
  /** Conditional requests refused with 412 (or 409 for a concurrent conditional write). */
  preconditionFailed: number;
}

export function emptyCounts(): RequestCounts {
  return { requests: 0, gets: 0, puts: 0, lists: 0, bytesIn: 0, bytesOut: 0, notModified: 0, preconditionFailed: 0 };
}

/** What happened between two snapshots of counts. */
export function countsSince(now: RequestCounts, before: RequestCounts): RequestCounts {
  const out = emptyCounts();
  for (const name of Object.keys(out) as (keyof RequestCounts)[]) out[name] = now[name] - before[name];
  return out;
}

export function addCounts(into: RequestCounts, more: RequestCounts): RequestCounts {
  for (const name of Object.keys(into) as (keyof RequestCounts)[]) into[name] += more[name];
  return into;
}

/** A conditional request S3 refused: the object exists (If-None-Match: *) or has another ETag (If-Match). */
export class PreconditionFailedError extends Error {
  constructor(
    readonly bucket: string,
    readonly key: string,
    readonly condition: string,
  ) {
    super(`s3://${bucket}/${key} did not meet ${condition}`);
    this.name = 'PreconditionFailedError';
  }
}

/** No such object. */
export class ObjectNotFoundError extends Error {
  constructor(
    readonly bucket: string,
    readonly key: string,
  ) {
    super(`s3://${bucket}/${key} does not exist`);
    this.name = 'ObjectNotFoundError';
  }
}

interface ErrorLike {
  name?: string;
  $metadata?: { httpStatusCode?: number };
}

function status(error: unknown): number | undefined {
  return (error as ErrorLike | undefined)?.$metadata?.httpStatusCode;
}

function isPreconditionFailed(error: unknown): boolean {
  const e = error as ErrorLike | undefined;
  // 409 ConditionalRequestConflict: AWS's answer when another conditional write to the key is in flight.
  return status(error) === 412 || e?.name === 'PreconditionFailed' || e?.name === 'ConditionalRequestConflict';
}

function isNotFound(error: unknown): boolean {
  const e = error as ErrorLike | undefined;
  return status(error) === 404 || e?.name === 'NoSuchKey' || e?.name === 'NotFound';
}

export interface StoredObject {
  bytes: Uint8Array;
  etag: string;
  /** The whole object's size (from Content-Range on a ranged read). */
  size: number;
}

export interface ListedObject {
  key: string;
  etag: string;
  size: number;
  lastModified: Date | undefined;
}

export interface ObjectStoreOptions {
  retry?: RetryPolicy;
  /** Hears of every request, with the counts it added (for progress and per-operation budgets). */
  counters?: RequestCounts[];
}

export class ObjectStore {
  private readonly retry: RetryPolicy;
  /** Every counter this store adds to: its own first, then those of the stores it was derived from. */
  private readonly counters: RequestCounts[];

  constructor(
    readonly client: S3Client,
    options: ObjectStoreOptions = {},
  ) {
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.counters = [emptyCounts(), ...(options.counters ?? [])];
  }

  /** This store's counts (a derived store's include only its own requests). */
  get counts(): RequestCounts {
    return this.counters[0]!;
  }

  /** A store on the same client whose requests are counted in its own counter as well as in this one's. */
  counting(): ObjectStore {
    return new ObjectStore(this.client, { retry: this.retry, counters: this.counters });
  }

  private count(kind: 'gets' | 'puts' | 'lists', responseOrError: unknown, bytesIn = 0, bytesOut = 0): void {
    const requests = 1 + sdkRetries(responseOrError);
    for (const c of this.counters) {
      c.requests += requests;
      c[kind] += requests;
      c.bytesIn += bytesIn;
      c.bytesOut += bytesOut;
    }
  }

  private mark(name: 'notModified' | 'preconditionFailed'): void {
    for (const c of this.counters) c[name]++;
  }

  private async send<T>(kind: 'gets' | 'puts' | 'lists', request: () => Promise<T>, signal: AbortSignal | undefined, bytesOut = 0): Promise<T> {
    return withRetries(
      async () => {
        try {
          const response = await (signal ? raceAbort(request(), signal) : request());
          this.count(kind, response, 0, bytesOut);
          return response;
        } catch (error) {
          this.count(kind, error, 0, bytesOut);
          throw error;
        }
      },
      { policy: this.retry, ...(signal ? { signal } : {}) },
    );
  }

  /**
   * Bytes [start, end] (inclusive) of an object. With `ifMatch`, S3 refuses (412 →
   * PreconditionFailedError) when the object is no longer that version. An end past the object's
   * size reads to its end.
   */
  async getRange(bucket: string, key: string, start: number, end: number, options: { ifMatch?: string; signal?: AbortSignal } = {}): Promise<StoredObject> {
    return this.get(bucket, key, { ...options, range: [start, end] }) as Promise<StoredObject>;
  }

  /**
   * A whole object (or a range). With `ifNoneMatch` (an ETag), answers `'notModified'` on 304.
   * Throws ObjectNotFoundError on 404, PreconditionFailedError on 412.
   */
  async get(
    bucket: string,
    key: string,
    options: { ifMatch?: string; ifNoneMatch?: string; range?: [number, number]; signal?: AbortSignal } = {},
  ): Promise<StoredObject | 'notModified'> {
    let response;
    try {
      response = await this.send(
        'gets',
        () =>
          this.client.send(
            new GetObjectCommand({
              Bucket: bucket,
              Key: key,
              ...(options.range ? { Range: `bytes=${options.range[0]}-${options.range[1]}` } : {}),
              ...(options.ifMatch ? { IfMatch: options.ifMatch } : {}),
              ...(options.ifNoneMatch ? { IfNoneMatch: options.ifNoneMatch } : {}),
            }),
            options.signal ? { abortSignal: options.signal } : {},
          ),
        options.signal,
      );
    } catch (error) {
      if (status(error) === 304) {
        this.mark('notModified');
        return 'notModified';
      }
      if (isPreconditionFailed(error)) {
        this.mark('preconditionFailed');
        throw new PreconditionFailedError(bucket, key, `If-Match ${options.ifMatch ?? ''}`.trim());
      }
      if (isNotFound(error)) throw new ObjectNotFoundError(bucket, key);
      throw error;
    }
    const bytes = response.Body ? await response.Body.transformToByteArray() : new Uint8Array();
    for (const c of this.counters) c.bytesIn += bytes.length;
    const total = /\/(\d+)$/.exec(response.ContentRange ?? '')?.[1];
    return { bytes, etag: response.ETag ?? '', size: total !== undefined ? Number(total) : bytes.length };
  }

  /**
   * An object's body as a stream of chunks, counted as they arrive (builds read each data object
   * once). With `ifMatch`, only that version. Breaking out of the loop or aborting closes it.
   */
  async *stream(bucket: string, key: string, options: { ifMatch?: string; signal?: AbortSignal } = {}): AsyncGenerator<Uint8Array> {
    let response;
    try {
      response = await this.send(
        'gets',
        () =>
          this.client.send(
            new GetObjectCommand({ Bucket: bucket, Key: key, ...(options.ifMatch ? { IfMatch: options.ifMatch } : {}) }),
            options.signal ? { abortSignal: options.signal } : {},
          ),
        options.signal,
      );
    } catch (error) {
      if (isPreconditionFailed(error)) {
        this.mark('preconditionFailed');
        throw new PreconditionFailedError(bucket, key, `If-Match ${options.ifMatch ?? ''}`.trim());
      }
      if (isNotFound(error)) throw new ObjectNotFoundError(bucket, key);
      throw error;
    }
    const body = response.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
    if (!body) return;
    try {
      for await (const chunk of body) {
        options.signal?.throwIfAborted();
        for (const c of this.counters) c.bytesIn += chunk.length;
        yield chunk;
      }
    } finally {
      body.destroy?.();
    }
  }

  /**
   * Writes an object. `ifNoneMatch: '*'` creates it only if absent; `ifMatch` replaces only that
   * version. Refused → PreconditionFailedError (not retried: the caller decides). Returns the new ETag.
   */
  async put(
    bucket: string,
    key: string,
    body: Uint8Array | string,
    options: { ifNoneMatch?: '*'; ifMatch?: string; contentType?: string; signal?: AbortSignal } = {},
  ): Promise<{ etag: string }> {
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    try {
      const response = await this.send(
        'puts',
        () =>
          this.client.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: key,
              Body: bytes,
              ContentLength: bytes.length,
              ...(options.contentType ? { ContentType: options.contentType } : {}),
              ...(options.ifNoneMatch ? { IfNoneMatch: options.ifNoneMatch } : {}),
              ...(options.ifMatch ? { IfMatch: options.ifMatch } : {}),
            }),
            options.signal ? { abortSignal: options.signal } : {},
          ),
        options.signal,
        bytes.length,
      );
      return { etag: response.ETag ?? '' };
    } catch (error) {
      if (isPreconditionFailed(error)) {
        this.mark('preconditionFailed');
        throw new PreconditionFailedError(bucket, key, options.ifMatch ? `If-Match ${options.ifMatch}` : 'If-None-Match *');
      }
      throw error;
    }
  }

  /** Every object under a prefix, flat, in key order, a page (≤ 1000) per request. */
  async *list(bucket: string, prefix: string, options: { signal?: AbortSignal; startAfter?: string } = {}): AsyncGenerator<ListedObject[]> {
    let token: string | undefined;
    do {
      const page = await this.send(
        'lists',
        () =>
          this.client.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              ...(prefix ? { Prefix: prefix } : {}),
              ...(token ? { ContinuationToken: token } : options.startAfter ? { StartAfter: options.startAfter } : {}),
            }),
            options.signal ? { abortSignal: options.signal } : {},
          ),
        options.signal,
      );
      yield (page.Contents ?? []).flatMap((o) =>
        o.Key === undefined ? [] : [{ key: o.Key, etag: o.ETag ?? '', size: o.Size ?? 0, lastModified: o.LastModified }],
      );
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}

export function isPreconditionFailedError(error: unknown): error is PreconditionFailedError {
  return error instanceof PreconditionFailedError;
}

export function isObjectNotFoundError(error: unknown): error is ObjectNotFoundError {
  return error instanceof ObjectNotFoundError;
}

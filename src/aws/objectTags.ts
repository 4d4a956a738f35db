// The per-object requests of tagging runs (GetObjectTagging, PutObjectTagging, DeleteObjectTagging,
// HeadObject, GetObjectRetention, GetObjectLegalHold), behind one interface with two transports:
//   direct  signed HTTP requests on keep-alive sockets (sigv4.ts), to the endpoint the SDK itself
//           resolves for the bucket. The SDK spends ~0.4 ms of CPU per small request in its
//           middleware; this spends a fraction of it, which is what lets one process tag more than
//           1,000 objects a second (issue 6's target).
//   sdk     the S3 client's commands, for what the direct transport does not cover: endpoints
//           whose auth is not plain SigV4 (S3 Express, multi-region access points), or when asked
//           (`S3LS_TAGGING_TRANSPORT=sdk`).
// Either way errors carry the SDK's shape (name = S3's error code, $metadata.httpStatusCode), so
// retries (backoff.ts) and outcomes (gone, failed) are decided the same way; an answer that is not
// the document asked for (a proxy's HTML page, a server ignoring the sub-resource) is an error, never
// an empty tag set or "no lock", and so is a lock read that is refused.

import {
  DeleteObjectTaggingCommand,
  GetObjectLegalHoldCommand,
  GetObjectRetentionCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Tag } from '../core/retention/tagSet';
import { canonicalQuery, EMPTY_PAYLOAD_SHA256, encodeKeyPath, sha256Hex, SigV4Signer, type SigningCredentials } from './sigv4';

export type TagTransport = 'direct' | 'sdk';

/** An object's Object Lock retention and legal hold. */
export interface ObjectLockState {
  ObjectLockLegalHoldStatus?: string;
  ObjectLockMode?: string;
  ObjectLockRetainUntilDate?: Date;
}

/** What HeadObject says: which object is there now (and its lock, shown only to callers allowed to read it). */
export interface ObjectHead extends ObjectLockState {
  /** As S3 sends it, quotes included. */
  ETag?: string;
  LastModified?: Date;
}

export interface ObjectTagApi {
  getTags(bucket: string, key: string, versionId: string | undefined): Promise<Tag[]>;
  putTags(bucket: string, key: string, versionId: string | undefined, tags: readonly Tag[]): Promise<void>;
  deleteTags(bucket: string, key: string, versionId: string | undefined): Promise<void>;
  head(bucket: string, key: string, versionId: string | undefined): Promise<ObjectHead>;
  /**
   * The object's retention and legal hold, read with GetObjectRetention and GetObjectLegalHold (HeadObject
   * leaves the lock out for callers without those permissions, so it cannot tell "unlocked" from "not
   * allowed to see"). "None" only when S3 says so; a refusal throws ObjectLockPermissionError.
   */
  lockState(bucket: string, key: string, versionId: string | undefined): Promise<ObjectLockState>;
  /** Which transport served `bucket` (after a first request, or `endpointFor`). */
  transportFor(bucket: string): Promise<TagTransport>;
  /** Closes the sockets it opened. */
  close(): void;
}

export interface ObjectTagOptions {
  transport?: TagTransport;
  /** Sockets per host for the direct transport: at least the run's concurrency. */
  maxSockets?: number;
}

/** The transport asked for: the option, else S3LS_TAGGING_TRANSPORT, else direct. */
export function requestedTransport(option: TagTransport | undefined, env: NodeJS.ProcessEnv = process.env): TagTransport {
  if (option) return option;
  return env.S3LS_TAGGING_TRANSPORT === 'sdk' ? 'sdk' : 'direct';
}

export function openObjectTags(client: S3Client, options: ObjectTagOptions = {}): ObjectTagApi {
  const sdk = new SdkObjectTags(client);
  return requestedTransport(options.transport) === 'sdk' ? sdk : new DirectObjectTags(client, sdk, options.maxSockets ?? 64);
}

function toTags(tagSet: { Key?: string; Value?: string }[] | undefined): Tag[] {
  return (tagSet ?? []).map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' }));
}

/** The SDK's answer; a 2xx it could not read (not XML, the wrong document) is an UnexpectedAnswerError, as on the direct transport. */
async function sdkAnswer<T>(operation: string, expected: string, bucket: string, key: string, answer: Promise<T>): Promise<T> {
  try {
    return await answer;
  } catch (error) {
    const e = error as { $metadata?: { httpStatusCode?: number }; $response?: { headers?: Record<string, string> } };
    const status = e?.$metadata?.httpStatusCode;
    if (status !== undefined && status >= 200 && status < 300) {
      const type = e.$response?.headers?.['content-type'];
      throw new UnexpectedAnswerError(operation, expected, bucket, key, `an answer the SDK could not read${type ? ` (${type})` : ''}`, status);
    }
    throw error;
  }
}

/** Through the SDK's commands, sent without options so a client with cacheMiddleware reuses its handlers. */
export class SdkObjectTags implements ObjectTagApi {
  constructor(private readonly client: S3Client) {}

  async getTags(bucket: string, key: string, versionId: string | undefined): Promise<Tag[]> {
    const answer = await sdkAnswer(
      'GetObjectTagging',
      'Tagging',
      bucket,
      key,
      this.client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key, VersionId: versionId })),
    );
    // The SDK reads any XML as the answer: an HTML page, or a document without a TagSet, has none (an empty set is []).
    if (!Array.isArray(answer.TagSet)) throw new UnexpectedAnswerError('GetObjectTagging', 'Tagging', bucket, key, 'a document without a TagSet');
    return toTags(answer.TagSet);
  }

  async putTags(bucket: string, key: string, versionId: string | undefined, tags: readonly Tag[]): Promise<void> {
    await this.client.send(
      new PutObjectTaggingCommand({ Bucket: bucket, Key: key, VersionId: versionId, Tagging: { TagSet: tags.map((t) => ({ Key: t.Key, Value: t.Value })) } }),
    );
  }

  async deleteTags(bucket: string, key: string, versionId: string | undefined): Promise<void> {
    await this.client.send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  }

  async head(bucket: string, key: string, versionId: string | undefined): Promise<ObjectHead> {
    const head = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
    return {
      ETag: head.ETag,
      LastModified: head.LastModified,
      ObjectLockLegalHoldStatus: head.ObjectLockLegalHoldStatus,
      ObjectLockMode: head.ObjectLockMode,
      ObjectLockRetainUntilDate: head.ObjectLockRetainUntilDate,
    };
  }

  lockState(bucket: string, key: string, versionId: string | undefined): Promise<ObjectLockState> {
    return readLockState(
      bucket,
      key,
      async () => {
        const answer = await sdkAnswer(
          'GetObjectRetention',
          'Retention',
          bucket,
          key,
          this.client.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: key, VersionId: versionId })),
        );
        if (answer.Retention === undefined) throw new UnexpectedAnswerError('GetObjectRetention', 'Retention', bucket, key, 'a document without a Retention');
        return { mode: answer.Retention.Mode, until: answer.Retention.RetainUntilDate };
      },
      async () => {
        const answer = await sdkAnswer(
          'GetObjectLegalHold',
          'LegalHold',
          bucket,
          key,
          this.client.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: key, VersionId: versionId })),
        );
        if (answer.LegalHold === undefined) throw new UnexpectedAnswerError('GetObjectLegalHold', 'LegalHold', bucket, key, 'a document without a LegalHold');
        return answer.LegalHold.Status;
      },
    );
  }

  async transportFor(): Promise<TagTransport> {
    return 'sdk';
  }

  close(): void {}
}

/** Where a bucket's object requests go and how they are signed, as the SDK resolved it. */
export interface BucketEndpoint {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number | undefined;
  /** host[:port] as sent. */
  host: string;
  /** Before the encoded key: '/bucket/' in path style, '/' with the bucket in the host name. */
  pathPrefix: string;
  signingRegion: string;
  signingName: string;
}

const PROBE_KEY = 's3-lifecycle-studio-endpoint-probe';

/** The first auth scheme of an endpoint, as S3's endpoint rules give it. */
interface AuthScheme {
  name?: string;
  signingRegion?: string;
  signingName?: string;
}

/**
 * Where a GetObjectTagging for `bucket` would go, from the SDK's endpoint resolution for the command
 * (what its endpoint middleware calls, with the client's config), without sending anything. So
 * endpoint rules, path style, custom endpoints and FIPS or dual-stack settings are the SDK's own.
 * Null when the auth is not plain SigV4, or where the SDK would not send the request as resolved:
 * a bucket name it refuses, or a client whose buckets are endpoints (bucketEndpoint).
 */
export async function resolveBucketEndpoint(client: S3Client, bucket: string): Promise<BucketEndpoint | null> {
  const config = client.config as typeof client.config & { bucketEndpoint?: boolean };
  // The SDK's validateBucketName middleware refuses such a name before any endpoint is resolved.
  if (config.bucketEndpoint || (bucket.includes('/') && !isArn(bucket))) return null;
  let url: URL;
  let scheme: AuthScheme | undefined;
  try {
    // A copy, as the middleware passes: an endpoint configured in the environment is set on it.
    const endpoint = await getEndpointFromInstructions({ Bucket: bucket, Key: PROBE_KEY }, GetObjectTaggingCommand, { ...config });
    url = endpoint.url;
    scheme = (endpoint.properties?.authSchemes as AuthScheme[] | undefined)?.[0];
  } catch {
    return null;
  }
  const protocol = url.protocol === 'http:' ? 'http:' : url.protocol === 'https:' ? 'https:' : undefined;
  if (!protocol || !url.hostname || (scheme?.name !== undefined && scheme.name !== 'sigv4')) return null;
  const region = scheme?.signingRegion ?? (await client.config.region());
  // As the SDK's serializer builds the request: the URL's port when not the default, its path before the operation's.
  const port = url.port ? Number(url.port) : undefined;
  return {
    protocol,
    hostname: url.hostname,
    port,
    host: port ? `${url.hostname}:${port}` : url.hostname,
    pathPrefix: `${url.pathname === '/' ? '' : url.pathname}/`,
    signingRegion: region,
    signingName: scheme?.signingName ?? 's3',
  };
}

/** An ARN, as the SDK's bucket-name check tells one (an access point's has a `/`). */
function isArn(bucket: string): boolean {
  return bucket.startsWith('arn:') && bucket.split(':').length >= 6;
}

/** An S3 error answer, in the SDK's shape. */
export class S3ResponseError extends Error {
  readonly $metadata: { httpStatusCode: number; requestId?: string; attempts: number };
  readonly $fault: 'client' | 'server';
  constructor(name: string, message: string, status: number, requestId: string | undefined) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status, requestId, attempts: 1 };
    this.$fault = status >= 500 ? 'server' : 'client';
  }
}

const ENTITY = /&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function xmlDecode(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (_m, entity: string) =>
    entity.startsWith('#x')
      ? String.fromCodePoint(parseInt(entity.slice(2), 16))
      : entity.startsWith('#')
        ? String.fromCodePoint(Number(entity.slice(1)))
        : NAMED[entity]!,
  );
}

export function xmlEscape(text: string): string {
  return text.replace(/[&<>"'\r\n\t]/g, (c) =>
    c === '&'
      ? '&amp;'
      : c === '<'
        ? '&lt;'
        : c === '>'
          ? '&gt;'
          : c === '"'
            ? '&quot;'
            : c === "'"
              ? '&apos;'
              : `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`,
  );
}

/** An answer that is not the document the request asks for: a proxy's page, or a server that ignored the sub-resource. */
export class UnexpectedAnswerError extends S3ResponseError {
  constructor(operation: string, expected: string, bucket: string, key: string, what: string, status = 200) {
    super(
      'UnexpectedAnswer',
      `the endpoint answered ${operation} of s3://${bucket}/${key} with ${what} instead of a ${expected} document: check the endpoint and any proxy in between (nothing was changed on the strength of this answer)`,
      status,
      undefined,
    );
  }
}

/** Where an answer came from, for the error that says it is not what was asked for. */
export interface AnswerOf {
  operation: string;
  bucket: string;
  key: string;
  contentType?: string;
}

const NO_CONTEXT: AnswerOf = { operation: 'GetObjectTagging', bucket: '?', key: '?' };

const ROOT_ELEMENT = /^\uFEFF?\s*(?:<\?xml[\s\S]*?\?>\s*)?(?:(?:<!--[\s\S]*?-->|<!DOCTYPE[^>]*>)\s*)*<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s/>]/;

/** The root element's name (without a namespace prefix), or undefined when the text does not start as XML does. */
export function xmlRootName(text: string): string | undefined {
  return ROOT_ELEMENT.exec(text)?.[1];
}

/** What came back, in a few words, for an answer that is not the document expected. */
function describeAnswer(body: string, contentType: string | undefined): string {
  const root = xmlRootName(body);
  const type = contentType ? ` (${contentType.split(';')[0]!.trim()})` : '';
  if (root?.toLowerCase() === 'html' || /html/i.test(contentType ?? '')) return `an HTML page${type}`;
  if (root !== undefined) return `a <${root}> document${type}`;
  if (body.trim() === '') return `an empty body${type}`;
  return `${Buffer.byteLength(body)} bytes that are not XML${type}, such as the object itself from a server that ignores the sub-resource`;
}

/**
 * Throws UnexpectedAnswerError unless `body` is a whole document whose root element is `root` (any namespace),
 * or one of `aliases` (what some S3-compatible servers name it).
 */
export function expectDocument(body: string, root: string, of: AnswerOf, aliases: readonly string[] = []): void {
  const name = xmlRootName(body);
  const expected = name === root || (name !== undefined && aliases.includes(name));
  const closed = expected && new RegExp(`(?:</(?:[A-Za-z_][\\w.-]*:)?${name}\\s*>|/>)\\s*$`).test(body);
  if (!expected || !closed)
    throw new UnexpectedAnswerError(of.operation, root, of.bucket, of.key, expected ? `a ${root} document cut short` : describeAnswer(body, of.contentType));
}

const TAG_SET = /<(?:[A-Za-z_][\w.-]*:)?TagSet\s*\/?>/;
const TAG_ELEMENT = /<Tag(?:\s[^>]*)?>([\s\S]*?)<\/Tag>/g;
const KEY_ELEMENT = /<Key>([\s\S]*?)<\/Key>|<Key\s*\/>/;
const VALUE_ELEMENT = /<Value>([\s\S]*?)<\/Value>|<Value\s*\/>/;

/** The tag set of a GetObjectTagging answer; anything but a Tagging document with a TagSet is an UnexpectedAnswerError. */
export function parseTagging(xml: string, of: AnswerOf = NO_CONTEXT): Tag[] {
  expectDocument(xml, 'Tagging', of);
  if (!TAG_SET.test(xml)) throw new UnexpectedAnswerError(of.operation, 'Tagging', of.bucket, of.key, 'a Tagging document without a TagSet');
  const tags: Tag[] = [];
  for (const match of xml.matchAll(TAG_ELEMENT)) {
    const inner = match[1]!;
    const key = KEY_ELEMENT.exec(inner);
    if (!key) throw new UnexpectedAnswerError(of.operation, 'Tagging', of.bucket, of.key, `a Tag without a Key (${inner.slice(0, 200)})`);
    tags.push({ Key: xmlDecode(key[1] ?? ''), Value: xmlDecode(VALUE_ELEMENT.exec(inner)?.[1] ?? '') });
  }
  return tags;
}

function elementText(xml: string, name: string): string | undefined {
  const match = new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?${name}>([^<]*)</`).exec(xml);
  return match ? xmlDecode(match[1]!.trim()) : undefined;
}

/** A GetObjectRetention answer: its mode and retain-until date. */
export function parseRetention(xml: string, of: AnswerOf): { mode?: string; until?: Date } {
  // versitygw names it ObjectLockRetention.
  expectDocument(xml, 'Retention', of, ['ObjectLockRetention']);
  const until = elementText(xml, 'RetainUntilDate');
  const date = until === undefined ? undefined : new Date(until);
  if (date !== undefined && Number.isNaN(date.getTime()))
    throw new UnexpectedAnswerError(of.operation, 'Retention', of.bucket, of.key, `a RetainUntilDate that is not a date ("${until}")`);
  return { mode: elementText(xml, 'Mode'), until: date };
}

/** A GetObjectLegalHold answer: its status (ON or OFF). */
export function parseLegalHold(xml: string, of: AnswerOf): string | undefined {
  expectDocument(xml, 'LegalHold', of);
  return elementText(xml, 'Status');
}

/** A lock read was refused: a locked object cannot be told from an unlocked one, so the run must stop. */
export class ObjectLockPermissionError extends Error {
  readonly $metadata: { httpStatusCode?: number };
  constructor(
    readonly permissions: string[],
    bucket: string,
    key: string,
    override readonly cause: unknown,
  ) {
    super(
      `s3://${bucket} has Object Lock on, and reading the lock of "${key}" was refused (${(cause as Error)?.name ?? 'AccessDenied'}): ` +
        `without ${permissions.join(' and ')} a locked object looks unlocked, so no object is tagged. ` +
        `Grant s3:GetObjectRetention and s3:GetObjectLegalHold on the bucket's objects to the identity the run uses, then run or resume it again`,
    );
    this.name = 'ObjectLockPermissionError';
    this.$metadata = { httpStatusCode: (cause as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode };
  }
}

function isRefused(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'AccessDenied' || e?.name === 'Forbidden' || e?.name === 'AllAccessDisabled';
}

/** S3's answer when an object has no retention, or no legal hold: nothing to see. */
function isNoLock(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  return name === 'NoSuchObjectLockConfiguration' || name === 'ObjectLockConfigurationNotFoundError';
}

/** Both lock reads of an object; each may say "none", and a refusal of either stops with the permissions refused. */
async function readLockState(
  bucket: string,
  key: string,
  retention: () => Promise<{ mode?: string; until?: Date }>,
  legalHold: () => Promise<string | undefined>,
): Promise<ObjectLockState> {
  const none = <T>(read: () => Promise<T>): Promise<T | undefined> => read().catch((error: unknown) => (isNoLock(error) ? undefined : Promise.reject(error)));
  const [r, h] = await Promise.allSettled([none(retention), none(legalHold)]);
  const refused = [
    r.status === 'rejected' && isRefused(r.reason) ? 's3:GetObjectRetention' : '',
    h.status === 'rejected' && isRefused(h.reason) ? 's3:GetObjectLegalHold' : '',
  ].filter(Boolean);
  if (refused.length > 0) throw new ObjectLockPermissionError(refused, bucket, key, r.status === 'rejected' ? r.reason : (h as PromiseRejectedResult).reason);
  if (r.status === 'rejected') throw r.reason;
  if (h.status === 'rejected') throw h.reason;
  return { ObjectLockMode: r.value?.mode, ObjectLockRetainUntilDate: r.value?.until, ObjectLockLegalHoldStatus: h.value };
}

/** The body of a PutObjectTagging request. */
export function taggingXml(tags: readonly Tag[]): string {
  let body = '<?xml version="1.0" encoding="UTF-8"?><Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>';
  for (const t of tags) body += `<Tag><Key>${xmlEscape(t.Key)}</Key><Value>${xmlEscape(t.Value)}</Value></Tag>`;
  return `${body}</TagSet></Tagging>`;
}

const ERROR_CODE = /<Code>([\s\S]*?)<\/Code>/;
const ERROR_MESSAGE = /<Message>([\s\S]*?)<\/Message>/;

/** The SDK's names for answers without an error body (HEAD requests). */
function nameForStatus(status: number): string {
  if (status === 404) return 'NotFound';
  if (status === 403) return 'Forbidden';
  if (status === 503) return 'ServiceUnavailable';
  if (status === 500) return 'InternalError';
  return `HTTP${status}`;
}

export function responseError(status: number, headers: http.IncomingHttpHeaders, body: string): S3ResponseError {
  const requestId = typeof headers['x-amz-request-id'] === 'string' ? headers['x-amz-request-id'] : undefined;
  const code = ERROR_CODE.exec(body)?.[1];
  const message = ERROR_MESSAGE.exec(body)?.[1];
  return new S3ResponseError(
    code ? xmlDecode(code) : nameForStatus(status),
    message ? xmlDecode(message) : `HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}`,
    status,
    requestId,
  );
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Idle time after which a request is given up (and retried as a TimeoutError). */
const SOCKET_IDLE_MS = 60_000;

export class DirectObjectTags implements ObjectTagApi {
  private readonly endpoints = new Map<string, Promise<BucketEndpoint | null>>();
  private readonly signers = new Map<string, SigV4Signer>();
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(
    private readonly client: S3Client,
    private readonly fallback: ObjectTagApi,
    maxSockets: number,
  ) {
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets });
  }

  endpointFor(bucket: string): Promise<BucketEndpoint | null> {
    let endpoint = this.endpoints.get(bucket);
    if (!endpoint) {
      endpoint = resolveBucketEndpoint(this.client, bucket);
      this.endpoints.set(bucket, endpoint);
    }
    return endpoint;
  }

  async transportFor(bucket: string): Promise<TagTransport> {
    return (await this.endpointFor(bucket)) ? 'direct' : 'sdk';
  }

  async getTags(bucket: string, key: string, versionId: string | undefined): Promise<Tag[]> {
    const endpoint = await this.endpointFor(bucket);
    if (!endpoint) return this.fallback.getTags(bucket, key, versionId);
    const answer = await this.send(endpoint, 'GET', key, versionId, undefined);
    return parseTagging(answer.body, { operation: 'GetObjectTagging', bucket, key, contentType: header(answer.headers, 'content-type') });
  }

  async putTags(bucket: string, key: string, versionId: string | undefined, tags: readonly Tag[]): Promise<void> {
    const endpoint = await this.endpointFor(bucket);
    if (!endpoint) return this.fallback.putTags(bucket, key, versionId, tags);
    await this.send(endpoint, 'PUT', key, versionId, Buffer.from(taggingXml(tags), 'utf8'));
  }

  async deleteTags(bucket: string, key: string, versionId: string | undefined): Promise<void> {
    const endpoint = await this.endpointFor(bucket);
    if (!endpoint) return this.fallback.deleteTags(bucket, key, versionId);
    await this.send(endpoint, 'DELETE', key, versionId, undefined);
  }

  async head(bucket: string, key: string, versionId: string | undefined): Promise<ObjectHead> {
    const endpoint = await this.endpointFor(bucket);
    if (!endpoint) return this.fallback.head(bucket, key, versionId);
    const { headers } = await this.send(endpoint, 'HEAD', key, versionId, undefined, null);
    const until = headers['x-amz-object-lock-retain-until-date'];
    const modified = header(headers, 'last-modified');
    return {
      ETag: header(headers, 'etag'),
      LastModified: modified === undefined ? undefined : new Date(modified),
      ObjectLockLegalHoldStatus: header(headers, 'x-amz-object-lock-legal-hold'),
      ObjectLockMode: header(headers, 'x-amz-object-lock-mode'),
      ObjectLockRetainUntilDate: typeof until === 'string' ? new Date(until) : undefined,
    };
  }

  async lockState(bucket: string, key: string, versionId: string | undefined): Promise<ObjectLockState> {
    const endpoint = await this.endpointFor(bucket);
    if (!endpoint) return this.fallback.lockState(bucket, key, versionId);
    const read = async (subresource: 'retention' | 'legal-hold') => {
      const answer = await this.send(endpoint, 'GET', key, versionId, undefined, subresource);
      return {
        body: answer.body,
        of: {
          operation: subresource === 'retention' ? 'GetObjectRetention' : 'GetObjectLegalHold',
          bucket,
          key,
          contentType: header(answer.headers, 'content-type'),
        },
      };
    };
    return readLockState(
      bucket,
      key,
      async () => {
        const { body, of } = await read('retention');
        return parseRetention(body, of);
      },
      async () => {
        const { body, of } = await read('legal-hold');
        return parseLegalHold(body, of);
      },
    );
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private signer(endpoint: BucketEndpoint): SigV4Signer {
    const id = `${endpoint.signingRegion}/${endpoint.signingName}`;
    let signer = this.signers.get(id);
    if (!signer) {
      signer = new SigV4Signer(endpoint.signingRegion, endpoint.signingName);
      this.signers.set(id, signer);
    }
    return signer;
  }

  /** One signed request: a sub-resource of the object (?tagging, ?retention, ?legal-hold), or the object itself for HEAD. */
  private async send(
    endpoint: BucketEndpoint,
    method: 'GET' | 'PUT' | 'DELETE' | 'HEAD',
    key: string,
    versionId: string | undefined,
    body: Buffer | undefined,
    subresource: 'tagging' | 'retention' | 'legal-hold' | null = 'tagging',
  ): Promise<Answer> {
    // The SDK's provider, memoized and refreshed before it expires.
    const credentials = (await this.client.config.credentials()) as SigningCredentials;
    const query: Record<string, string> = subresource ? { [subresource]: '' } : {};
    if (versionId !== undefined) query.versionId = versionId;
    const queryString = canonicalQuery(query);
    const path = `${endpoint.pathPrefix}${encodeKeyPath(key)}`;
    const extra: Record<string, string> = {};
    if (body) {
      extra['content-md5'] = createHash('md5').update(body).digest('base64');
      extra['content-type'] = 'application/xml';
    }
    const headers = this.signer(endpoint).sign(
      { method, host: endpoint.host, path, query: queryString, headers: extra, payloadSha256: body ? sha256Hex(body) : EMPTY_PAYLOAD_SHA256 },
      credentials,
    );
    if (body) headers['content-length'] = String(body.length);
    const answer = await this.exchange(endpoint, method, queryString ? `${path}?${queryString}` : path, headers, body);
    if (answer.status >= 300) throw responseError(answer.status, answer.headers, answer.body);
    return answer;
  }

  private exchange(endpoint: BucketEndpoint, method: string, path: string, headers: Record<string, string>, body: Buffer | undefined): Promise<Answer> {
    const transport = endpoint.protocol === 'https:' ? https : http;
    return new Promise<Answer>((resolve, reject) => {
      const request = transport.request(
        {
          protocol: endpoint.protocol,
          hostname: endpoint.hostname,
          port: endpoint.port,
          method,
          path,
          headers,
          agent: endpoint.protocol === 'https:' ? this.httpsAgent : this.httpAgent,
          timeout: SOCKET_IDLE_MS,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('aborted', () => reject(connectionError('the response was cut short')));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body: chunks.length === 0 ? '' : Buffer.concat(chunks).toString('utf8') }),
          );
        },
      );
      request.on('timeout', () => {
        const error = new Error(`no answer from ${endpoint.host} for ${SOCKET_IDLE_MS / 1000} s`);
        error.name = 'TimeoutError';
        request.destroy(error);
      });
      request.on('error', reject);
      request.end(body);
    });
  }
}

function header(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

function connectionError(message: string): Error {
  const error = new Error(message) as Error & { code: string };
  error.code = 'ECONNRESET';
  return error;
}

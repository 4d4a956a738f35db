// The four per-object requests of tagging runs (GetObjectTagging, PutObjectTagging,
// DeleteObjectTagging, HeadObject), behind one interface with two transports:
//   direct  signed HTTP requests on keep-alive sockets (sigv4.ts), to the endpoint the SDK itself
//           resolves for the bucket. The SDK spends ~0.4 ms of CPU per small request in its
//           middleware; this spends a fraction of it, which is what lets one process tag more than
//           1,000 objects a second (issue 6's target).
//   sdk     the S3 client's commands, for what the direct transport does not cover: endpoints
//           whose auth is not plain SigV4 (S3 Express, multi-region access points), or when asked
//           (`S3LS_TAGGING_TRANSPORT=sdk`).
// Either way errors carry the SDK's shape (name = S3's error code, $metadata.httpStatusCode), so
// retries (backoff.ts) and outcomes (gone, failed) are decided the same way.

import { DeleteObjectTaggingCommand, GetObjectTaggingCommand, HeadObjectCommand, PutObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Tag } from '../core/retention/tagSet';
import { canonicalQuery, EMPTY_PAYLOAD_SHA256, encodeKeyPath, sha256Hex, SigV4Signer, type SigningCredentials } from './sigv4';

export type TagTransport = 'direct' | 'sdk';

/** What HeadObject says about Object Lock. */
export interface ObjectLockState {
  ObjectLockLegalHoldStatus?: string;
  ObjectLockMode?: string;
  ObjectLockRetainUntilDate?: Date;
}

export interface ObjectTagApi {
  getTags(bucket: string, key: string, versionId: string | undefined): Promise<Tag[]>;
  putTags(bucket: string, key: string, versionId: string | undefined, tags: readonly Tag[]): Promise<void>;
  deleteTags(bucket: string, key: string, versionId: string | undefined): Promise<void>;
  head(bucket: string, key: string, versionId: string | undefined): Promise<ObjectLockState>;
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

/** Through the SDK's commands, sent without options so a client with cacheMiddleware reuses its handlers. */
export class SdkObjectTags implements ObjectTagApi {
  constructor(private readonly client: S3Client) {}

  async getTags(bucket: string, key: string, versionId: string | undefined): Promise<Tag[]> {
    return toTags((await this.client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key, VersionId: versionId }))).TagSet);
  }

  async putTags(bucket: string, key: string, versionId: string | undefined, tags: readonly Tag[]): Promise<void> {
    await this.client.send(
      new PutObjectTaggingCommand({ Bucket: bucket, Key: key, VersionId: versionId, Tagging: { TagSet: tags.map((t) => ({ Key: t.Key, Value: t.Value })) } }),
    );
  }

  async deleteTags(bucket: string, key: string, versionId: string | undefined): Promise<void> {
    await this.client.send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  }

  async head(bucket: string, key: string, versionId: string | undefined): Promise<ObjectLockState> {
    const head = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
    return {
      ObjectLockLegalHoldStatus: head.ObjectLockLegalHoldStatus,
      ObjectLockMode: head.ObjectLockMode,
      ObjectLockRetainUntilDate: head.ObjectLockRetainUntilDate,
    };
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

const TAG_ELEMENT = /<Tag(?:\s[^>]*)?>([\s\S]*?)<\/Tag>/g;
const KEY_ELEMENT = /<Key>([\s\S]*?)<\/Key>|<Key\s*\/>/;
const VALUE_ELEMENT = /<Value>([\s\S]*?)<\/Value>|<Value\s*\/>/;

/** The tag set of a GetObjectTagging answer. */
export function parseTagging(xml: string): Tag[] {
  const tags: Tag[] = [];
  for (const match of xml.matchAll(TAG_ELEMENT)) {
    const inner = match[1]!;
    const key = KEY_ELEMENT.exec(inner);
    if (!key) throw new Error(`a Tag without a Key in the GetObjectTagging answer: ${inner.slice(0, 200)}`);
    tags.push({ Key: xmlDecode(key[1] ?? ''), Value: xmlDecode(VALUE_ELEMENT.exec(inner)?.[1] ?? '') });
  }
  return tags;
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
    return parseTagging((await this.send(endpoint, 'GET', key, versionId, undefined)).body);
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

  async head(bucket: string, key: string, versionId: string | undefined): Promise<ObjectLockState> {
    const endpoint = await this.endpointFor(bucket);
    if (!endpoint) return this.fallback.head(bucket, key, versionId);
    const { headers } = await this.send(endpoint, 'HEAD', key, versionId, undefined, false);
    const until = headers['x-amz-object-lock-retain-until-date'];
    return {
      ObjectLockLegalHoldStatus: header(headers, 'x-amz-object-lock-legal-hold'),
      ObjectLockMode: header(headers, 'x-amz-object-lock-mode'),
      ObjectLockRetainUntilDate: typeof until === 'string' ? new Date(until) : undefined,
    };
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

  /** One signed request: the object's ?tagging sub-resource, or the object itself for HEAD. */
  private async send(
    endpoint: BucketEndpoint,
    method: 'GET' | 'PUT' | 'DELETE' | 'HEAD',
    key: string,
    versionId: string | undefined,
    body: Buffer | undefined,
    tagging = true,
  ): Promise<Answer> {
    // The SDK's provider, memoized and refreshed before it expires.
    const credentials = (await this.client.config.credentials()) as SigningCredentials;
    const query: Record<string, string> = tagging ? { tagging: '' } : {};
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

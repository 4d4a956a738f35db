// S3 server access log records exactly as S3 writes them: 26 space-separated fields and the
// trailing source region; the time in brackets; request-URI, referrer and user-agent quoted;
// `-` for anything unknown or not applicable; the key field URL-encoded as S3 encodes it for the
// operation (twice for requests, once for S3's own work: see s3keys.ts).

import { encodeKeyPath, encodeLogKey } from '../s3keys';
import { formatLogKeyTime, formatLogTime } from '../time';

export interface AccessLogRecord {
  bucketOwner: string;
  bucket: string;
  time: number;
  remoteIp: string;
  requester: string;
  requestId: string;
  operation: string;
  /** The object key, unencoded; null where the operation takes no key. */
  key: string | null;
  /** Method and path+query of the request, e.g. `GET /bucket/key?versionId=x`; null for internal operations. */
  request: string | null;
  httpStatus: number | null;
  errorCode: string | null;
  bytesSent: number | null;
  objectSize: number | null;
  totalTimeMs: number | null;
  turnAroundMs: number | null;
  referrer: string | null;
  userAgent: string | null;
  versionId: string | null;
  hostId: string | null;
  signatureVersion: string | null;
  cipherSuite: string | null;
  authType: string | null;
  hostHeader: string | null;
  tlsVersion: string | null;
  accessPointArn: string | null;
  aclRequired: string | null;
  sourceRegion: string | null;
}

const dash = (value: string | number | null): string => (value === null || value === '' ? '-' : String(value));
const quoted = (value: string | null): string => (value === null ? '"-"' : `"${value}"`);

/**
 * One log line, without the newline. Joined from an array, not concatenated: `+` builds rope
 * strings that cost four times the memory while lines wait for their delivery hour.
 */
export function formatAccessLogLine(r: AccessLogRecord): string {
  return [
    r.bucketOwner,
    r.bucket,
    formatLogTime(r.time),
    dash(r.remoteIp),
    dash(r.requester),
    r.requestId,
    r.operation,
    r.key === null ? '-' : encodeLogKey(r.key, r.operation),
    r.request === null ? '"-"' : `"${r.request} HTTP/1.1"`,
    dash(r.httpStatus),
    dash(r.errorCode),
    dash(r.bytesSent),
    dash(r.objectSize),
    dash(r.totalTimeMs),
    dash(r.turnAroundMs),
    quoted(r.referrer),
    quoted(r.userAgent),
    dash(r.versionId),
    dash(r.hostId),
    dash(r.signatureVersion),
    dash(r.cipherSuite),
    dash(r.authType),
    dash(r.hostHeader),
    dash(r.tlsVersion),
    dash(r.accessPointArn),
    dash(r.aclRequired),
    dash(r.sourceRegion),
  ].join(' ');
}

export type LogLayout = 'partitioned' | 'simple';

export interface LogKeyParts {
  /** The target prefix, e.g. `logs/` (S3 appends the rest without a separator). */
  targetPrefix: string;
  accountId: string;
  region: string;
  sourceBucket: string;
}

/**
 * The key of a log object. PartitionedPrefix (event-time partitioning):
 * `prefix/account/region/bucket/YYYY/MM/DD/YYYY-MM-DD-hh-mm-ss-UNIQUE`; simple: `prefixYYYY-MM-DD-hh-mm-ss-UNIQUE`.
 */
export function logObjectKey(layout: LogLayout, parts: LogKeyParts, eventTime: number, deliveryTime: number, unique: string): string {
  const name = `${formatLogKeyTime(deliveryTime)}-${unique}`;
  if (layout === 'simple') return `${parts.targetPrefix}${name}`;
  const day = new Date(eventTime).toISOString().slice(0, 10).replace(/-/g, '/');
  return `${parts.targetPrefix}${parts.accountId}/${parts.region}/${parts.sourceBucket}/${day}/${name}`;
}

/** The request path of an object in path-style addressing, URL-encoded as clients send it. */
export function objectPath(bucket: string, key: string): string {
  return `/${bucket}/${encodeKeyPath(key)}`;
}

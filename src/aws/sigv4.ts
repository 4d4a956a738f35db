// AWS Signature Version 4 for the S3 requests of bulk runs (one small request per object, millions
// of them), where the SDK's per-request machinery costs more CPU than the request itself. It signs
// exactly what the SDK signs for S3: a single-encoded path, the sorted query, the headers sent, and
// the payload's SHA-256; the day's signing key is derived once. The SDK signs everything else.
//
// Kept rather than the SDK's @smithy/signature-v4 because it is clearly faster on these requests:
// `npm run bench -- tagging --signers-only` signs a tagging run's requests (GetObjectTagging and
// PutObjectTagging per object) at 105,000 signs/s here against 39,600 for @smithy/signature-v4 with
// the SDK's SHA-256: 2.66× (1.9× with the 2-core machine busy), 19 µs of CPU per object against
// 50 µs. The unit tests hold it to AWS's published examples and to the SDK's signer.

import { createHash, createHmac } from 'node:crypto';
import { uriEncode } from '../core/s3keys';

// Request paths are encoded where every key encoding lives.
export { encodeKeyPath, uriEncode } from '../core/s3keys';

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export const EMPTY_PAYLOAD_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The canonical (and sent) query string: encoded names and values, sorted by name then value. */
export function canonicalQuery(query: Record<string, string>): string {
  return Object.entries(query)
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** 20261201T101500Z, and its day 20261201. */
export function amzDate(time: Date): { dateTime: string; day: string } {
  const iso = time.toISOString();
  const dateTime = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return { dateTime, day: dateTime.slice(0, 8) };
}

export interface RequestToSign {
  method: string;
  /** host[:port], as sent in the Host header. */
  host: string;
  /** Already encoded, as sent. */
  path: string;
  /** Already canonical (see canonicalQuery), as sent; '' for none. */
  query: string;
  /** Further headers to send and sign, names in lower case (content-md5, content-type…). */
  headers: Record<string, string>;
  payloadSha256: string;
}

export class SigV4Signer {
  private keyDay = '';
  private keySecret = '';
  private key: Buffer = Buffer.alloc(0);

  constructor(
    readonly region: string,
    readonly service = 's3',
  ) {}

  /** The headers to send: the request's own, plus host, x-amz-date, x-amz-content-sha256, the token and authorization. */
  sign(request: RequestToSign, credentials: SigningCredentials, now: Date = new Date()): Record<string, string> {
    const { dateTime, day } = amzDate(now);
    const headers: Record<string, string> = { ...request.headers, host: request.host, 'x-amz-content-sha256': request.payloadSha256, 'x-amz-date': dateTime };
    if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
    const names = Object.keys(headers).sort();
    let canonicalHeaders = '';
    for (const name of names) canonicalHeaders += `${name}:${String(headers[name]).trim().replace(/\s+/g, ' ')}\n`;
    const signedHeaders = names.join(';');
    const canonicalRequest = `${request.method}\n${request.path}\n${request.query}\n${canonicalHeaders}\n${signedHeaders}\n${request.payloadSha256}`;
    const scope = `${day}/${this.region}/${this.service}/aws4_request`;
    const stringToSign = `AWS4-HMAC-SHA256\n${dateTime}\n${scope}\n${sha256Hex(canonicalRequest)}`;
    const signature = createHmac('sha256', this.signingKey(day, credentials.secretAccessKey)).update(stringToSign).digest('hex');
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
    return headers;
  }

  private signingKey(day: string, secret: string): Buffer {
    if (day !== this.keyDay || secret !== this.keySecret) {
      const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
      this.key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), this.region), this.service), 'aws4_request');
      this.keyDay = day;
      this.keySecret = secret;
    }
    return this.key;
  }
}

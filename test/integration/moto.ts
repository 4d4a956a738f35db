// Helpers for tests against the moto server that `npm test` starts (S3LS_MOTO_ENDPOINT).

import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';

export function motoEndpoint(): string {
  const endpoint = process.env.S3LS_MOTO_ENDPOINT;
  if (!endpoint) throw new Error('S3LS_MOTO_ENDPOINT is not set: run integration tests through "npm test" (or "npm test -- integration"), which starts moto');
  return endpoint;
}

export function uniqueBucketName(purpose: string): string {
  return `s3ls-${purpose}-${randomBytes(4).toString('hex')}`;
}

/** Writes small objects (body = key) with bounded concurrency. */
export async function putObjects(client: S3Client, bucket: string, keys: string[], concurrency = 16): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++]!;
      // Folder markers are empty, as consoles create them (versitygw refuses data in them).
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key.endsWith('/') ? '' : key }));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export interface S3TestServer {
  name: 'moto' | 'versitygw';
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

function keyPair(value: string | undefined, name: string): { accessKeyId: string; secretAccessKey: string } {
  if (!value) throw new Error(`${name} is not set: run integration tests through "npm test" (or "npm test -- integration"), which starts versitygw`);
  const [accessKeyId, secretAccessKey] = value.split(':');
  return { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey! };
}

/** Both S3 servers the integration run starts: moto (broad API) and versitygw (a real file-backed gateway). */
export function s3Servers(): S3TestServer[] {
  const versitygw = process.env.S3LS_VERSITYGW_ENDPOINT;
  if (!versitygw) throw new Error('S3LS_VERSITYGW_ENDPOINT is not set: run integration tests through "npm test", which starts versitygw');
  return [
    { name: 'moto', endpoint: motoEndpoint(), credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } },
    { name: 'versitygw', endpoint: versitygw, credentials: keyPair(process.env.S3LS_VERSITYGW_ROOT, 'S3LS_VERSITYGW_ROOT') },
  ];
}

/** versitygw's second user, who owns no bucket. */
export function versitygwDeniedUser(): { accessKeyId: string; secretAccessKey: string } {
  return keyPair(process.env.S3LS_VERSITYGW_DENIED, 'S3LS_VERSITYGW_DENIED');
}

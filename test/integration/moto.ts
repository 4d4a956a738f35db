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
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

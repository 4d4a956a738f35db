// Append-only data on a real S3 API for the index tests: generated with the generator's seed, put in
// a bucket of its own, with readers that go straight to S3 (not through the index) for ground truth.

import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_APPEND_ONLY, generateAppendOnlyData, type AppendOnlyOptions, type AppendOnlyTruth } from '../../src/core/estate/appendOnly';
import { FolderOutput } from '../../src/core/estate/output';
import { ObjectStore } from '../../src/aws/objectStore';
import { uniqueBucketName, type S3TestServer } from './moto';

/** 2023-05-11 19:00 UTC: the seed's example hour. */
export const DATA_START = 1_683_831_600;

export interface IndexFixture {
  client: S3Client;
  store: ObjectStore;
  bucket: string;
  truth: AppendOnlyTruth;
  dir: string;
}

export function s3Client(server: S3TestServer): S3Client {
  return new S3Client({ endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: server.credentials, maxAttempts: 5 });
}

/** Generates the data (30-minute windows from 19:00: two hour buckets, late records crossing back) and uploads it. */
export async function appendOnlyFixture(server: S3TestServer, purpose: string, overrides: Partial<AppendOnlyOptions> = {}): Promise<IndexFixture> {
  const client = s3Client(server);
  const bucket = uniqueBucketName(purpose);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const dir = mkdtempSync(join(tmpdir(), 's3ls-index-'));
  const truth = await generateAppendOnlyData(
    {
      ...DEFAULT_APPEND_ONLY,
      seed: 16,
      bucket,
      startSeconds: DATA_START,
      files: 9,
      writers: 3,
      linesPerFile: 1500,
      windowSeconds: 1800,
      lateFraction: 0.08,
      samples: 120,
      absent: 40,
      ...overrides,
    },
    new FolderOutput(dir),
  );
  for (const f of truth.files) await client.send(new PutObjectCommand({ Bucket: bucket, Key: f.key, Body: readFileSync(join(dir, f.key)) }));
  return { client, store: new ObjectStore(client), bucket, truth, dir };
}

export async function getBytes(client: S3Client, bucket: string, key: string, range?: [number, number]): Promise<Uint8Array> {
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(range ? { Range: `bytes=${range[0]}-${range[1]}` } : {}) }));
  return response.Body!.transformToByteArray();
}

export async function putBytes(client: S3Client, bucket: string, key: string, body: Uint8Array | string): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** The record at (object, offset, length), read straight from S3 with a ranged GET. */
export async function recordAt(client: S3Client, bucket: string, location: { object: string; offset: number; length: number }): Promise<string> {
  return new TextDecoder().decode(await getBytes(client, bucket, location.object, [location.offset, location.offset + location.length - 1]));
}

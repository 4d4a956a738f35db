// Objects with tags for the tagging tests, and their tags read straight from the server.

import { CreateBucketCommand, GetObjectTaggingCommand, PutBucketVersioningCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { createS3Client } from '../../src/aws/s3Client';
import type { AuditEntry, DoneEntry } from '../../src/core/retention/runStore';
import { motoEndpoint } from './moto';

export const EXPIRE = { key: 's3-lifecycle-studio:expire', value: 'true' };

export type TagMap = Record<string, string>;

export function motoClient(endpoint = motoEndpoint(), maxSockets?: number): S3Client {
  // Configured as the CLI configures its client for tagging runs.
  return createS3Client({ profile: '', region: 'us-east-1', endpoint, forcePathStyle: true }, process.env, {
    cacheMiddleware: true,
    ...(maxSockets === undefined ? {} : { maxSockets }),
  });
}

export async function createBucket(client: S3Client, bucket: string, options: { versioned?: boolean } = {}): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  if (options.versioned) await client.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
}

/** Puts one object (body = key; folder markers empty) with tags; returns its version id, if any. */
export async function putTagged(client: S3Client, bucket: string, key: string, tags: TagMap = {}): Promise<string | undefined> {
  const tagging = new URLSearchParams(tags).toString();
  const out = await client.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: key.endsWith('/') ? '' : key, ...(tagging ? { Tagging: tagging } : {}) }),
  );
  return out.VersionId;
}

/** Puts many objects with bounded concurrency. */
export async function putAllTagged(client: S3Client, bucket: string, objects: [string, TagMap][], concurrency = 16): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < objects.length) {
      const [key, tags] = objects[next++]!;
      await putTagged(client, bucket, key, tags);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export async function tagsOf(client: S3Client, bucket: string, key: string, versionId?: string): Promise<TagMap> {
  const out = await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  return Object.fromEntries((out.TagSet ?? []).map((t) => [t.Key!, t.Value!]));
}

/** Every key's tags, read straight from the server, a few at a time. */
export async function snapshotTags(client: S3Client, bucket: string, keys: string[], concurrency = 16): Promise<Map<string, TagMap>> {
  const snapshot = new Map<string, TagMap>();
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++]!;
      snapshot.set(key, await tagsOf(client, bucket, key));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return snapshot;
}

function readLines<T>(path: string): T[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  // A line without its newline may be mid-write: only whole lines count.
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}

export const auditLines = (path: string) => readLines<AuditEntry>(path);
export const doneLines = (path: string) => readLines<DoneEntry>(path);

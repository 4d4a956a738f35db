// Puts a generated estate on an S3 server: the inventory report and the access logs into their
// own buckets (keys = paths in the output folder), and real objects for a capped subset of the
// estate's keys (every prefix gets some), with their noncurrent versions and delete markers.

import { CreateBucketCommand, DeleteObjectCommand, HeadBucketCommand, PutBucketVersioningCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { EstatePlan } from '../core/estate/plan';

export interface EstateUploadOptions {
  outDir: string;
  sourceBucket: string;
  inventoryBucket: string;
  logsBucket: string;
  /** At most this many of the estate's keys get a real object. */
  maxObjects: number;
  /** Append-only data files (paths in the output folder = keys in the source bucket), uploaded whole. */
  appendOnlyKeys?: string[];
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (phase: string, done: number, total: number) => void;
}

export interface EstateUploadResult {
  inventoryFiles: number;
  logFiles: number;
  objects: number;
  versions: number;
  deleteMarkers: number;
  /** Append-only data files put in the source bucket (only when there were some to put). */
  dataFiles?: number;
}

async function ensureBucket(client: S3Client, bucket: string, signal?: AbortSignal): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: signal });
  } catch {
    await client.send(new CreateBucketCommand({ Bucket: bucket }), { abortSignal: signal });
  }
}

async function listFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
  } catch {
    return [];
  }
}

async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

export async function uploadEstate(client: S3Client, plan: EstatePlan, options: EstateUploadOptions): Promise<EstateUploadResult> {
  const concurrency = options.concurrency ?? 16;
  const signal = options.signal;
  for (const bucket of [options.sourceBucket, options.inventoryBucket, options.logsBucket]) await ensureBucket(client, bucket, signal);
  await client.send(new PutBucketVersioningCommand({ Bucket: options.sourceBucket, VersioningConfiguration: { Status: 'Enabled' } }), { abortSignal: signal });

  const toKey = (path: string) => relative(options.outDir, path).split(sep).join('/');
  const inventoryFiles = await listFiles(join(options.outDir, 'inventory'));
  const logFiles = await listFiles(join(options.outDir, 'logs'));
  let done = 0;
  const total = inventoryFiles.length + logFiles.length;
  const put = (bucket: string) => async (path: string) => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: toKey(path), Body: await readFile(path) }), { abortSignal: signal });
    if (++done % 50 === 0) options.onProgress?.('upload reports and logs', done, total);
  };
  await inParallel(inventoryFiles, concurrency, put(options.inventoryBucket));
  await inParallel(logFiles, concurrency, put(options.logsBucket));

  // Round-robin over the prefixes so the capped subset still reaches every part of the tree.
  const picks: { group: number; index: number }[] = [];
  for (let round = 0; picks.length < options.maxObjects; round++) {
    let added = false;
    for (const group of plan.groups) {
      if (round < group.objects && picks.length < options.maxObjects) {
        picks.push({ group: group.index, index: round });
        added = true;
      }
    }
    if (!added) break;
  }
  let versions = 0;
  let deleteMarkers = 0;
  let uploaded = 0;
  await inParallel(picks, concurrency, async ({ group, index }) => {
    const object = plan.objectAt(plan.groups[group]!, index);
    // Oldest first, so the newest write is the current version.
    for (const version of [...object.versions].reverse()) {
      if (version.isDeleteMarker) {
        await client.send(new DeleteObjectCommand({ Bucket: options.sourceBucket, Key: object.key }), { abortSignal: signal });
        deleteMarkers++;
      } else {
        const body = object.key.endsWith('/') ? '' : `s3-lifecycle-studio demo object\nkey: ${object.key}\nsize in the inventory: ${version.size}\n`;
        await client.send(new PutObjectCommand({ Bucket: options.sourceBucket, Key: object.key, Body: body, StorageClass: version.storageClass }), {
          abortSignal: signal,
        });
        versions++;
      }
    }
    if (++uploaded % 100 === 0) options.onProgress?.('upload objects', uploaded, picks.length);
  });
  // Data files can be large: a few at a time.
  const dataKeys = options.appendOnlyKeys ?? [];
  let dataDone = 0;
  await inParallel(dataKeys, Math.min(concurrency, 4), async (key) => {
    await client.send(new PutObjectCommand({ Bucket: options.sourceBucket, Key: key, Body: await readFile(join(options.outDir, ...key.split('/'))) }), {
      abortSignal: signal,
    });
    options.onProgress?.('upload append-only data', ++dataDone, dataKeys.length);
  });
  return {
    inventoryFiles: inventoryFiles.length,
    logFiles: logFiles.length,
    objects: picks.length,
    versions,
    deleteMarkers,
    ...(options.appendOnlyKeys ? { dataFiles: dataKeys.length } : {}),
  };
}

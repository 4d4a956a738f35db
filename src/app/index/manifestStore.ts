// A time bucket's manifest in S3: read it (conditionally, to revalidate a cached copy), and append
// parts to it by compare-and-swap — created with If-None-Match: *, advanced with If-Match: <etag>;
// on 412 another builder got there first, so re-read, re-apply our parts on top of theirs and try
// again after a jittered backoff. Appending never drops a part, so no builder loses another's.
// A manifest that fails its checksum is rebuilt from the bucket's parts before appending.

import { setTimeout as sleep } from 'node:timers/promises';
import { IndexFormatError, isIndexFormatError } from '../../core/index/errors';
import { manifestObjectKey, partIdTime } from '../../core/index/keys';
import { appendParts, decodeManifest, encodeManifest, manifestAddition, type Manifest, type ManifestAddition } from '../../core/index/manifest';
import { blockRef, decodeBlock, decodeLookupPrefix, decodeObjectsTable, decodePart } from '../../core/index/part';
import type { S3Location } from '../../core/s3uri';
import { isObjectNotFoundError, isPreconditionFailedError, type ObjectStore } from '../../aws/objectStore';

export type ManifestRead =
  | { state: 'absent' }
  | { state: 'notModified' }
  | { state: 'ok'; manifest: Manifest; etag: string; bytes: number }
  | { state: 'corrupt'; etag: string; bytes: number; error: IndexFormatError };

export function manifestKeyOf(index: S3Location, bucketPath: string): string {
  return manifestObjectKey(index.key, bucketPath);
}

/** Reads a bucket's manifest; with `ifNoneMatch` (a cached copy's ETag), `notModified` when it has not changed. */
export async function readManifest(
  store: ObjectStore,
  index: S3Location,
  bucketPath: string,
  options: { ifNoneMatch?: string; signal?: AbortSignal } = {},
): Promise<ManifestRead> {
  let got;
  try {
    got = await store.get(index.bucket, manifestKeyOf(index, bucketPath), options);
  } catch (error) {
    if (isObjectNotFoundError(error)) return { state: 'absent' };
    throw error;
  }
  if (got === 'notModified') return { state: 'notModified' };
  try {
    const manifest = decodeManifest(got.bytes);
    if (manifest.directory.bucket !== bucketPath) {
      return { state: 'corrupt', etag: got.etag, bytes: got.bytes.length, error: wrongBucket(manifest.directory.bucket, bucketPath) };
    }
    return { state: 'ok', manifest, etag: got.etag, bytes: got.bytes.length };
  } catch (error) {
    if (isIndexFormatError(error)) return { state: 'corrupt', etag: got.etag, bytes: got.bytes.length, error };
    throw error;
  }
}

function wrongBucket(found: string, expected: string): IndexFormatError {
  return new IndexFormatError('bad-content', 'manifest', `it is the manifest of bucket ${found}, not ${expected}`);
}

/** The `.idx` objects of a bucket folder, in key order (= creation order: part ids start with the time). */
export async function listPartObjects(
  store: ObjectStore,
  index: S3Location,
  bucketPath: string,
  signal?: AbortSignal,
): Promise<{ name: string; size: number }[]> {
  const prefix = `${index.key}${bucketPath}/`;
  const parts: { name: string; size: number }[] = [];
  for await (const page of store.list(index.bucket, prefix, signal ? { signal } : {})) {
    for (const o of page) {
      const name = o.key.slice(prefix.length);
      if (name.endsWith('.idx') && !name.includes('/')) parts.push({ name, size: o.size });
    }
  }
  return parts;
}

/**
 * A manifest rebuilt from the parts in the bucket's folder (each read whole and verified), for when
 * the stored one is damaged. A part whose entries are damaged but whose lookup prefix and objects
 * table check out is kept (`salvaged`): its Bloom filter still routes lookups to it, and a damaged
 * block there makes the lookup scan the part's data objects. Parts with nothing usable are left out.
 */
export async function manifestFromParts(
  store: ObjectStore,
  index: S3Location,
  bucketPath: string,
  signal?: AbortSignal,
): Promise<{ manifest: Manifest; unreadable: { name: string; reason: string }[]; salvaged: { name: string; reason: string }[] }> {
  const additions: ManifestAddition[] = [];
  const unreadable: { name: string; reason: string }[] = [];
  const salvaged: { name: string; reason: string }[] = [];
  for (const { name } of await listPartObjects(store, index, bucketPath, signal)) {
    const got = await store.get(index.bucket, `${index.key}${bucketPath}/${name}`, signal ? { signal } : {});
    if (got === 'notModified') continue;
    const createdAt = new Date(partIdTime(name.replace(/\.idx$/, '')) ?? 0).toISOString();
    try {
      const part = decodePart(got.bytes);
      if (part.entries.length === 0) continue;
      const encoded = {
        bytes: got.bytes,
        entryCount: part.entries.length,
        minKey: part.entries[0]!.key,
        maxKey: part.entries[part.entries.length - 1]!.key,
        prefixLength: part.header.prefixLength,
        duplicatesDropped: 0,
        conflictsResolved: 0,
      };
      additions.push(manifestAddition(encoded, name, part.objects, createdAt, 'recovered'));
    } catch (error) {
      if (!isIndexFormatError(error)) throw error;
      const kept = salvage(got.bytes, name, createdAt);
      if (kept) {
        additions.push(kept);
        salvaged.push({ name, reason: error.message });
      } else unreadable.push({ name, reason: error.message });
    }
  }
  return { manifest: appendParts(undefined, bucketPath, additions).manifest, unreadable, salvaged };
}

/** Highest key there is in UTF-8 order: the upper bound of a salvaged part whose last block is damaged. */
const LAST_KEY = '\u{10FFFF}';

/** A damaged part's addition from its verified prefix and objects table, or undefined when those are damaged too. */
function salvage(bytes: Uint8Array, name: string, createdAt: string): ManifestAddition | undefined {
  try {
    const prefix = decodeLookupPrefix(bytes);
    const { header } = prefix;
    if (header.entryCount === 0 || bytes.length < header.partLength) return undefined;
    const objects = decodeObjectsTable(bytes.subarray(header.objectsOffset, header.partLength), header);
    let maxKey = LAST_KEY;
    try {
      const last = blockRef(prefix, prefix.fences.length - 1);
      const entries = decodeBlock(bytes.subarray(last.start, last.end), last, header.objectCount);
      maxKey = entries[entries.length - 1]!.key;
    } catch {
      // The last block is the damaged one: keep the widest range.
    }
    const encoded = {
      bytes,
      entryCount: header.entryCount,
      minKey: prefix.fences[0]!.key,
      maxKey,
      prefixLength: header.prefixLength,
      duplicatesDropped: 0,
      conflictsResolved: 0,
    };
    return manifestAddition(encoded, name, objects, createdAt, 'recovered (damaged)');
  } catch {
    return undefined;
  }
}

export interface AppendOutcome {
  /** Conditional writes refused because another builder advanced the manifest first. */
  conflicts: number;
  /** The parts that were added (a retried append skips those already listed). */
  added: string[];
  /** Set when the stored manifest was damaged and was rebuilt from the parts. */
  repaired?: { reason: string; unreadableParts: { name: string; reason: string }[]; salvagedParts: { name: string; reason: string }[] };
  etag: string;
}

export interface AppendOptions {
  signal?: AbortSignal;
  /** Tries in all before giving up (default 40: dozens of builders on one bucket still get through). */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
}

/** Appends parts to a bucket's manifest by compare-and-swap, retrying on 412 with jittered backoff. */
export async function appendToManifest(
  store: ObjectStore,
  index: S3Location,
  bucketPath: string,
  additions: readonly ManifestAddition[],
  options: AppendOptions = {},
): Promise<AppendOutcome> {
  const attempts = options.attempts ?? 40;
  const base = options.baseDelayMs ?? 25;
  const max = options.maxDelayMs ?? 2_000;
  const random = options.random ?? Math.random;
  const key = manifestKeyOf(index, bucketPath);
  const signal = options.signal ? { signal: options.signal } : {};
  let conflicts = 0;
  let repaired: AppendOutcome['repaired'];
  for (let attempt = 1; ; attempt++) {
    const read = await readManifest(store, index, bucketPath, signal);
    let current: Manifest | undefined;
    let condition: { ifMatch: string } | { ifNoneMatch: '*' };
    if (read.state === 'ok') {
      current = read.manifest;
      condition = { ifMatch: read.etag };
    } else if (read.state === 'corrupt') {
      const rebuilt = await manifestFromParts(store, index, bucketPath, options.signal);
      current = rebuilt.manifest;
      condition = { ifMatch: read.etag };
      repaired = { reason: read.error.message, unreadableParts: rebuilt.unreadable, salvagedParts: rebuilt.salvaged };
    } else {
      condition = { ifNoneMatch: '*' };
    }
    const next = appendParts(current, bucketPath, additions);
    if (next.added.length === 0 && read.state === 'ok') return { conflicts, added: [], etag: read.etag, ...(repaired ? { repaired } : {}) };
    try {
      const put = await store.put(index.bucket, key, encodeManifest(next.manifest), { ...condition, contentType: 'application/octet-stream', ...signal });
      return { conflicts, added: next.added, etag: put.etag, ...(repaired ? { repaired } : {}) };
    } catch (error) {
      if (!isPreconditionFailedError(error)) throw error;
      conflicts++;
      if (attempt >= attempts)
        throw new Error(
          `The manifest s3://${index.bucket}/${key} kept changing under ${attempts} tries (other builders at work): run the build again to finish`,
        );
      const ceiling = Math.min(max, base * 2 ** Math.min(attempt - 1, 16));
      await sleep(Math.round(random() * ceiling), undefined, signal);
    }
  }
}

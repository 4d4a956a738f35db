// Finding a key by reading data objects line by line: the lookup's fallback when a part is damaged,
// and the "scan the data files" baseline the bench compares the index with. Streams each object
// once and stops at the first record with the key.

import { RecordLineParser } from '../../core/index/records';
import type { S3Location } from '../../core/s3uri';
import { isObjectNotFoundError, type ObjectStore, type RequestCounts } from '../../aws/objectStore';

export interface ScannedRecord {
  object: string;
  /** The ETag the caller gave for the object (or of the ranged read, when one was needed). */
  etag: string;
  offset: number;
  length: number;
  record: string;
}

export interface ScanOutcome {
  found: ScannedRecord | undefined;
  objectsScanned: number;
  bytesScanned: number;
  /** Objects that were gone or whose ETag differs from the one expected. */
  notes: string[];
}

const decoder = new TextDecoder();

/** Streams `objects` in order until one holds a record with `key`. */
export async function scanObjectsForKey(
  store: ObjectStore,
  bucket: string,
  objects: readonly { key: string; etag?: string }[],
  key: string,
  options: { signal?: AbortSignal } = {},
): Promise<ScanOutcome> {
  const notes: string[] = [];
  let objectsScanned = 0;
  let bytesScanned = 0;
  for (const object of objects) {
    options.signal?.throwIfAborted();
    objectsScanned++;
    let hit: { offset: number; length: number } | undefined;
    // The previous chunk and the current one, by absolute offset: a record is almost always inside them.
    let previous: { start: number; bytes: Uint8Array } | undefined;
    let current: { start: number; bytes: Uint8Array } | undefined;
    let position = 0;
    let record: string | undefined;
    // The version read is the current one; the listing's (or the part's) ETag names it.
    let etag = object.etag ?? '';
    const parser = new RecordLineParser();
    const onRecord = (found: string, offset: number, length: number) => {
      if (!hit && found === key) hit = { offset, length };
    };
    try {
      const stream = store.stream(bucket, object.key, options.signal ? { signal: options.signal } : {});
      for await (const chunk of stream) {
        previous = current;
        current = { start: position, bytes: chunk };
        position += chunk.length;
        bytesScanned += chunk.length;
        parser.push(chunk, onRecord);
        if (hit) break;
      }
      if (!hit) parser.end(onRecord);
    } catch (error) {
      if (isObjectNotFoundError(error)) {
        notes.push(`data object s3://${bucket}/${object.key} is gone`);
        continue;
      }
      throw error;
    }
    if (!hit) continue;
    const { offset, length } = hit;
    const window = previous && current ? concat(previous, current) : current;
    if (window && offset >= window.start && offset + length <= window.start + window.bytes.length) {
      record = decoder.decode(window.bytes.subarray(offset - window.start, offset - window.start + length));
    } else {
      const got = await store.getRange(bucket, object.key, offset, offset + length - 1, options.signal ? { signal: options.signal } : {});
      record = decoder.decode(got.bytes);
      etag = got.etag;
    }
    return { found: { object: object.key, etag, offset, length, record }, objectsScanned, bytesScanned, notes };
  }
  return { found: undefined, objectsScanned, bytesScanned, notes };
}

function concat(a: { start: number; bytes: Uint8Array }, b: { start: number; bytes: Uint8Array }): { start: number; bytes: Uint8Array } {
  const bytes = new Uint8Array(a.bytes.length + b.bytes.length);
  bytes.set(a.bytes, 0);
  bytes.set(b.bytes, a.bytes.length);
  return { start: a.start, bytes };
}

export interface DataScanResult {
  key: string;
  record: string | undefined;
  location: ScannedRecord | undefined;
  objectsScanned: number;
  requests: number;
  bytes: number;
  ms: number;
  counts: RequestCounts;
}

/** The baseline without an index: list the data prefix, then read the objects in key order until one holds the key. */
export async function scanDataLookup(store: ObjectStore, data: S3Location, key: string, options: { signal?: AbortSignal } = {}): Promise<DataScanResult> {
  const started = performance.now();
  const counted = store.counting();
  const objects: { key: string; etag: string }[] = [];
  for await (const page of counted.list(data.bucket, data.key, options))
    for (const o of page) if (!o.key.endsWith('/')) objects.push({ key: o.key, etag: o.etag });
  const outcome = await scanObjectsForKey(counted, data.bucket, objects, key, options);
  return {
    key,
    record: outcome.found?.record,
    location: outcome.found,
    objectsScanned: outcome.objectsScanned,
    requests: counted.counts.requests,
    bytes: counted.counts.bytesIn,
    ms: performance.now() - started,
    counts: { ...counted.counts },
  };
}

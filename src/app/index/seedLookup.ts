// The seed design's lookup, for comparison (the bench): no manifest, no fences. List the time
// bucket's index files; for each, read its head (header + Bloom filter: the seed's "first line");
// where the Bloom filter says "maybe", read the file's entries and scan them in order; then one
// ranged GET of the record. Runs over this index's own part files, so only the access path differs.

import { bloomBlockCount, BLOOM_BLOCK_BYTES, SplitBlockBloom } from '../../core/index/bloom';
import { keyBucket, partObjectKey } from '../../core/index/keys';
import { utf8Decoder } from '../../core/index/keyOrder';
import { decodeObjectsTable, decodePartHeader, PART_HEADER_LENGTH } from '../../core/index/part';
import { initXxh64, xxh64String } from '../../core/index/xxh64';
import type { S3Location } from '../../core/s3uri';
import type { ObjectStore, RequestCounts } from '../../aws/objectStore';
import type { IndexConfig } from './indexConfig';
import { listPartObjects } from './manifestStore';
import { recordKey } from './lookup';

export interface ComparisonLookupResult {
  key: string;
  record: string | undefined;
  location: { object: string; offset: number; length: number } | undefined;
  /** Index files in the bucket, heads read, and files whose entries were scanned. */
  files: number;
  headsRead: number;
  entriesScanned: number;
  requests: number;
  bytes: number;
  ms: number;
  counts: RequestCounts;
}

/** The seed's lookup over the index at `target` (an IndexReader has both fields). */
export async function seedDesignLookup(
  store: ObjectStore,
  target: { index: S3Location; config: IndexConfig; data: S3Location },
  key: string,
  options: { signal?: AbortSignal } = {},
): Promise<ComparisonLookupResult> {
  await initXxh64();
  const started = performance.now();
  const counted = store.counting();
  const signal = options.signal ? { signal: options.signal } : {};
  const bucket = keyBucket(key, target.config.granularity);
  const result = (record?: string, location?: ComparisonLookupResult['location'], files = 0, headsRead = 0, entriesScanned = 0): ComparisonLookupResult => ({
    key,
    record,
    location,
    files,
    headsRead,
    entriesScanned,
    requests: counted.counts.requests,
    bytes: counted.counts.bytesIn,
    ms: performance.now() - started,
    counts: { ...counted.counts },
  });
  if (bucket === undefined) return result();
  const hash = xxh64String(key);
  const files = await listPartObjects(counted, target.index, bucket, options.signal);
  // One read covers the header and the Bloom filter of any part up to the index's part size.
  const headBytes = PART_HEADER_LENGTH + bloomBlockCount(target.config.partEntries, target.config.bitsPerKey) * BLOOM_BLOCK_BYTES;
  let headsRead = 0;
  let entriesScanned = 0;
  for (const file of files) {
    const objectKey = partObjectKey(target.index.key, bucket, file.name.slice(0, -'.idx'.length));
    let head = (await counted.getRange(target.index.bucket, objectKey, 0, headBytes - 1, signal)).bytes;
    headsRead++;
    const header = decodePartHeader(head);
    const bloomEnd = header.bloomOffset + header.bloomLength;
    if (head.length < bloomEnd) {
      const rest = (await counted.getRange(target.index.bucket, objectKey, head.length, bloomEnd - 1, signal)).bytes;
      const joined = new Uint8Array(head.length + rest.length);
      joined.set(head, 0);
      joined.set(rest, head.length);
      head = joined;
    }
    if (!SplitBlockBloom.fromBitset(head.subarray(header.bloomOffset, bloomEnd)).checkHash(hash)) continue;
    // "Proceed with the normal search": the entries (and the objects table after them), scanned in order.
    const body = (await counted.getRange(target.index.bucket, objectKey, header.entriesOffset, header.partLength - 1, signal)).bytes;
    entriesScanned++;
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    let at = 0;
    const end = header.entriesLength;
    while (at < end) {
      const keyLength = view.getUint16(at, true);
      const entryKey = utf8Decoder.decode(body.subarray(at + 2, at + 2 + keyLength));
      at += 2 + keyLength;
      const objectIndex = view.getUint32(at, true);
      const offset = view.getUint16(at + 8, true) * 0x100000000 + view.getUint32(at + 4, true);
      const length = view.getUint32(at + 10, true);
      at += 14;
      if (entryKey !== key) continue;
      const objects = decodeObjectsTable(body.subarray(header.objectsOffset - header.entriesOffset), header);
      const object = objects[objectIndex]!;
      const got = await counted.getRange(target.data.bucket, object.key, offset, offset + length - 1, { ifMatch: object.etag, ...signal });
      const record = new TextDecoder().decode(got.bytes);
      return result(recordKey(record) === key ? record : undefined, { object: object.key, offset, length }, files.length, headsRead, entriesScanned);
    }
  }
  return result(undefined, undefined, files.length, headsRead, entriesScanned);
}

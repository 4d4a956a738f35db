// A micro-benchmark hook for `npm run bench`: synthetic entries shaped like the seed's keys and one part built
// from them, so the bench can time the format core (hash + Bloom + sort + encode) apart from S3.

import { EntryBatch } from './entryBatch';
import { utf8 } from './keyOrder';
import { encodePart, encodeParts, type BatchPart, type DataObjectRef, type EncodedPart, type IndexEntry, type PartEncodeOptions } from './part';
import { RecordLineParser } from './records';

/** `count` entries with keys `xxxxxxxx-xxxx-4xxx-xxxx-xxxxxxxxxxxx-<unixtime>` (deterministic for a seed), spread over `objects` objects. */
export function syntheticEntries(count: number, seed = 1, objects = 16, firstSecond = 1683832386): IndexEntry[] {
  let state = seed >>> 0 || 1;
  const next = () => {
    // xorshift32: deterministic and allocation-free.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const hex8 = () => next().toString(16).padStart(8, '0');
  const entries = new Array<IndexEntry>(count);
  const offsets = new Array<number>(objects).fill(0);
  for (let i = 0; i < count; i++) {
    const a = hex8();
    const b = hex8();
    const c = hex8();
    const d = hex8();
    const key = `${a}-${b.slice(0, 4)}-4${b.slice(5)}-${c.slice(0, 4)}-${c.slice(4)}${d}-${firstSecond + (i % 3600)}`;
    const objectIndex = i % objects;
    const length = 60 + (next() % 200);
    entries[i] = { key, objectIndex, offset: offsets[objectIndex]!, length };
    offsets[objectIndex]! += length + 1;
  }
  return entries;
}

/** The data objects `syntheticEntries` points into. */
export function syntheticObjects(objects = 16): DataObjectRef[] {
  return Array.from({ length: objects }, (_, i) => ({
    key: `data/part-${String(i).padStart(5, '0')}.csv`,
    etag: `"${(i + 1).toString(16).padStart(32, '0')}"`,
    size: 1 << 30,
  }));
}

/** Builds one part of `count` synthetic keys (requires `initXxh64()`); the bench times this call. */
export function buildSyntheticPart(count: number, options: PartEncodeOptions = {}, entries: IndexEntry[] = syntheticEntries(count)): EncodedPart {
  return encodePart(entries, syntheticObjects(), options);
}

/** A data object body of `count` lines `uuid-unixtime, {"payload": …}` (after a `uuid, data` header), as the build reads it. */
export function syntheticDataBody(count: number, seed = 1): Uint8Array {
  const lines = syntheticEntries(count, seed, 1).map((entry) => `${entry.key}, {"payload": "${'x'.repeat(entry.length % 64)}"}\n`);
  return utf8.encode(`uuid, data\n${lines.join('')}`);
}

/**
 * The build path without S3, for the bench to time: parse a body in 64 KiB chunks straight into an EntryBatch (key
 * bytes, no strings), then sort once and cut it into parts. Returns the parts and the parser's counts.
 */
export function indexSyntheticBody(body: Uint8Array, options: PartEncodeOptions & { partEntries?: number } = {}): { parts: BatchPart[]; records: number } {
  const batch = new EntryBatch(1 << 16);
  const parser = new RecordLineParser();
  const sink = (source: Uint8Array, keyStart: number, keyEnd: number, _timestampMs: number, offset: number, length: number) =>
    batch.add(source, keyStart, keyEnd, 0, offset, length);
  for (let at = 0; at < body.length; at += 65536) parser.pushRaw(body.subarray(at, at + 65536), sink);
  parser.endRaw(sink);
  return { parts: encodeParts(batch, [{ key: 'data/synthetic.csv', etag: '"synthetic"', size: body.length }], options), records: parser.stats.records };
}

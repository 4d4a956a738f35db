// A micro-benchmark hook for `npm run bench`: synthetic entries shaped like the seed's keys and one part built
// from them, so the bench can time the format core (hash + Bloom + sort + encode) apart from S3.

import { encodePart, type DataObjectRef, type EncodedPart, type IndexEntry, type PartEncodeOptions } from './part';

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

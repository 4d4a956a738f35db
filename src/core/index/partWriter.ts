// Writes index parts (docs/index-format.md §Part). Entries are held as columns (EntryBatch) while they are sorted,
// deduplicated and written, so a million keys never become a million objects on the way.

import { DEFAULT_BITS_PER_KEY, SplitBlockBloom } from './bloom';
import { EntryBatch, META_STRIDE } from './entryBatch';
import { utf8 } from './keyOrder';
import {
  DEFAULT_FENCE_INTERVAL,
  DEFAULT_PART_ENTRIES,
  MAX_KEY_BYTES,
  MAX_RECORD_OFFSET,
  PART_FORMAT_VERSION,
  PART_HEADER_LENGTH,
  PART_MAGIC,
  type BatchPart,
  type DataObjectRef,
  type EncodedPart,
  type IndexEntry,
  type PartEncodeOptions,
} from './partFormat';
import { xxh64 } from './xxh64';

/** A growable little-endian byte writer (one per encode; no per-entry allocation). */
class ByteWriter {
  bytes: Uint8Array;
  view: DataView;
  length = 0;
  constructor(capacity: number) {
    this.bytes = new Uint8Array(Math.max(64, capacity));
    this.view = new DataView(this.bytes.buffer);
  }
  ensure(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }
  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  u64(v: bigint): void {
    this.ensure(8);
    this.view.setBigUint64(this.length, v, true);
    this.length += 8;
  }
  /** u16 byte length + UTF-8 bytes of `text`; throws when longer than 65535 bytes. */
  shortString(text: string, what: string): void {
    const n = text.length;
    this.ensure(2 + 3 * n);
    const bytes = this.bytes;
    const start = this.length + 2;
    // ASCII (the usual key) is copied unit by unit; anything else goes through TextEncoder.
    let written = 0;
    while (written < n) {
      const unit = text.charCodeAt(written);
      if (unit >= 0x80) break;
      bytes[start + written] = unit;
      written++;
    }
    if (written < n) written = utf8.encodeInto(text, bytes.subarray(start)).written;
    if (written > MAX_KEY_BYTES)
      throw new RangeError(`${what} "${text.slice(0, 40)}…" is ${written} bytes of UTF-8; the index format allows at most ${MAX_KEY_BYTES}`);
    bytes[start - 2] = written;
    bytes[start - 1] = written >>> 8;
    this.length = start + written;
  }
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }
  result(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

function validateEntry(entry: IndexEntry, objectCount: number): void {
  if (typeof entry.key !== 'string') throw new TypeError('index entry: key must be a string');
  if (!Number.isInteger(entry.objectIndex) || entry.objectIndex < 0 || entry.objectIndex >= objectCount) {
    throw new RangeError(`index entry "${entry.key}": object index ${entry.objectIndex} is not in the objects table (0..${objectCount - 1})`);
  }
  if (!Number.isInteger(entry.offset) || entry.offset < 0 || entry.offset > MAX_RECORD_OFFSET) {
    throw new RangeError(`index entry "${entry.key}": offset ${entry.offset} is not an integer in [0, 2^48)`);
  }
  if (!Number.isInteger(entry.length) || entry.length < 0 || entry.length > 0xffffffff) {
    throw new RangeError(`index entry "${entry.key}": length ${entry.length} is not an integer in [0, 2^32)`);
  }
}

/** Entry objects as a batch, each checked first (typed arrays would silently truncate a bad number). */
function toBatch(entries: readonly IndexEntry[] | EntryBatch, objectCount: number): EntryBatch {
  if (entries instanceof EntryBatch) return entries;
  for (const entry of entries) validateEntry(entry, objectCount);
  return EntryBatch.from(entries);
}

function identityOrder(n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

/** Sorted, distinct entries of a batch (indexes into it), and what deduplication did. */
interface DedupedOrder {
  kept: Uint32Array;
  duplicatesDropped: number;
  conflictsResolved: number;
}

/**
 * Drops identical duplicates from a key-sorted order and resolves same-key entries with different locations
 * ('error' throws; 'last' keeps the later one, i.e. the newest append). With `checkOrder`, throws if the order is not sorted.
 */
function dedupeSorted(batch: EntryBatch, order: Uint32Array, conflicts: 'error' | 'last', checkOrder: boolean): DedupedOrder {
  const kept = new Uint32Array(order.length);
  let w = 0;
  let duplicatesDropped = 0;
  let conflictsResolved = 0;
  for (let r = 0; r < order.length; r++) {
    const index = order[r]!;
    if (w > 0) {
      const previous = kept[w - 1]!;
      const c = batch.compare(previous, index);
      if (c > 0 && checkOrder)
        throw new RangeError(`entries are not in key order ("${batch.key(previous)}" before "${batch.key(index)}"), yet presorted was set`);
      if (c === 0) {
        const same =
          batch.objectIndex(previous) === batch.objectIndex(index) &&
          batch.offset(previous) === batch.offset(index) &&
          batch.length(previous) === batch.length(index);
        if (same) {
          duplicatesDropped++;
          continue;
        }
        if (conflicts === 'error') {
          throw new RangeError(
            `key "${batch.key(index)}" appears twice with different locations (object ${batch.objectIndex(previous)} @${batch.offset(previous)}+${batch.length(previous)} and object ${batch.objectIndex(index)} @${batch.offset(index)}+${batch.length(index)})`,
          );
        }
        conflictsResolved++;
        kept[w - 1] = index;
        continue;
      }
    }
    kept[w++] = index;
  }
  return { kept: kept.subarray(0, w), duplicatesDropped, conflictsResolved };
}

/**
 * Sorts (UTF-8 byte order) and dedupes `entries` (input order decides which of conflicting duplicates is "last").
 * Does not modify the input array.
 */
export function sortEntries(
  entries: readonly IndexEntry[],
  conflicts: 'error' | 'last' = 'error',
): { sorted: IndexEntry[]; duplicatesDropped: number; conflictsResolved: number } {
  const batch = EntryBatch.from(entries);
  const { kept, duplicatesDropped, conflictsResolved } = dedupeSorted(batch, batch.sortedOrder(), conflicts, false);
  return { sorted: Array.from(kept, (i) => entries[i]!), duplicatesDropped, conflictsResolved };
}

/**
 * Encodes a part. Entries (objects, or a batch) need not be sorted; identical duplicates are kept once. Throws
 * RangeError on input the format cannot hold (an object index out of range, an offset ≥ 2^48, a key over 65535
 * bytes, a part over 4 GiB).
 */
export function encodePart(entries: readonly IndexEntry[] | EntryBatch, objects: readonly DataObjectRef[], options: PartEncodeOptions = {}): EncodedPart {
  checkOptions(options, objects);
  const batch = toBatch(entries, objects.length);
  const order = options.presorted ? identityOrder(batch.size) : batch.sortedOrder();
  return writePart(batch, order, 0, Number.POSITIVE_INFINITY, objects, false, options).part;
}

/**
 * Sorts a batch once (one time bucket's entries) and cuts it into parts of at most `partEntries` distinct keys,
 * each with an objects table of the objects its entries use (indexes remapped), so a corrupt part's fallback
 * scans only those. Keys never straddle two parts of one batch.
 */
export function encodeParts(
  entries: readonly IndexEntry[] | EntryBatch,
  objects: readonly DataObjectRef[],
  options: PartEncodeOptions & { partEntries?: number } = {},
): BatchPart[] {
  const partEntries = options.partEntries ?? DEFAULT_PART_ENTRIES;
  if (!Number.isInteger(partEntries) || partEntries < 1) throw new RangeError(`entries per part must be a positive integer, got ${partEntries}`);
  checkOptions(options, objects);
  const batch = toBatch(entries, objects.length);
  const order = options.presorted ? identityOrder(batch.size) : batch.sortedOrder();
  const parts: BatchPart[] = [];
  for (let start = 0; start < order.length;) {
    const written = writePart(batch, order, start, partEntries, objects, true, options);
    parts.push({ part: written.part, objects: written.objects });
    start = written.next;
  }
  return parts;
}

function checkOptions(options: PartEncodeOptions, objects: readonly DataObjectRef[]): void {
  const k = options.fenceInterval ?? DEFAULT_FENCE_INTERVAL;
  if (!Number.isInteger(k) || k < 1 || k > 0xffff) throw new RangeError(`fence interval must be an integer in [1, 65535], got ${k}`);
  if (objects.length > 0xffffffff) throw new RangeError('too many data objects for one part');
  for (const object of objects) {
    if (!Number.isSafeInteger(object.size) || object.size < 0)
      throw new RangeError(`data object "${object.key}": size ${object.size} is not a non-negative integer`);
  }
}

/**
 * Writes one part from the key-sorted batch `order`, starting at position `start`, until `limit` distinct keys are
 * written (then the run of the last key is still consumed, so a key never straddles two parts). Deduplicates as it
 * writes: each key's bytes are read once, in one pass (a million scattered keys make memory traffic the cost).
 * With `remap`, the part's objects table holds only the objects its entries use.
 */
function writePart(
  batch: EntryBatch,
  order: Uint32Array,
  start: number,
  limit: number,
  objects: readonly DataObjectRef[],
  remap: boolean,
  options: PartEncodeOptions,
): { part: EncodedPart; objects: DataObjectRef[]; next: number } {
  const bitsPerKey = options.bitsPerKey ?? DEFAULT_BITS_PER_KEY;
  const k = options.fenceInterval ?? DEFAULT_FENCE_INTERVAL;
  const conflicts = options.conflicts ?? 'error';
  const checkOrder = options.presorted === true;
  const { arena, meta } = batch;
  const objectMap = remap ? new Int32Array(objects.length).fill(-1) : undefined;
  const used: DataObjectRef[] = remap ? [] : objects.slice();

  const capacity = Math.min(limit, order.length - start);
  const averageKey = batch.size > 0 ? Math.ceil(batch.arenaLength / batch.size) : 0;
  let entriesBytes = new Uint8Array(Math.max(64, capacity * (16 + averageKey)));
  const blockStarts: number[] = [];
  const keyStarts = new Uint32Array(capacity);
  let p = 0;
  let n = 0;
  let duplicatesDropped = 0;
  let conflictsResolved = 0;
  let previous = -1;
  let previousTail = 0;

  /** Writes entry `index`'s location (object, offset, length) at `at`. */
  const writeLocation = (index: number, at: number) => {
    const b = index * META_STRIDE;
    const global = meta[b + 2]!;
    if (global >= objects.length)
      throw new RangeError(`index entry "${batch.key(index)}": object index ${global} is not in the objects table (0..${objects.length - 1})`);
    const local = global; // remapped after the loop, once the entries that survive are known
    const offsetLow = meta[b + 3]!;
    const offsetHigh = meta[b + 4]!;
    if (offsetHigh > 0xffff) throw new RangeError(`index entry "${batch.key(index)}": offset ${batch.offset(index)} is not an integer in [0, 2^48)`);
    const recordLength = meta[b + 5]!;
    entriesBytes[at] = local;
    entriesBytes[at + 1] = local >>> 8;
    entriesBytes[at + 2] = local >>> 16;
    entriesBytes[at + 3] = local >>> 24;
    entriesBytes[at + 4] = offsetLow;
    entriesBytes[at + 5] = offsetLow >>> 8;
    entriesBytes[at + 6] = offsetLow >>> 16;
    entriesBytes[at + 7] = offsetLow >>> 24;
    entriesBytes[at + 8] = offsetHigh;
    entriesBytes[at + 9] = offsetHigh >>> 8;
    entriesBytes[at + 10] = recordLength;
    entriesBytes[at + 11] = recordLength >>> 8;
    entriesBytes[at + 12] = recordLength >>> 16;
    entriesBytes[at + 13] = recordLength >>> 24;
  };

  let pos = start;
  for (; pos < order.length; pos++) {
    const index = order[pos]!;
    if (previous >= 0) {
      const c = batch.compare(previous, index);
      if (c > 0 && checkOrder)
        throw new RangeError(`entries are not in key order ("${batch.key(previous)}" before "${batch.key(index)}"), yet presorted was set`);
      if (c === 0) {
        const pb = previous * META_STRIDE;
        const ib = index * META_STRIDE;
        if (meta[pb + 2] === meta[ib + 2] && meta[pb + 3] === meta[ib + 3] && meta[pb + 4] === meta[ib + 4] && meta[pb + 5] === meta[ib + 5]) {
          duplicatesDropped++;
          continue;
        }
        if (conflicts === 'error') {
          throw new RangeError(
            `key "${batch.key(index)}" appears twice with different locations (object ${batch.objectIndex(previous)} @${batch.offset(previous)}+${batch.length(previous)} and object ${batch.objectIndex(index)} @${batch.offset(index)}+${batch.length(index)})`,
          );
        }
        // Keep the later one (input order: the newest append) in place of the one just written.
        conflictsResolved++;
        writeLocation(index, previousTail);
        previous = index;
        continue;
      }
    }
    if (n === limit) break;
    const length = meta[index * META_STRIDE + 1]!;
    if (length > MAX_KEY_BYTES)
      throw new RangeError(`key "${batch.key(index).slice(0, 40)}…" is ${length} bytes of UTF-8; the index format allows at most ${MAX_KEY_BYTES}`);
    if (p + 16 + length > entriesBytes.length) {
      const grown = new Uint8Array(Math.max(2 * entriesBytes.length, p + 16 + length));
      grown.set(entriesBytes.subarray(0, p));
      entriesBytes = grown;
    }
    if (n % k === 0) blockStarts.push(p);
    entriesBytes[p] = length;
    entriesBytes[p + 1] = length >>> 8;
    p += 2;
    keyStarts[n++] = p;
    const from = meta[index * META_STRIDE]!;
    if (length <= 16) for (let j = from, end = from + length; j < end; j++) entriesBytes[p++] = arena[j]!;
    else {
      entriesBytes.set(arena.subarray(from, from + length), p);
      p += length;
    }
    writeLocation(index, p);
    previousTail = p;
    p += 14;
    previous = index;
  }
  if (objectMap) {
    // Number the objects the written entries use, in order of first use, and rewrite their indexes.
    for (let i = 0; i < n; i++) {
      const keyAt = keyStarts[i]!;
      const at = keyAt + (entriesBytes[keyAt - 2]! | (entriesBytes[keyAt - 1]! << 8));
      const global = (entriesBytes[at]! | (entriesBytes[at + 1]! << 8) | (entriesBytes[at + 2]! << 16) | (entriesBytes[at + 3]! << 24)) >>> 0;
      let local = objectMap[global]!;
      if (local < 0) {
        local = objectMap[global] = used.length;
        used.push(objects[global]!);
      }
      entriesBytes[at] = local;
      entriesBytes[at + 1] = local >>> 8;
      entriesBytes[at + 2] = local >>> 16;
      entriesBytes[at + 3] = local >>> 24;
    }
  }
  const fenceCount = blockStarts.length;
  blockStarts.push(p);
  entriesBytes = entriesBytes.subarray(0, p);
  const firstIndex = n > 0 ? order[start]! : -1;

  // Fences: first key of each block (copied from the entries bytes), block range, block hash.
  const fencesOut = new ByteWriter(fenceCount * 64);
  for (let b = 0; b < fenceCount; b++) {
    const start = blockStarts[b]!;
    const end = blockStarts[b + 1]!;
    const keyLength = entriesBytes[start]! | (entriesBytes[start + 1]! << 8);
    fencesOut.raw(entriesBytes.subarray(start, start + 2 + keyLength));
    fencesOut.u32(start);
    fencesOut.u32(end - start);
    fencesOut.u64(xxh64(entriesBytes.subarray(start, end)));
  }
  const fencesBytes = fencesOut.result();

  // Bloom over XXH64 of each distinct key, hashed from the entries just written: sequential bytes hash several
  // times faster than the same strings visited in sorted (scattered) order.
  const bloom = SplitBlockBloom.forKeys(n, bitsPerKey);
  for (let i = 0; i < n; i++) {
    const start = keyStarts[i]!;
    const keyLength = entriesBytes[start - 2]! | (entriesBytes[start - 1]! << 8);
    bloom.insertHash(xxh64(entriesBytes.subarray(start, start + keyLength)));
  }

  const objectsOut = new ByteWriter(used.length * 96);
  for (const object of used) {
    objectsOut.shortString(object.key, 'data object key');
    objectsOut.shortString(object.etag, `ETag of ${object.key}:`);
    objectsOut.u32(object.size % 0x100000000);
    objectsOut.u32(Math.floor(object.size / 0x100000000));
  }
  const objectsBytes = objectsOut.result();

  const bloomOffset = PART_HEADER_LENGTH;
  const fenceOffset = bloomOffset + bloom.byteLength;
  const entriesOffset = fenceOffset + fencesBytes.length;
  const objectsOffset = entriesOffset + entriesBytes.length;
  const total = objectsOffset + objectsBytes.length;
  if (total > 0xffffffff) throw new RangeError(`part would be ${total} bytes; the format caps a part at 4 GiB: use fewer entries per part`);

  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes.set(PART_MAGIC, 0);
  view.setUint16(8, PART_FORMAT_VERSION, true);
  view.setUint16(10, PART_HEADER_LENGTH, true);
  view.setUint32(12, 0, true);
  view.setUint32(16, n, true);
  view.setUint32(20, used.length, true);
  view.setUint32(24, bloomOffset, true);
  view.setUint32(28, bloom.byteLength, true);
  view.setUint32(32, fenceOffset, true);
  view.setUint32(36, fencesBytes.length, true);
  view.setUint32(40, k, true);
  view.setUint32(44, fenceCount, true);
  view.setUint32(48, entriesOffset, true);
  view.setUint32(52, entriesBytes.length, true);
  view.setUint32(56, objectsOffset, true);
  view.setUint32(60, objectsBytes.length, true);
  bloom.writeBitset(bytes, bloomOffset);
  bytes.set(fencesBytes, fenceOffset);
  bytes.set(entriesBytes, entriesOffset);
  bytes.set(objectsBytes, objectsOffset);
  view.setBigUint64(64, xxh64(bytes.subarray(bloomOffset, fenceOffset)), true);
  view.setBigUint64(72, xxh64(fencesBytes), true);
  view.setBigUint64(80, xxh64(objectsBytes), true);
  view.setBigUint64(88, xxh64(bytes.subarray(0, 88)), true);

  return {
    part: {
      bytes,
      entryCount: n,
      minKey: n > 0 ? batch.key(firstIndex) : undefined,
      maxKey: n > 0 ? batch.key(previous) : undefined,
      prefixLength: entriesOffset,
      duplicatesDropped,
      conflictsResolved,
    },
    objects: used,
    next: pos,
  };
}

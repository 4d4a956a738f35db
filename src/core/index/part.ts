// An index part (`<partId>.idx`, docs/index-format.md §Part): a 96-byte header, the Bloom filter, fence pointers,
// sorted entries cut into blocks of k, and the table of data objects the entries point into. Everything a lookup
// needs before the entries (the "lookup prefix") is one contiguous range; each entry block carries its own XXH64
// in its fence, so one ranged read of a block is verified on its own. All integers little-endian.

import { DEFAULT_BITS_PER_KEY, SplitBlockBloom } from './bloom';
import { IndexFormatError, type IndexSection } from './errors';
import { compareKeys, keyComparator, utf8, utf8Decoder } from './keyOrder';
import { xxh64, xxh64Keys } from './xxh64';

/** "S3LSIDX\n". */
export const PART_MAGIC = new Uint8Array([0x53, 0x33, 0x4c, 0x53, 0x49, 0x44, 0x58, 0x0a]);
export const PART_FORMAT_VERSION = 1;
export const PART_HEADER_LENGTH = 96;
/** The default number of entries per block (one fence each). */
export const DEFAULT_FENCE_INTERVAL = 64;
/** Entries and object offsets are 48-bit. */
export const MAX_RECORD_OFFSET = 2 ** 48 - 1;
/** Keys, object keys and ETags are stored with a u16 length. */
export const MAX_KEY_BYTES = 0xffff;

/** One entry: the record with key `key` is bytes [offset, offset + length) of data object `objectIndex`. */
export interface IndexEntry {
  key: string;
  /** Index into the part's objects table. */
  objectIndex: number;
  /** Byte offset in the data object (0 ≤ offset < 2^48). */
  offset: number;
  /** Byte length of the record (u32). */
  length: number;
}

/** A data object entries point into, as it was when indexed (a later GET uses If-Match: etag). */
export interface DataObjectRef {
  key: string;
  etag: string;
  size: number;
}

export interface PartEncodeOptions {
  /** Bloom filter bits per key (default 10.5 → ~1% false positives). */
  bitsPerKey?: number;
  /** Entries per block / fence (default 64). */
  fenceInterval?: number;
  /**
   * Two entries with the same key but different locations: 'error' (default) throws; 'last' keeps the one that came
   * last in the input (the newest append) and counts it in `conflictsResolved`.
   */
  conflicts?: 'error' | 'last';
}

export interface EncodedPart {
  bytes: Uint8Array;
  /** Distinct entries written. */
  entryCount: number;
  /** Smallest and largest key (undefined for an empty part). */
  minKey: string | undefined;
  maxKey: string | undefined;
  /** Bytes [0, prefixLength): header + Bloom + fences; what a manifest copies. */
  prefixLength: number;
  /** Identical entries dropped. */
  duplicatesDropped: number;
  /** Same-key entries with different locations resolved by `conflicts: 'last'`. */
  conflictsResolved: number;
}

/** The decoded, validated header. */
export interface PartHeader {
  formatVersion: number;
  headerLength: number;
  flags: number;
  entryCount: number;
  objectCount: number;
  bloomOffset: number;
  bloomLength: number;
  fenceOffset: number;
  fenceLength: number;
  fenceInterval: number;
  fenceCount: number;
  entriesOffset: number;
  entriesLength: number;
  objectsOffset: number;
  objectsLength: number;
  bloomHash: bigint;
  fenceHash: bigint;
  objectsHash: bigint;
  headerHash: bigint;
  /** = entriesOffset: the length of the lookup prefix. */
  prefixLength: number;
  /** = objectsOffset + objectsLength: the whole part's length. */
  partLength: number;
}

/** A fence: the first key of a block and where that block is. */
export interface Fence {
  key: string;
  /** Relative to entriesOffset. */
  blockOffset: number;
  blockLength: number;
  blockHash: bigint;
}

/** Where one block is and what it must contain: enough to fetch (ranged GET) and verify it on its own. */
export interface BlockRef {
  fenceIndex: number;
  /** Absolute byte range in the part: [start, end). */
  start: number;
  end: number;
  blockHash: bigint;
  /** Entries the block holds (k, or fewer for the last). */
  entryCount: number;
  /** The block's first key (its fence key). */
  firstKey: string;
}

/** The decoded lookup prefix: what a lookup consults before fetching one block. */
export interface PartLookupPrefix {
  header: PartHeader;
  bloom: SplitBlockBloom;
  fences: Fence[];
}

/** A whole part, decoded and verified (for scans and tools). */
export interface DecodedPart extends PartLookupPrefix {
  entries: IndexEntry[];
  objects: DataObjectRef[];
}

// ---------------------------------------------------------------------------------------------------------------
// Encoding

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
    this.ensure(2 + 3 * text.length);
    const { written } = utf8.encodeInto(text, this.bytes.subarray(this.length + 2));
    if (written > MAX_KEY_BYTES) throw new RangeError(`${what} is ${written} bytes of UTF-8; the index format allows at most ${MAX_KEY_BYTES}`);
    this.view.setUint16(this.length, written, true);
    this.length += 2 + written;
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

function sameLocation(a: IndexEntry, b: IndexEntry): boolean {
  return a.objectIndex === b.objectIndex && a.offset === b.offset && a.length === b.length;
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

/**
 * Sorts (UTF-8 byte order) and dedupes `entries` (input order decides which of conflicting duplicates is "last").
 * Does not modify the input array.
 */
export function sortEntries(
  entries: readonly IndexEntry[],
  conflicts: 'error' | 'last' = 'error',
): { sorted: IndexEntry[]; duplicatesDropped: number; conflictsResolved: number } {
  // Array.prototype.sort is stable: equal keys keep input order, so the last of a run is the newest.
  const compare = keyComparator(entries.map((e) => e.key));
  const sorted = entries.slice().sort((a, b) => compare(a.key, b.key));
  let duplicatesDropped = 0;
  let conflictsResolved = 0;
  let w = 0;
  for (let r = 0; r < sorted.length; r++) {
    const entry = sorted[r]!;
    if (w > 0 && sorted[w - 1]!.key === entry.key) {
      const previous = sorted[w - 1]!;
      if (sameLocation(previous, entry)) {
        duplicatesDropped++;
        continue;
      }
      if (conflicts === 'error') {
        throw new RangeError(
          `key "${entry.key}" appears twice with different locations (object ${previous.objectIndex} @${previous.offset}+${previous.length} and object ${entry.objectIndex} @${entry.offset}+${entry.length})`,
        );
      }
      conflictsResolved++;
      sorted[w - 1] = entry;
      continue;
    }
    sorted[w++] = entry;
  }
  sorted.length = w;
  return { sorted, duplicatesDropped, conflictsResolved };
}

/**
 * Encodes a part. Entries need not be sorted; identical duplicates are kept once. Throws RangeError on input the
 * format cannot hold (an object index out of range, an offset ≥ 2^48, a key over 65535 bytes, a part over 4 GiB).
 */
export function encodePart(entries: readonly IndexEntry[], objects: readonly DataObjectRef[], options: PartEncodeOptions = {}): EncodedPart {
  const bitsPerKey = options.bitsPerKey ?? DEFAULT_BITS_PER_KEY;
  const k = options.fenceInterval ?? DEFAULT_FENCE_INTERVAL;
  if (!Number.isInteger(k) || k < 1 || k > 0xffff) throw new RangeError(`fence interval must be an integer in [1, 65535], got ${k}`);
  if (objects.length > 0xffffffff) throw new RangeError('too many data objects for one part');
  for (const object of objects) {
    if (!Number.isSafeInteger(object.size) || object.size < 0)
      throw new RangeError(`data object "${object.key}": size ${object.size} is not a non-negative integer`);
  }
  for (const entry of entries) validateEntry(entry, objects.length);
  const { sorted, duplicatesDropped, conflictsResolved } = sortEntries(entries, options.conflicts ?? 'error');
  const n = sorted.length;
  const fenceCount = Math.ceil(n / k);

  // Entries section; remember where each block starts.
  const entriesOut = new ByteWriter(n * 64);
  const blockStarts = new Uint32Array(fenceCount + 1);
  for (let i = 0; i < n; i++) {
    if (i % k === 0) blockStarts[i / k] = entriesOut.length;
    const entry = sorted[i]!;
    entriesOut.shortString(entry.key, `key "${entry.key.slice(0, 40)}…"`);
    entriesOut.ensure(14);
    const { view } = entriesOut;
    let p = entriesOut.length;
    view.setUint32(p, entry.objectIndex, true);
    view.setUint32(p + 4, entry.offset % 0x100000000, true);
    view.setUint16(p + 8, Math.floor(entry.offset / 0x100000000), true);
    view.setUint32(p + 10, entry.length, true);
    p += 14;
    entriesOut.length = p;
  }
  blockStarts[fenceCount] = entriesOut.length;
  const entriesBytes = entriesOut.result();

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

  // Bloom over XXH64 of each distinct key.
  const bloom = SplitBlockBloom.forKeys(n, bitsPerKey);
  const hashes = new Uint32Array(2 * Math.min(n, 65536));
  const keys = sorted.map((e) => e.key);
  for (let start = 0; start < n; start += 65536) {
    const end = Math.min(n, start + 65536);
    const batch = keys.slice(start, end);
    xxh64Keys(batch, hashes);
    bloom.insertPairs(hashes, end - start);
  }

  const objectsOut = new ByteWriter(objects.length * 96);
  for (const object of objects) {
    objectsOut.shortString(object.key, `data object key "${object.key.slice(0, 40)}…"`);
    objectsOut.shortString(object.etag, `ETag of "${object.key}"`);
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
  view.setUint32(20, objects.length, true);
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
    bytes,
    entryCount: n,
    minKey: n > 0 ? sorted[0]!.key : undefined,
    maxKey: n > 0 ? sorted[n - 1]!.key : undefined,
    prefixLength: entriesOffset,
    duplicatesDropped,
    conflictsResolved,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Decoding

function fail(kind: ConstructorParameters<typeof IndexFormatError>[0], section: IndexSection, message: string): never {
  throw new IndexFormatError(kind, section, message);
}

function hex(hash: bigint): string {
  return hash.toString(16).padStart(16, '0');
}

function verify(bytes: Uint8Array, expected: bigint, section: IndexSection, what: string): void {
  const actual = xxh64(bytes);
  if (actual !== expected) fail('checksum-mismatch', section, `${what} hashes to ${hex(actual)}, the part records ${hex(expected)}`);
}

/** Validates and decodes the 96-byte header (`bytes` may be the whole part or any prefix of at least 96 bytes). */
export function decodePartHeader(bytes: Uint8Array): PartHeader {
  if (bytes.length < 8) fail('truncated', 'header', `${bytes.length} bytes, too short for the 8-byte magic`);
  for (let i = 0; i < 8; i++) if (bytes[i] !== PART_MAGIC[i]) fail('bad-magic', 'header', 'does not start with "S3LSIDX\\n": not an index part');
  if (bytes.length < PART_HEADER_LENGTH) fail('truncated', 'header', `${bytes.length} bytes, the header alone is ${PART_HEADER_LENGTH}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, PART_HEADER_LENGTH);
  const headerHash = view.getBigUint64(88, true);
  verify(bytes.subarray(0, 88), headerHash, 'header', 'header bytes 0..88');
  const formatVersion = view.getUint16(8, true);
  if (formatVersion !== PART_FORMAT_VERSION)
    fail('unsupported-version', 'header', `format version ${formatVersion}; this build reads version ${PART_FORMAT_VERSION}: update the extension`);
  const headerLength = view.getUint16(10, true);
  if (headerLength !== PART_HEADER_LENGTH) fail('bad-layout', 'header', `header length ${headerLength}, version 1 headers are ${PART_HEADER_LENGTH}`);
  const flags = view.getUint32(12, true);
  if (flags !== 0) fail('unsupported-version', 'header', `flags 0x${flags.toString(16)} are not defined in version 1`);
  const u32 = (at: number) => view.getUint32(at, true);
  const header: PartHeader = {
    formatVersion,
    headerLength,
    flags,
    entryCount: u32(16),
    objectCount: u32(20),
    bloomOffset: u32(24),
    bloomLength: u32(28),
    fenceOffset: u32(32),
    fenceLength: u32(36),
    fenceInterval: u32(40),
    fenceCount: u32(44),
    entriesOffset: u32(48),
    entriesLength: u32(52),
    objectsOffset: u32(56),
    objectsLength: u32(60),
    bloomHash: view.getBigUint64(64, true),
    fenceHash: view.getBigUint64(72, true),
    objectsHash: view.getBigUint64(80, true),
    headerHash,
    prefixLength: 0,
    partLength: 0,
  };
  const h = header;
  if (h.bloomOffset !== PART_HEADER_LENGTH)
    fail('bad-layout', 'header', `Bloom filter at ${h.bloomOffset}, expected right after the header (${PART_HEADER_LENGTH})`);
  if (h.bloomLength === 0 || h.bloomLength % 32 !== 0) fail('bad-layout', 'header', `Bloom filter length ${h.bloomLength} is not a positive multiple of 32`);
  if (h.fenceOffset !== h.bloomOffset + h.bloomLength)
    fail('bad-layout', 'header', `fences at ${h.fenceOffset}, expected right after the Bloom filter (${h.bloomOffset + h.bloomLength})`);
  if (h.entriesOffset !== h.fenceOffset + h.fenceLength)
    fail('bad-layout', 'header', `entries at ${h.entriesOffset}, expected right after the fences (${h.fenceOffset + h.fenceLength})`);
  if (h.objectsOffset !== h.entriesOffset + h.entriesLength)
    fail('bad-layout', 'header', `objects table at ${h.objectsOffset}, expected right after the entries (${h.entriesOffset + h.entriesLength})`);
  if (h.fenceInterval < 1) fail('bad-layout', 'header', 'fence interval 0');
  if (h.fenceCount !== Math.ceil(h.entryCount / h.fenceInterval)) {
    fail(
      'bad-layout',
      'header',
      `${h.fenceCount} fences for ${h.entryCount} entries at one per ${h.fenceInterval} (expected ${Math.ceil(h.entryCount / h.fenceInterval)})`,
    );
  }
  if (h.entryCount > 0 && h.objectCount === 0) fail('bad-layout', 'header', `${h.entryCount} entries but no data objects`);
  // Each entry is at least 16 bytes, each fence 18, each object 12: counts that cannot fit are corrupt.
  if (h.entriesLength < 16 * h.entryCount) fail('bad-layout', 'header', `${h.entryCount} entries cannot fit in ${h.entriesLength} bytes`);
  if (h.fenceLength < 18 * h.fenceCount) fail('bad-layout', 'header', `${h.fenceCount} fences cannot fit in ${h.fenceLength} bytes`);
  if (h.objectsLength < 12 * h.objectCount) fail('bad-layout', 'header', `${h.objectCount} objects cannot fit in ${h.objectsLength} bytes`);
  h.prefixLength = h.entriesOffset;
  h.partLength = h.objectsOffset + h.objectsLength;
  return h;
}

/** A bounds-checked little-endian reader over one section; running past its end is corruption of that section. */
class SectionReader {
  private readonly view: DataView;
  position = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly section: IndexSection,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number): void {
    if (this.position + n > this.bytes.length)
      fail('bad-content', this.section, `an item runs past the end of the section (byte ${this.position} + ${n} > ${this.bytes.length})`);
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.position, true);
    this.position += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.position, true);
    this.position += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.position, true);
    this.position += 8;
    return v;
  }
  shortString(what: string): string {
    const length = this.u16();
    this.need(length);
    const start = this.position;
    this.position += length;
    try {
      return utf8Decoder.decode(this.bytes.subarray(start, start + length));
    } catch {
      return fail('bad-content', this.section, `${what} at byte ${start} is not valid UTF-8`);
    }
  }
  atEnd(): boolean {
    return this.position === this.bytes.length;
  }
}

function requireLength(bytes: Uint8Array, length: number, section: IndexSection, what: string): void {
  if (bytes.length < length) fail('truncated', section, `${bytes.length} bytes, ${what} needs ${length}`);
}

/**
 * Decodes and verifies the lookup prefix (header, Bloom filter, fences) from `bytes`, which hold at least bytes
 * [0, entriesOffset) of a part (a manifest's copy, or a ranged read of the part). The Bloom filter is a view of
 * `bytes` when aligned (no copy).
 */
export function decodeLookupPrefix(bytes: Uint8Array): PartLookupPrefix {
  const header = decodePartHeader(bytes);
  requireLength(bytes, header.prefixLength, 'fences', 'the lookup prefix (header + Bloom + fences)');
  const bloomBytes = bytes.subarray(header.bloomOffset, header.fenceOffset);
  verify(bloomBytes, header.bloomHash, 'bloom', 'the Bloom filter');
  const fenceBytes = bytes.subarray(header.fenceOffset, header.entriesOffset);
  verify(fenceBytes, header.fenceHash, 'fences', 'the fence table');
  const reader = new SectionReader(fenceBytes, 'fences');
  const fences: Fence[] = new Array<Fence>(header.fenceCount);
  let expectedOffset = 0;
  for (let i = 0; i < header.fenceCount; i++) {
    const key = reader.shortString(`fence ${i}'s key`);
    const blockOffset = reader.u32();
    const blockLength = reader.u32();
    const blockHash = reader.u64();
    if (blockOffset !== expectedOffset)
      fail('bad-content', 'fences', `block ${i} starts at ${blockOffset}, expected ${expectedOffset} (blocks are contiguous)`);
    if (i > 0 && compareKeys(fences[i - 1]!.key, key) >= 0) fail('bad-content', 'fences', `fence ${i}'s key is not after fence ${i - 1}'s`);
    expectedOffset += blockLength;
    fences[i] = { key, blockOffset, blockLength, blockHash };
  }
  if (!reader.atEnd()) fail('bad-content', 'fences', `${fenceBytes.length - reader.position} bytes left after ${header.fenceCount} fences`);
  if (expectedOffset !== header.entriesLength)
    fail('bad-content', 'fences', `blocks cover ${expectedOffset} bytes, the entries section is ${header.entriesLength}`);
  // Copy the bloom when the input is unaligned; fromBitset handles that.
  return { header, bloom: SplitBlockBloom.fromBitset(bloomBytes), fences };
}

/** The block that holds `key` if any block does (the last fence whose key ≤ `key`), or undefined when `key` sorts before every fence. */
export function findBlock(prefix: PartLookupPrefix, key: string): BlockRef | undefined {
  const { fences } = prefix;
  let lo = 0;
  let hi = fences.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(fences[mid]!.key, key) <= 0) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found < 0 ? undefined : blockRef(prefix, found);
}

/** The BlockRef of fence `fenceIndex`. */
export function blockRef(prefix: PartLookupPrefix, fenceIndex: number): BlockRef {
  const { header } = prefix;
  const fence = prefix.fences[fenceIndex];
  if (!fence) throw new RangeError(`no fence ${fenceIndex} (the part has ${prefix.fences.length})`);
  const start = header.entriesOffset + fence.blockOffset;
  const last = fenceIndex === prefix.fences.length - 1;
  return {
    fenceIndex,
    start,
    end: start + fence.blockLength,
    blockHash: fence.blockHash,
    entryCount: last ? header.entryCount - header.fenceInterval * (prefix.fences.length - 1) : header.fenceInterval,
    firstKey: fence.key,
  };
}

/**
 * Verifies (XXH64 from the fence) and decodes one block's bytes (exactly bytes [block.start, block.end) of the part).
 * `objectCount` (from the header) bounds the entries' object indexes.
 */
export function decodeBlock(bytes: Uint8Array, block: BlockRef, objectCount: number): IndexEntry[] {
  if (bytes.length !== block.end - block.start)
    fail('truncated', 'entries', `block ${block.fenceIndex} is ${bytes.length} bytes, its fence says ${block.end - block.start}`);
  verify(bytes, block.blockHash, 'entries', `block ${block.fenceIndex}`);
  const reader = new SectionReader(bytes, 'entries');
  const entries = new Array<IndexEntry>(block.entryCount);
  for (let i = 0; i < block.entryCount; i++) {
    const key = reader.shortString(`entry ${i} of block ${block.fenceIndex}`);
    const objectIndex = reader.u32();
    const offsetLow = reader.u32();
    const offsetHigh = reader.u16();
    const length = reader.u32();
    if (objectIndex >= objectCount) fail('bad-content', 'entries', `entry "${key}" names object ${objectIndex}, the part has ${objectCount}`);
    if (i === 0 ? key !== block.firstKey : compareKeys(entries[i - 1]!.key, key) >= 0) {
      fail(
        'bad-content',
        'entries',
        i === 0 ? `block ${block.fenceIndex} does not start with its fence key` : `keys out of order in block ${block.fenceIndex}`,
      );
    }
    entries[i] = { key, objectIndex, offset: offsetHigh * 0x100000000 + offsetLow, length };
  }
  if (!reader.atEnd())
    fail('bad-content', 'entries', `${bytes.length - reader.position} bytes left after block ${block.fenceIndex}'s ${block.entryCount} entries`);
  return entries;
}

/** Binary search of a decoded block (or any sorted entry list). */
export function findEntry(entries: readonly IndexEntry[], key: string): IndexEntry | undefined {
  let lo = 0;
  let hi = entries.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(entries[mid]!.key, key);
    if (c === 0) return entries[mid];
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** Verifies and decodes the objects table: `bytes` are exactly [objectsOffset, objectsOffset + objectsLength). */
export function decodeObjectsTable(bytes: Uint8Array, header: PartHeader): DataObjectRef[] {
  if (bytes.length !== header.objectsLength) fail('truncated', 'objects', `${bytes.length} bytes, the header says ${header.objectsLength}`);
  verify(bytes, header.objectsHash, 'objects', 'the objects table');
  const reader = new SectionReader(bytes, 'objects');
  const objects = new Array<DataObjectRef>(header.objectCount);
  for (let i = 0; i < header.objectCount; i++) {
    const key = reader.shortString(`object ${i}'s key`);
    const etag = reader.shortString(`object ${i}'s ETag`);
    const low = reader.u32();
    const high = reader.u32();
    if (high >= 0x200000) fail('bad-content', 'objects', `object "${key}" has a size beyond 2^53`);
    objects[i] = { key, etag, size: high * 0x100000000 + low };
  }
  if (!reader.atEnd()) fail('bad-content', 'objects', `${bytes.length - reader.position} bytes left after ${header.objectCount} objects`);
  return objects;
}

/** Decodes and verifies a whole part (every section and every block); `bytes` must be exactly the part. */
export function decodePart(bytes: Uint8Array): DecodedPart {
  const prefix = decodeLookupPrefix(bytes);
  const { header } = prefix;
  requireLength(bytes, header.partLength, 'objects', 'the whole part');
  if (bytes.length > header.partLength)
    fail('bad-layout', 'objects', `${bytes.length - header.partLength} bytes after the end the header gives (${header.partLength})`);
  const objects = decodeObjectsTable(bytes.subarray(header.objectsOffset, header.partLength), header);
  const entries: IndexEntry[] = [];
  for (let b = 0; b < prefix.fences.length; b++) {
    const ref = blockRef(prefix, b);
    for (const entry of decodeBlock(bytes.subarray(ref.start, ref.end), ref, header.objectCount)) entries.push(entry);
  }
  return { ...prefix, entries, objects };
}

/** Whether the part's Bloom filter may hold `key` (false: certainly absent). */
export function bloomMayContain(prefix: PartLookupPrefix, keyHash: bigint): boolean {
  return prefix.bloom.checkHash(keyHash);
}

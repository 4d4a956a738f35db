// Reads and verifies index parts (docs/index-format.md §Part, §Corruption): the header, the lookup prefix, one
// block, the objects table, or the whole part. Every check failure is an IndexFormatError naming the section.

import { SplitBlockBloom } from './bloom';
import { IndexFormatError, type IndexSection } from './errors';
import { compareKeys, utf8Decoder } from './keyOrder';
import {
  PART_FORMAT_VERSION,
  PART_HEADER_LENGTH,
  PART_MAGIC,
  type BlockRef,
  type DataObjectRef,
  type DecodedPart,
  type Fence,
  type IndexEntry,
  type PartHeader,
  type PartLookupPrefix,
} from './partFormat';
import { xxh64 } from './xxh64';

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

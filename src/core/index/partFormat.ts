// The index part format's constants and shapes (docs/index-format.md §Part), shared by partWriter.ts and
// partReader.ts. A part: a 96-byte header, the Bloom filter, fence pointers, sorted entries cut into blocks of k,
// and the table of data objects the entries point into. All integers little-endian.

import type { SplitBlockBloom } from './bloom';

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
  /**
   * The entries are already in key order (e.g. `sortEntries` output): skip the sort and only check the order
   * (throws if it is wrong). Lets a builder sort a batch once and cut it into parts.
   */
  presorted?: boolean;
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

/** One part cut from a batch, with the data objects its entries point into (its own objects table). */
export interface BatchPart {
  part: EncodedPart;
  objects: DataObjectRef[];
}

/** The default number of entries per part (the index config's `partEntries`). */
export const DEFAULT_PART_ENTRIES = 65536;

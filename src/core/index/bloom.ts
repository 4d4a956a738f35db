// The Parquet split-block Bloom filter (SBBF), exactly as apache/parquet-format's BloomFilter.md defines it:
// 256-bit blocks of eight u32 words, the spec's eight SALT constants, block chosen by the hash's high 32 bits,
// one bit per word chosen by the low 32 bits. Serialised as the Parquet bitset (blocks in order, words
// little-endian), so a Parquet reader's SBBF over the same XXH64 hashes agrees bit for bit. Written here rather
// than taken from a library: it is ~100 lines, the bit layout is a format guarantee we own, and the npm
// implementations either allocate per key or tie it to a Parquet reader.

import { high32, low32 } from './xxh64';

/** The eight odd 32-bit constants of BloomFilter.md (`SALT`), one per word of a block. */
export const SALT: readonly number[] = Object.freeze([0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31]);

/** Bytes in one block (eight u32 words = 256 bits). */
export const BLOOM_BLOCK_BYTES = 32;

/** The default bits per key: ~1% false positives for a split-block filter (measured: see docs/index-format.md). */
export const DEFAULT_BITS_PER_KEY = 10.5;

/** Parquet's own cap on a filter's size (BloomFilter.md: 128 MiB); far above what a part needs. */
export const MAX_BLOOM_BYTES = 128 * 1024 * 1024;

/** numBlocks = max(1, ceil(keyCount × bitsPerKey / 256)). */
export function bloomBlockCount(keyCount: number, bitsPerKey: number = DEFAULT_BITS_PER_KEY): number {
  if (!Number.isInteger(keyCount) || keyCount < 0) throw new RangeError(`Bloom filter: key count must be a non-negative integer, got ${keyCount}`);
  if (!Number.isFinite(bitsPerKey) || bitsPerKey <= 0 || bitsPerKey > 1024)
    throw new RangeError(`Bloom filter: bits per key must be in (0, 1024], got ${bitsPerKey}`);
  const blocks = Math.max(1, Math.ceil((keyCount * bitsPerKey) / 256));
  if (blocks * BLOOM_BLOCK_BYTES > MAX_BLOOM_BYTES) throw new RangeError(`Bloom filter: ${keyCount} keys × ${bitsPerKey} bits exceed the 128 MiB limit`);
  return blocks;
}

/**
 * Block index for a hash: ((hash >> 32) × numBlocks) >> 32, computed exactly in doubles by splitting the
 * high word into 16-bit halves (hi × n can exceed 2^53 for large filters).
 */
export function bloomBlockIndex(hashHigh: number, numBlocks: number): number {
  const a = (hashHigh >>> 16) * numBlocks;
  const b = (hashHigh & 0xffff) * numBlocks;
  return Math.floor((a + Math.floor(b / 65536)) / 65536);
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const [S0, S1, S2, S3, S4, S5, S6, S7] = SALT as [number, number, number, number, number, number, number, number];

/** A split-block Bloom filter over precomputed XXH64 hashes. */
export class SplitBlockBloom {
  /** The words, block after block (word w of block b at 8b + w). */
  readonly words: Uint32Array;
  readonly numBlocks: number;

  private constructor(words: Uint32Array) {
    this.words = words;
    this.numBlocks = words.length / 8;
  }

  /** An empty filter sized for `keyCount` keys at `bitsPerKey` (default 10.5). */
  static forKeys(keyCount: number, bitsPerKey: number = DEFAULT_BITS_PER_KEY): SplitBlockBloom {
    return new SplitBlockBloom(new Uint32Array(8 * bloomBlockCount(keyCount, bitsPerKey)));
  }

  /** An empty filter of exactly `numBlocks` blocks. */
  static withBlocks(numBlocks: number): SplitBlockBloom {
    if (!Number.isInteger(numBlocks) || numBlocks < 1 || numBlocks * BLOOM_BLOCK_BYTES > MAX_BLOOM_BYTES) {
      throw new RangeError(`Bloom filter: block count must be an integer in [1, ${MAX_BLOOM_BYTES / BLOOM_BLOCK_BYTES}], got ${numBlocks}`);
    }
    return new SplitBlockBloom(new Uint32Array(8 * numBlocks));
  }

  /**
   * A filter over a Parquet bitset (a positive multiple of 32 bytes, words little-endian). On a little-endian
   * host with a 4-byte-aligned input the words are a view of `bitset` (no copy); otherwise they are copied.
   */
  static fromBitset(bitset: Uint8Array): SplitBlockBloom {
    if (bitset.byteLength === 0 || bitset.byteLength % BLOOM_BLOCK_BYTES !== 0) {
      throw new RangeError(`Bloom filter: a bitset is a positive multiple of ${BLOOM_BLOCK_BYTES} bytes, got ${bitset.byteLength}`);
    }
    if (bitset.byteLength > MAX_BLOOM_BYTES) throw new RangeError(`Bloom filter: a ${bitset.byteLength}-byte bitset exceeds the 128 MiB limit`);
    if (LITTLE_ENDIAN_HOST && bitset.byteOffset % 4 === 0) return new SplitBlockBloom(new Uint32Array(bitset.buffer, bitset.byteOffset, bitset.byteLength / 4));
    const words = new Uint32Array(bitset.byteLength / 4);
    const view = new DataView(bitset.buffer, bitset.byteOffset, bitset.byteLength);
    for (let i = 0; i < words.length; i++) words[i] = view.getUint32(4 * i, true);
    return new SplitBlockBloom(words);
  }

  /** Inserts a hash given as its high and low 32 bits (unsigned). */
  insert(hashHigh: number, hashLow: number): void {
    const base = 8 * bloomBlockIndex(hashHigh, this.numBlocks);
    const w = this.words;
    w[base] = w[base]! | (1 << (Math.imul(hashLow, S0) >>> 27));
    w[base + 1] = w[base + 1]! | (1 << (Math.imul(hashLow, S1) >>> 27));
    w[base + 2] = w[base + 2]! | (1 << (Math.imul(hashLow, S2) >>> 27));
    w[base + 3] = w[base + 3]! | (1 << (Math.imul(hashLow, S3) >>> 27));
    w[base + 4] = w[base + 4]! | (1 << (Math.imul(hashLow, S4) >>> 27));
    w[base + 5] = w[base + 5]! | (1 << (Math.imul(hashLow, S5) >>> 27));
    w[base + 6] = w[base + 6]! | (1 << (Math.imul(hashLow, S6) >>> 27));
    w[base + 7] = w[base + 7]! | (1 << (Math.imul(hashLow, S7) >>> 27));
  }

  /** Whether the filter may hold the hash (false: certainly not inserted). */
  check(hashHigh: number, hashLow: number): boolean {
    const base = 8 * bloomBlockIndex(hashHigh, this.numBlocks);
    const w = this.words;
    return (
      (w[base]! & (1 << (Math.imul(hashLow, S0) >>> 27))) !== 0 &&
      (w[base + 1]! & (1 << (Math.imul(hashLow, S1) >>> 27))) !== 0 &&
      (w[base + 2]! & (1 << (Math.imul(hashLow, S2) >>> 27))) !== 0 &&
      (w[base + 3]! & (1 << (Math.imul(hashLow, S3) >>> 27))) !== 0 &&
      (w[base + 4]! & (1 << (Math.imul(hashLow, S4) >>> 27))) !== 0 &&
      (w[base + 5]! & (1 << (Math.imul(hashLow, S5) >>> 27))) !== 0 &&
      (w[base + 6]! & (1 << (Math.imul(hashLow, S6) >>> 27))) !== 0 &&
      (w[base + 7]! & (1 << (Math.imul(hashLow, S7) >>> 27))) !== 0
    );
  }

  /** Inserts a 64-bit hash (e.g. from `xxh64String`). */
  insertHash(hash: bigint): void {
    this.insert(high32(hash), low32(hash));
  }

  /** Checks a 64-bit hash. */
  checkHash(hash: bigint): boolean {
    return this.check(high32(hash), low32(hash));
  }

  /** Inserts hashes laid out as `xxh64Keys` writes them: [low, high] pairs. */
  insertPairs(pairs: Uint32Array, count: number = pairs.length / 2): void {
    for (let i = 0; i < count; i++) this.insert(pairs[2 * i + 1]!, pairs[2 * i]!);
  }

  /** Size of the serialised bitset in bytes. */
  get byteLength(): number {
    return this.words.length * 4;
  }

  /** The Parquet bitset: blocks in order, each word little-endian. */
  toBitset(): Uint8Array {
    const out = new Uint8Array(this.byteLength);
    this.writeBitset(out, 0);
    return out;
  }

  /** Writes the bitset into `target` at `offset` (the part encoder writes it in place). */
  writeBitset(target: Uint8Array, offset: number): void {
    if (LITTLE_ENDIAN_HOST) {
      target.set(new Uint8Array(this.words.buffer, this.words.byteOffset, this.byteLength), offset);
      return;
    }
    const view = new DataView(target.buffer, target.byteOffset + offset, this.byteLength);
    for (let i = 0; i < this.words.length; i++) view.setUint32(4 * i, this.words[i]!, true);
  }

  /** Fraction of bits set (a filled-up filter has more false positives than configured). */
  fillRatio(): number {
    let set = 0;
    for (const word of this.words) {
      let v = word;
      v = v - ((v >>> 1) & 0x55555555);
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      set += (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) as number;
    }
    return set / (this.words.length * 32);
  }
}

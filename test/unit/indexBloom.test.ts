// XXH64 and the Parquet split-block Bloom filter of the index format (src/core/index/xxh64.ts, bloom.ts).

import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { BLOOM_BLOCK_BYTES, SALT, SplitBlockBloom, bloomBlockCount, bloomBlockIndex } from '../../src/core/index/bloom';
import { high32, initXxh64, low32, xxh64, xxh64Hex, xxh64Keys, xxh64String } from '../../src/core/index/xxh64';
import { Random } from '../../src/core/random';

const PRIME32 = 2654435761n;
const PRIME64 = 11400714785074694797n;

/** xxHash's sanity buffer (cli/xsum_sanity_check.c, XSUM_fillTestBuffer): byte i = top byte of PRIME32 × PRIME64^i mod 2^64. */
function sanityBuffer(length: number): Uint8Array {
  const buffer = new Uint8Array(length);
  let byteGen = PRIME32;
  for (let i = 0; i < length; i++) {
    buffer[i] = Number(byteGen >> 56n);
    byteGen = (byteGen * PRIME64) & 0xffffffffffffffffn;
  }
  return buffer;
}

/** Keys that look like the seed's (`uuid-unixtime`), deterministic per seed. */
function keys(count: number, seed: number): string[] {
  const random = new Random(seed);
  return Array.from({ length: count }, () => `${random.uuid()}-${1683832386 + random.int(86400)}`);
}

/** Fraction of `probes` that the filter (wrongly) says it may hold. */
function falsePositiveRate(filter: SplitBlockBloom, probes: readonly string[]): number {
  const hashes = new Uint32Array(2 * probes.length);
  xxh64Keys(probes, hashes);
  let positives = 0;
  for (let i = 0; i < probes.length; i++) if (filter.check(hashes[2 * i + 1]!, hashes[2 * i]!)) positives++;
  return positives / probes.length;
}

/** Random 64-bit hashes (uniform, like XXH64's output), inserted or probed directly. */
function randomHashes(count: number, seed: number): Uint32Array {
  const random = new Random(seed);
  const pairs = new Uint32Array(2 * count);
  for (let i = 0; i < pairs.length; i++) pairs[i] = random.int(0x10000) * 0x10000 + random.int(0x10000);
  return pairs;
}

function hashFpr(filter: SplitBlockBloom, probes: Uint32Array): number {
  let positives = 0;
  for (let i = 0; i < probes.length; i += 2) if (filter.check(probes[i + 1]!, probes[i]!)) positives++;
  return positives / (probes.length / 2);
}

before(() => initXxh64());

describe('XXH64', () => {
  // Known answers from xxHash itself: cli/xsum_sanity_check.c, XSUM_XXH64_testdata (Cyan4973/xxHash), over its sanity buffer.
  const vectors: [length: number, seed: bigint, expected: bigint][] = [
    [0, 0n, 0xef46db3751d8e999n],
    [0, PRIME32, 0xac75fda2929b17efn],
    [1, 0n, 0xe934a84adb052768n],
    [1, PRIME32, 0x5014607643a9b4c3n],
    [4, 0n, 0x9136a0dca57457een],
    [14, 0n, 0x8282dcc4994e35c8n],
    [14, PRIME32, 0xc3bd6bf63deb6df0n],
    [222, 0n, 0xb641ae8cb691c174n],
    [222, PRIME32, 0x20cb8ab7ae10c14an],
  ];
  for (const [length, seed, expected] of vectors) {
    it(`gives xxHash's sanity value for ${length} bytes, seed ${seed}`, () => {
      assert.equal(xxh64(sanityBuffer(length), seed), expected);
    });
  }

  it('hashes a string as its UTF-8 bytes, seed 0 (the empty string: 17241709254077376921, as arrow-rs test_hash_bytes pins)', () => {
    assert.equal(xxh64String(''), 17241709254077376921n);
    for (const text of ['a0', 'héllo', '2b21619e-f001-4a04-aefe-65a62334122a-1683832386', '日本語-1683832386', '😀']) {
      assert.equal(xxh64String(text), xxh64(new TextEncoder().encode(text)), text);
    }
    assert.equal(xxh64Hex(''), 'ef46db3751d8e999');
  });

  it('splits a hash into its high and low 32 bits, and the batch path agrees with the one-key path', () => {
    const hash = 0x0123456789abcdefn;
    assert.equal(high32(hash), 0x01234567);
    assert.equal(low32(hash), 0x89abcdef);
    const batch = keys(1000, 1);
    const out = new Uint32Array(2 * batch.length);
    xxh64Keys(batch, out);
    batch.forEach((key, i) => {
      const h = xxh64String(key);
      assert.equal(out[2 * i], low32(h));
      assert.equal(out[2 * i + 1], high32(h));
    });
  });
});

describe('the split-block Bloom filter', () => {
  it("uses BloomFilter.md's eight SALT constants", () => {
    assert.deepEqual(SALT, [0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31]);
  });

  it('writes exactly the bitset parquet-mr wrote for the strings a0…a9 (fixture from apache/arrow-rs parquet/src/bloom_filter/mod.rs, test_with_fixture)', () => {
    // "bloom filter produced by parquet-mr/spark for a column of … f\"a{i}\" for i in 0..10": one 32-byte block.
    const parquetMr = Uint8Array.from([
      200, 1, 80, 20, 64, 68, 8, 109, 6, 37, 4, 67, 144, 80, 96, 32, 8, 132, 43, 33, 0, 5, 99, 65, 2, 0, 224, 44, 64, 78, 96, 4,
    ]);
    const ours = SplitBlockBloom.withBlocks(1);
    for (let a = 0; a < 10; a++) ours.insertHash(xxh64String(`a${a}`));
    assert.deepEqual(ours.toBitset(), parquetMr);
    const read = SplitBlockBloom.fromBitset(parquetMr);
    for (let a = 0; a < 10; a++) assert.ok(read.checkHash(xxh64String(`a${a}`)), `a${a}`);
    // Words are little-endian: word 0 is bytes 0..3.
    assert.equal(read.words[0], 200 | (1 << 8) | (80 << 16) | (20 << 24));
  });

  it("picks block ((h >> 32) × z) >> 32 and bit (low × salt[i]) >> 27 of word i, as BloomFilter.md's filter_insert and mask do", () => {
    const random = new Random(7);
    for (const blocks of [1, 2, 3, 1000, 4099, 1 << 22]) {
      for (let trial = 0; trial < 200; trial++) {
        const high = random.int(0x10000) * 0x10000 + random.int(0x10000);
        assert.equal(bloomBlockIndex(high, blocks), Number((BigInt(high) * BigInt(blocks)) >> 32n), `${high} × ${blocks}`);
      }
      assert.equal(bloomBlockIndex(0xffffffff, blocks), blocks - 1);
      assert.equal(bloomBlockIndex(0, blocks), 0);
    }
    const filter = SplitBlockBloom.withBlocks(16);
    const hash = 0xdeadbeefcafebaben;
    filter.insertHash(hash);
    const block = Number(((hash >> 32n) * 16n) >> 32n);
    const low = hash & 0xffffffffn;
    for (let b = 0; b < 16; b++) {
      for (let w = 0; w < 8; w++) {
        const expected = b === block ? 2 ** Number(((low * BigInt(SALT[w]!)) & 0xffffffffn) >> 27n) : 0;
        assert.equal(filter.words[8 * b + w], expected, `block ${b} word ${w}`);
      }
    }
  });

  it('sizes itself as max(1, ceil(n × bitsPerKey / 256)) blocks', () => {
    assert.equal(bloomBlockCount(0), 1);
    assert.equal(bloomBlockCount(1), 1);
    assert.equal(bloomBlockCount(24), 1); // 252 bits
    assert.equal(bloomBlockCount(25), 2); // 262.5 bits
    assert.equal(bloomBlockCount(65536), Math.ceil((65536 * 10.5) / 256));
    assert.equal(bloomBlockCount(1000, 20), 79);
    assert.throws(() => bloomBlockCount(-1), RangeError);
    assert.throws(() => bloomBlockCount(10, 0), RangeError);
    assert.throws(() => bloomBlockCount(10, Number.NaN), RangeError);
    assert.equal(SplitBlockBloom.forKeys(1000).byteLength, 42 * BLOOM_BLOCK_BYTES); // 10500 bits → 41.02 blocks
  });

  it('never answers "absent" for a key it holds, at any size', () => {
    for (const n of [0, 1, 2, 7, 24, 25, 100, 1000, 20000]) {
      const held = keys(n, n + 11);
      const filter = SplitBlockBloom.forKeys(n);
      for (const key of held) filter.insertHash(xxh64String(key));
      for (const key of held) assert.ok(filter.checkHash(xxh64String(key)), `${n} keys: lost ${key}`);
      // …and after a serialisation round trip.
      const read = SplitBlockBloom.fromBitset(filter.toBitset());
      for (const key of held) assert.ok(read.checkHash(xxh64String(key)), `${n} keys after round trip: lost ${key}`);
    }
  });

  it('holds ~1% false positives at the default 10.5 bits per key, measured on 1M random keys (BloomFilter.md: 10.5 bits → 1 %)', () => {
    const n = 1_000_000;
    const held = keys(n, 2024);
    const filter = SplitBlockBloom.forKeys(n);
    const pairs = new Uint32Array(2 * n);
    xxh64Keys(held, pairs);
    filter.insertPairs(pairs);
    for (let i = 0; i < n; i++) assert.ok(filter.check(pairs[2 * i + 1]!, pairs[2 * i]!));
    const absent = keys(n, 4048).map((k) => `${k}x`); // distinct from every held key
    const fpr = falsePositiveRate(filter, absent);
    // Measured 1.01–1.02 % here; σ at p = 1 % over 1M probes is 0.01 %, so this band is ±15σ around 1 %.
    assert.ok(fpr > 0.0085 && fpr < 0.0115, `false-positive rate ${(fpr * 100).toFixed(3)} %`);
  });

  it("matches BloomFilter.md's sizing examples: 1024 blocks hold 26,214 hashes at ~1.26 %, 52,428 at ~18 %, 13,107 at ~0.04 %", () => {
    const probes = randomHashes(1_000_000, 99);
    const measure = (inserted: number) => {
      const filter = SplitBlockBloom.withBlocks(1024);
      filter.insertPairs(randomHashes(inserted, inserted));
      return hashFpr(filter, probes);
    };
    const ten = measure(26214);
    assert.ok(ten > 0.011 && ten < 0.0142, `10 bits/value: ${(ten * 100).toFixed(3)} %`);
    const five = measure(52428);
    assert.ok(five > 0.165 && five < 0.195, `5 bits/value: ${(five * 100).toFixed(2)} %`);
    const twenty = measure(13107);
    assert.ok(twenty > 0.0002 && twenty < 0.0007, `20 bits/value: ${(twenty * 100).toFixed(4)} %`);
  });

  it("matches BloomFilter.md's table of bits per insert → false-positive probability", () => {
    const probes = randomHashes(1_000_000, 5);
    const n = 100_000;
    const inserted = randomHashes(n, 6);
    for (const [bitsPerKey, rate, low, high] of [
      [6.0, 0.1, 0.09, 0.11],
      [10.5, 0.01, 0.0085, 0.0115],
      [16.9, 0.001, 0.0008, 0.0012],
      [26.4, 0.0001, 0.00006, 0.00014],
    ] as const) {
      const filter = SplitBlockBloom.forKeys(n, bitsPerKey);
      filter.insertPairs(inserted);
      const fpr = hashFpr(filter, probes);
      assert.ok(fpr > low && fpr < high, `${bitsPerKey} bits per key: ${(fpr * 100).toFixed(4)} %, spec ${rate * 100} %`);
    }
  });

  it('round-trips through the Parquet bitset, aligned (a view) or not (a copy)', () => {
    const filter = SplitBlockBloom.forKeys(500);
    for (const key of keys(500, 3)) filter.insertHash(xxh64String(key));
    const bitset = filter.toBitset();
    assert.equal(bitset.length, filter.numBlocks * 32);
    const aligned = SplitBlockBloom.fromBitset(bitset);
    assert.deepEqual(aligned.words, filter.words);
    const shifted = new Uint8Array(bitset.length + 1);
    shifted.set(bitset, 1);
    const unaligned = SplitBlockBloom.fromBitset(shifted.subarray(1));
    assert.deepEqual(unaligned.words, filter.words);
    assert.deepEqual(unaligned.toBitset(), bitset);
    const target = new Uint8Array(bitset.length + 10);
    filter.writeBitset(target, 10);
    assert.deepEqual(target.subarray(10), bitset);
    assert.ok(filter.fillRatio() > 0 && filter.fillRatio() < 1);
  });

  it('refuses a bitset that is not a positive multiple of 32 bytes', () => {
    assert.throws(() => SplitBlockBloom.fromBitset(new Uint8Array(0)), /multiple of 32/);
    assert.throws(() => SplitBlockBloom.fromBitset(new Uint8Array(33)), /multiple of 32/);
    assert.throws(() => SplitBlockBloom.withBlocks(0), RangeError);
  });
});

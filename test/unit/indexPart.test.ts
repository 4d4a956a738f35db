// The index part format (src/core/index/part.ts): round trips, fence search, and corruption that is always detected.

import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { IndexFormatError, isIndexFormatError } from '../../src/core/index/errors';
import { compareKeys } from '../../src/core/index/keyOrder';
import { EntryBatch } from '../../src/core/index/entryBatch';
import {
  MAX_RECORD_OFFSET,
  PART_HEADER_LENGTH,
  blockRef,
  decodeBlock,
  decodeLookupPrefix,
  decodeObjectsTable,
  decodePart,
  decodePartHeader,
  encodePart,
  encodeParts,
  findBlock,
  findEntry,
  sortEntries,
  type DataObjectRef,
  type IndexEntry,
  type PartHeader,
  type PartLookupPrefix,
} from '../../src/core/index/part';
import { buildSyntheticPart, indexSyntheticBody, syntheticDataBody } from '../../src/core/index/bench';
import { initXxh64, xxh64, xxh64String } from '../../src/core/index/xxh64';
import { Random } from '../../src/core/random';

const OBJECTS: DataObjectRef[] = [
  { key: 'data/2023/05/11/a.csv', etag: '"0123456789abcdef0123456789abcdef"', size: 123456789 },
  { key: 'data/2023/05/11/ß-日本.csv', etag: '"fedcba9876543210fedcba9876543210-3"', size: 2 ** 50 },
  { key: 'data/empty.csv', etag: '""', size: 0 },
];

/** Distinct random keys, some non-ASCII (including astral code points that UTF-16 order would misplace). */
function randomEntries(count: number, seed: number): IndexEntry[] {
  const random = new Random(seed);
  const seen = new Set<string>();
  const entries: IndexEntry[] = [];
  const exotic = ['é', '日本', '😀', '\ue000', '\uffff', 'Z', '~'];
  while (entries.length < count) {
    let key = `${random.uuid()}-${1683832386 + random.int(3600)}`;
    if (random.chance(0.2)) key = `${exotic[random.int(exotic.length)]}${key}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const offset = random.chance(0.1) ? MAX_RECORD_OFFSET - random.int(1000) : random.int(1 << 30);
    entries.push({ key, objectIndex: random.int(OBJECTS.length), offset, length: random.chance(0.05) ? 0xffffffff : random.int(5000) });
  }
  return entries;
}

/** The byte-radix sort order of keys. */
function sortedKeyOrder(keys: string[]): Uint32Array {
  return EntryBatch.from(keys.map((key) => ({ key, objectIndex: 0, offset: 0, length: 0 }))).sortedOrder();
}

function byUtf8(a: IndexEntry, b: IndexEntry): number {
  return Buffer.compare(Buffer.from(a.key, 'utf8'), Buffer.from(b.key, 'utf8'));
}

/** The lookup path a reader takes: prefix → fence → one block → entry. */
function lookup(bytes: Uint8Array, prefix: PartLookupPrefix, key: string): IndexEntry | undefined {
  const block = findBlock(prefix, key);
  if (!block) return undefined;
  return findEntry(decodeBlock(bytes.subarray(block.start, block.end), block, prefix.header.objectCount), key);
}

function expectFormatError(action: () => unknown, kinds?: IndexFormatError['kind'][]): IndexFormatError {
  try {
    action();
  } catch (error) {
    assert.ok(isIndexFormatError(error), `expected an IndexFormatError, got ${String(error)}`);
    if (kinds) assert.ok(kinds.includes(error.kind), `expected ${kinds.join('/')}, got ${error.kind}: ${error.message}`);
    return error;
  }
  assert.fail('expected an IndexFormatError, nothing was thrown');
}

before(() => initXxh64());

describe('the key order', () => {
  it('is UTF-8 byte order, not UTF-16 order', () => {
    const keys = ['b', 'a', '\uffff', '😀', '\ue000', 'é', '', 'ab', 'a\u0000', '日本'];
    const expected = keys.slice().sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
    assert.deepEqual(keys.slice().sort(compareKeys), expected);
    assert.deepEqual(
      Array.from(sortedKeyOrder(keys), (i) => keys[i]),
      expected,
    );
    // UTF-16 order would put the emoji (a surrogate pair) before U+E000; UTF-8 puts it after U+FFFF.
    assert.ok(compareKeys('😀', '\uffff') > 0);
  });

  it('sorts stably by radix whatever the keys share (long common prefixes, short keys, ties)', () => {
    const random = new Random(3);
    const keys = Array.from({ length: 5000 }, () => `common/prefix/${random.chars('ab', random.int(12))}`);
    const order = sortedKeyOrder(keys);
    for (let i = 1; i < order.length; i++) {
      const c = compareKeys(keys[order[i - 1]!]!, keys[order[i]!]!);
      assert.ok(c < 0 || (c === 0 && order[i - 1]! < order[i]!), `position ${i}`);
    }
  });
});

describe('encoding a part', () => {
  it('writes the 96-byte header the spec describes', () => {
    const entries = randomEntries(130, 1);
    const { bytes, prefixLength } = encodePart(entries, OBJECTS, { fenceInterval: 64 });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    assert.equal(new TextDecoder().decode(bytes.subarray(0, 8)), 'S3LSIDX\n');
    assert.equal(view.getUint16(8, true), 1);
    assert.equal(view.getUint16(10, true), 96);
    assert.equal(view.getUint32(12, true), 0);
    assert.equal(view.getUint32(16, true), 130);
    assert.equal(view.getUint32(20, true), 3);
    assert.equal(view.getUint32(24, true), 96);
    assert.equal(view.getUint32(28, true), 32 * Math.ceil((130 * 10.5) / 256));
    assert.equal(view.getUint32(32, true), 96 + view.getUint32(28, true));
    assert.equal(view.getUint32(40, true), 64);
    assert.equal(view.getUint32(44, true), 3);
    assert.equal(view.getUint32(48, true), prefixLength);
    assert.equal(view.getUint32(56, true) + view.getUint32(60, true), bytes.length);
    assert.equal(view.getBigUint64(88, true), xxh64(bytes.subarray(0, 88)));
    const header = decodePartHeader(bytes);
    assert.equal(header.bloomHash, xxh64(bytes.subarray(header.bloomOffset, header.fenceOffset)));
    assert.equal(header.fenceHash, xxh64(bytes.subarray(header.fenceOffset, header.entriesOffset)));
    assert.equal(header.objectsHash, xxh64(bytes.subarray(header.objectsOffset, header.partLength)));
  });

  it('writes an entry as u16 keyLength | key | u32 objectIndex | u32 offsetLow | u16 offsetHigh | u32 length', () => {
    const { bytes } = encodePart([{ key: 'k-1683832386', objectIndex: 1, offset: 0x123456789abc, length: 77 }], OBJECTS);
    const header = decodePartHeader(bytes);
    const entry = bytes.subarray(header.entriesOffset, header.objectsOffset);
    const view = new DataView(entry.buffer, entry.byteOffset, entry.byteLength);
    assert.equal(entry.length, 2 + 12 + 14);
    assert.equal(view.getUint16(0, true), 12);
    assert.equal(new TextDecoder().decode(entry.subarray(2, 14)), 'k-1683832386');
    assert.equal(view.getUint32(14, true), 1);
    assert.equal(view.getUint32(18, true), 0x56789abc);
    assert.equal(view.getUint16(22, true), 0x1234);
    assert.equal(view.getUint32(24, true), 77);
    // The one fence: the key, block 0 at offset 0 of the entries, its length and XXH64.
    const fence = bytes.subarray(header.fenceOffset, header.entriesOffset);
    const fenceView = new DataView(fence.buffer, fence.byteOffset, fence.byteLength);
    assert.equal(fenceView.getUint16(0, true), 12);
    assert.equal(fenceView.getUint32(14, true), 0);
    assert.equal(fenceView.getUint32(18, true), entry.length);
    assert.equal(fenceView.getBigUint64(22, true), xxh64(entry));
    // The Bloom filter holds XXH64 of the key's UTF-8 bytes.
    assert.ok(decodeLookupPrefix(bytes).bloom.checkHash(xxh64String('k-1683832386')));
  });

  for (const k of [1, 4, 64]) {
    for (const n of [0, 1, 2, k - 1, k, k + 1, 2 * k, 2 * k + 1, 777]) {
      if (n < 0) continue;
      it(`round-trips ${n} entries with a fence every ${k}`, () => {
        const entries = randomEntries(n, n * 100 + k);
        const encoded = encodePart(entries, OBJECTS, { fenceInterval: k });
        assert.equal(encoded.entryCount, n);
        const part = decodePart(encoded.bytes);
        const expected = entries.slice().sort(byUtf8);
        assert.deepEqual(part.entries, expected);
        assert.deepEqual(part.objects, OBJECTS);
        assert.equal(part.fences.length, Math.ceil(n / k));
        assert.equal(encoded.minKey, expected[0]?.key);
        assert.equal(encoded.maxKey, expected[n - 1]?.key);
        assert.equal(encoded.prefixLength, part.header.entriesOffset);
        for (const entry of entries) assert.ok(part.bloom.checkHash(xxh64String(entry.key)), `Bloom lost ${entry.key}`);
      });
    }
  }

  it('keeps identical duplicates once and refuses conflicting ones unless told to keep the last', () => {
    const a: IndexEntry = { key: 'a-1', objectIndex: 0, offset: 10, length: 5 };
    const b: IndexEntry = { key: 'b-1', objectIndex: 0, offset: 20, length: 5 };
    const encoded = encodePart([b, a, { ...a }, b], OBJECTS);
    assert.equal(encoded.entryCount, 2);
    assert.equal(encoded.duplicatesDropped, 2);
    assert.deepEqual(decodePart(encoded.bytes).entries, [a, b]);
    const newer: IndexEntry = { key: 'a-1', objectIndex: 1, offset: 99, length: 6 };
    assert.throws(() => encodePart([a, newer], OBJECTS), /appears twice with different locations/);
    const resolved = encodePart([a, b, newer], OBJECTS, { conflicts: 'last' });
    assert.equal(resolved.conflictsResolved, 1);
    assert.deepEqual(decodePart(resolved.bytes).entries, [newer, b]);
    assert.deepEqual(sortEntries([newer, a], 'last').sorted, [a]);
  });

  it('refuses entries the format cannot hold, saying which', () => {
    const ok: IndexEntry = { key: 'k-1', objectIndex: 0, offset: 0, length: 1 };
    assert.throws(() => encodePart([{ ...ok, objectIndex: 3 }], OBJECTS), /object index 3 is not in the objects table/);
    assert.throws(() => encodePart([{ ...ok, offset: 2 ** 48 }], OBJECTS), /offset .* 2\^48/);
    assert.throws(() => encodePart([{ ...ok, offset: -1 }], OBJECTS), /offset/);
    assert.throws(() => encodePart([{ ...ok, length: 2 ** 32 }], OBJECTS), /length/);
    assert.throws(() => encodePart([{ ...ok, key: 'x'.repeat(65536) }], OBJECTS), /65536 bytes of UTF-8.*at most 65535/);
    assert.throws(() => encodePart([ok], OBJECTS, { fenceInterval: 0 }), /fence interval/);
    assert.throws(() => encodePart([ok], [{ key: 'o', etag: 'e', size: -1 }]), /size/);
    // The largest key that fits does fit.
    const big = encodePart([{ ...ok, key: 'é'.repeat(32767) + 'x' }], OBJECTS);
    assert.equal(decodePart(big.bytes).entries[0]!.key.length, 32768);
  });

  it('is the benchmark hook: a part of N synthetic keys', () => {
    const part = buildSyntheticPart(5000);
    assert.equal(part.entryCount, 5000);
    assert.equal(decodePart(part.bytes).entries.length, 5000);
    const { parts, records } = indexSyntheticBody(syntheticDataBody(3000), { partEntries: 1000 });
    assert.equal(records, 3000);
    assert.deepEqual(
      parts.map((p) => p.part.entryCount),
      [1000, 1000, 1000],
    );
  });
});

describe('entry batches and parts cut from them', () => {
  it('hold entries as columns and give them back', () => {
    const entries = randomEntries(300, 77);
    const batch = EntryBatch.from(entries);
    assert.equal(batch.size, 300);
    entries.forEach((entry, i) => assert.deepEqual(batch.entry(i), entry));
    const raw = new EntryBatch(1);
    const bytes = new TextEncoder().encode('xxk-1683832386yy');
    raw.add(bytes, 2, 14, 2, MAX_RECORD_OFFSET, 0xffffffff);
    assert.deepEqual(raw.entry(0), { key: 'k-1683832386', objectIndex: 2, offset: MAX_RECORD_OFFSET, length: 0xffffffff });
    raw.clear();
    assert.equal(raw.size, 0);
    assert.throws(() => raw.add(bytes, 0, 1, -1, 0, 0), /object index -1/);
    assert.throws(() => raw.add(bytes, 0, 1, 0, 0, 1.5), /record length 1.5/);
    assert.throws(() => raw.add(bytes, 0, 1, 0, 1.5, 0), /offset 1.5 is not an integer/);
    assert.throws(() => raw.add(bytes, 0, 1, 0, 2 ** 48, 0), /offset .* is not an integer in \[0, 2\^48\)/);
  });

  it('encode to the same bytes as the same entries given as objects', () => {
    const entries = randomEntries(500, 5);
    assert.deepEqual(encodePart(EntryBatch.from(entries), OBJECTS).bytes, encodePart(entries, OBJECTS).bytes);
  });

  it('are cut into parts of at most partEntries keys, each with only the objects it uses, no key in two parts', () => {
    const objects = Array.from({ length: 7 }, (_, i) => ({ key: `data/${i}.csv`, etag: `"${i}"`, size: 1 << 20 }));
    const random = new Random(8);
    const entries: IndexEntry[] = [];
    for (let i = 0; i < 1000; i++)
      entries.push({ key: `k${String(random.int(700)).padStart(4, '0')}-1683832386`, objectIndex: random.int(i < 500 ? 3 : 7), offset: i * 100, length: 99 });
    const parts = encodeParts(entries, objects, { partEntries: 128, conflicts: 'last', fenceInterval: 8 });
    // The newest entry of each key wins; keys are distinct across parts, in order.
    const newest = new Map<string, IndexEntry>();
    for (const entry of entries) newest.set(entry.key, entry);
    const decoded = parts.flatMap(({ part, objects: used }) => {
      const read = decodePart(part.bytes);
      assert.deepEqual(read.objects, used);
      assert.ok(read.entries.length <= 128);
      const usedIndexes = new Set(read.entries.map((e) => e.objectIndex));
      assert.equal(usedIndexes.size, used.length, 'an object the part does not use is in its table');
      assert.equal(part.minKey, read.entries[0]!.key);
      assert.equal(part.maxKey, read.entries.at(-1)!.key);
      return read.entries.map((e) => ({ ...e, objectIndex: objects.indexOf(used[e.objectIndex]!) }));
    });
    assert.deepEqual(decoded, [...newest.values()].sort(byUtf8));
    assert.equal(parts.length, Math.ceil(newest.size / 128));
  });

  it('refuses presorted entries that are not sorted', () => {
    const a: IndexEntry = { key: 'a-1', objectIndex: 0, offset: 0, length: 1 };
    const b: IndexEntry = { key: 'b-1', objectIndex: 0, offset: 0, length: 1 };
    assert.equal(encodePart([a, b], OBJECTS, { presorted: true }).entryCount, 2);
    assert.throws(() => encodePart([b, a], OBJECTS, { presorted: true }), /not in key order/);
  });
});

describe('looking a key up in a part', () => {
  const entries = randomEntries(1000, 42);
  const sorted = entries.slice().sort(byUtf8);
  const encoded = () => encodePart(entries, OBJECTS, { fenceInterval: 16 });

  it('finds every key through its fence and one block, reading only the lookup prefix and that block', () => {
    const { bytes, prefixLength } = encoded();
    const prefix = decodeLookupPrefix(bytes.slice(0, prefixLength)); // a manifest's copy
    for (const entry of entries) {
      const block = findBlock(prefix, entry.key)!;
      assert.ok(block, entry.key);
      assert.ok(compareKeys(block.firstKey, entry.key) <= 0);
      assert.deepEqual(lookup(bytes, prefix, entry.key), entry);
      // The block alone (a ranged GET) decodes and verifies.
      const alone = bytes.slice(block.start, block.end);
      assert.deepEqual(findEntry(decodeBlock(alone, block, OBJECTS.length), entry.key), entry);
    }
  });

  it('answers absent for keys before, between and after the stored ones', () => {
    const { bytes } = encoded();
    const prefix = decodeLookupPrefix(bytes);
    assert.equal(findBlock(prefix, ''), undefined);
    assert.equal(lookup(bytes, prefix, ''), undefined);
    for (const entry of sorted) {
      assert.equal(lookup(bytes, prefix, `${entry.key}\u0000`), undefined); // right after it
      assert.equal(lookup(bytes, prefix, entry.key.slice(0, -1)), undefined); // right before it (a prefix)
    }
    assert.equal(lookup(bytes, prefix, '\u{10ffff}'), undefined);
    // The last block answers for keys after the last one, and says absent.
    const last = findBlock(prefix, '\u{10ffff}')!;
    assert.equal(last.fenceIndex, prefix.fences.length - 1);
    assert.equal(last.entryCount, 1000 - 16 * 62);
  });

  it('finds nothing in an empty part', () => {
    const { bytes } = encodePart([], []);
    const prefix = decodeLookupPrefix(bytes);
    assert.equal(prefix.fences.length, 0);
    assert.equal(findBlock(prefix, 'k-1'), undefined);
    assert.deepEqual(decodePart(bytes).entries, []);
  });
});

describe('a damaged part', () => {
  const entries = randomEntries(40, 9);
  let good: Uint8Array;
  let prefixLength: number;
  let header: PartHeader;
  let sections: [string, number, number][];
  before(async () => {
    await initXxh64();
    ({ bytes: good, prefixLength } = encodePart(entries, OBJECTS, { fenceInterval: 4 }));
    header = decodePartHeader(good);
    sections = [
      ['header', 0, PART_HEADER_LENGTH],
      ['bloom', header.bloomOffset, header.fenceOffset],
      ['fences', header.fenceOffset, header.entriesOffset],
      ['entries', header.entriesOffset, header.objectsOffset],
      ['objects', header.objectsOffset, header.partLength],
    ];
  });

  it('is refused whole, whichever byte of whichever section is flipped', () => {
    for (const [section, start, end] of sections) {
      for (let at = start; at < end; at++) {
        const bad = good.slice();
        bad[at]! ^= 0x01 << (at % 8);
        const error = expectFormatError(() => decodePart(bad));
        assert.ok(error.message.length > 10, `${section} byte ${at}: ${error.message}`);
      }
    }
  });

  it('never gives a wrong answer on the lookup path: each key is found correctly or the damage is reported', () => {
    for (let at = 0; at < good.length; at++) {
      const bad = good.slice();
      bad[at]! ^= 0x80;
      let prefix: PartLookupPrefix;
      try {
        prefix = decodeLookupPrefix(bad.subarray(0, Math.max(prefixLength, PART_HEADER_LENGTH)));
      } catch (error) {
        assert.ok(isIndexFormatError(error), `byte ${at}: ${String(error)}`);
        assert.ok(at < prefixLength, `byte ${at} is past the prefix but the prefix was refused`);
        continue;
      }
      for (const entry of entries) {
        try {
          assert.deepEqual(lookup(bad, prefix, entry.key), entry, `byte ${at}: wrong answer for ${entry.key}`);
        } catch (error) {
          if (error instanceof assert.AssertionError) throw error;
          assert.ok(isIndexFormatError(error), `byte ${at}: ${String(error)}`);
          assert.equal(error.section, 'entries');
        }
      }
      if (at >= header.objectsOffset) expectFormatError(() => decodeObjectsTable(bad.subarray(header.objectsOffset), header), ['checksum-mismatch']);
    }
  });

  it('names the section and the kind of damage', () => {
    const flip = (at: number) => {
      const bad = good.slice();
      bad[at]! ^= 0xff;
      return bad;
    };
    assert.equal(expectFormatError(() => decodePart(flip(0)), ['bad-magic']).section, 'header');
    assert.equal(expectFormatError(() => decodePart(flip(20)), ['checksum-mismatch']).section, 'header');
    assert.equal(expectFormatError(() => decodePart(flip(header.bloomOffset + 3)), ['checksum-mismatch']).section, 'bloom');
    assert.equal(expectFormatError(() => decodePart(flip(header.fenceOffset + 3)), ['checksum-mismatch']).section, 'fences');
    assert.equal(expectFormatError(() => decodePart(flip(header.entriesOffset + 3)), ['checksum-mismatch']).section, 'entries');
    assert.equal(expectFormatError(() => decodePart(flip(header.objectsOffset + 3)), ['checksum-mismatch']).section, 'objects');
    const block = blockRef(decodeLookupPrefix(good), 2);
    const message = expectFormatError(() => decodeBlock(flip(block.start + 1).subarray(block.start, block.end), block, OBJECTS.length)).message;
    assert.match(message, /^entries: block 2 hashes to [0-9a-f]{16}, the part records [0-9a-f]{16}$/);
  });

  it('is reported as truncated wherever it is cut off', () => {
    for (const cut of [0, 5, 8, 50, 95, 96, header.fenceOffset - 1, header.fenceOffset, prefixLength - 1]) {
      expectFormatError(() => decodeLookupPrefix(good.subarray(0, cut)), ['truncated']);
    }
    for (const cut of [prefixLength, prefixLength + 1, header.objectsOffset, good.length - 1]) {
      expectFormatError(() => decodePart(good.subarray(0, cut)), ['truncated']);
    }
    const block = blockRef(decodeLookupPrefix(good), 0);
    expectFormatError(() => decodeBlock(good.subarray(block.start, block.end - 1), block, OBJECTS.length), ['truncated']);
    const longer = new Uint8Array(good.length + 1);
    longer.set(good);
    expectFormatError(() => decodePart(longer), ['bad-layout']);
  });

  it('refuses another format version or undefined flags even with a valid header checksum', () => {
    const rehash = (bytes: Uint8Array) => new DataView(bytes.buffer).setBigUint64(88, xxh64(bytes.subarray(0, 88)), true);
    const v2 = good.slice();
    new DataView(v2.buffer).setUint16(8, 2, true);
    rehash(v2);
    assert.match(expectFormatError(() => decodePartHeader(v2), ['unsupported-version']).message, /format version 2/);
    const flagged = good.slice();
    new DataView(flagged.buffer).setUint32(12, 1, true);
    rehash(flagged);
    expectFormatError(() => decodePartHeader(flagged), ['unsupported-version']);
    const inconsistent = good.slice();
    new DataView(inconsistent.buffer).setUint32(44, header.fenceCount + 1, true);
    rehash(inconsistent);
    expectFormatError(() => decodePartHeader(inconsistent), ['bad-layout']);
    const wrongBloom = good.slice();
    new DataView(wrongBloom.buffer).setUint32(28, 31, true);
    rehash(wrongBloom);
    expectFormatError(() => decodePartHeader(wrongBloom), ['bad-layout']);
  });

  it('is an error that says "IndexFormatError" and its section in the message', () => {
    const error = new IndexFormatError('truncated', 'entries', 'block 3 is short');
    assert.equal(error.name, 'IndexFormatError');
    assert.equal(error.message, 'entries: block 3 is short');
    assert.ok(isIndexFormatError(error));
    assert.ok(!isIndexFormatError(new Error('x')));
  });
});

// The per-bucket binary manifest (src/core/index/manifest.ts): round trip, append-only merging, damage detection.

import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { isIndexFormatError, type IndexFormatError } from '../../src/core/index/errors';
import {
  MANIFEST_FIXED_HEADER,
  appendParts,
  candidateParts,
  decodeManifest,
  emptyManifest,
  encodeManifest,
  manifestAddition,
  type Manifest,
  type ManifestAddition,
} from '../../src/core/index/manifest';
import { decodeLookupPrefix, encodePart, findBlock, type DataObjectRef, type IndexEntry } from '../../src/core/index/part';
import { initXxh64, xxh64, xxh64String } from '../../src/core/index/xxh64';

const BUCKET = '2023/05/11/19';
const OBJECTS: DataObjectRef[] = [{ key: 'data/a.csv', etag: '"abc"', size: 1000 }];

function part(name: string, keys: string[]): ManifestAddition {
  const entries: IndexEntry[] = keys.map((key, i) => ({ key, objectIndex: 0, offset: i * 10, length: 9 }));
  return manifestAddition(encodePart(entries, OBJECTS, { fenceInterval: 2 }), name, OBJECTS, '2026-01-01T00:00:00.000Z', 'test/1');
}

function expectFormatError(action: () => unknown, kinds?: IndexFormatError['kind'][]): IndexFormatError {
  try {
    action();
  } catch (error) {
    assert.ok(isIndexFormatError(error), `expected an IndexFormatError, got ${String(error)}`);
    assert.equal(error.section, 'manifest');
    if (kinds) assert.ok(kinds.includes(error.kind), `expected ${kinds.join('/')}, got ${error.kind}: ${error.message}`);
    return error;
  }
  assert.fail('expected an IndexFormatError, nothing was thrown');
}

let three: Manifest;
before(async () => {
  await initXxh64();
  three = appendParts(undefined, BUCKET, [
    part('0000000000001aaaaaaaa.idx', ['a-1', 'b-1', 'c-1']),
    part('0000000000002bbbbbbbb.idx', ['b-1', 'd-1', 'é-1', 'f-1', 'g-1']),
    part('0000000000003cccccccc.idx', ['c-2', 'x-1']),
  ]).manifest;
});

describe('the manifest', () => {
  it('round-trips: the directory and a verbatim copy of each part’s lookup prefix', () => {
    const bytes = encodeManifest(three);
    const decoded = decodeManifest(bytes);
    assert.deepEqual(decoded.directory, three.directory);
    assert.equal(decoded.prefixes.length, 3);
    decoded.prefixes.forEach((prefix, i) => assert.deepEqual(prefix, three.prefixes[i]));
    // The copy is usable as the part's lookup prefix: Bloom and fences with no part read.
    const lookup = decodeLookupPrefix(decoded.prefixes[1]!);
    assert.ok(lookup.bloom.checkHash(xxh64String('é-1')));
    assert.equal(findBlock(lookup, 'é-1')?.fenceIndex, 2); // b d | f g | é: é sorts after ASCII in UTF-8
    // Layout: magic | u32 version | u32 jsonLength | JSON | prefixes | u64 XXH64 of everything before.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    assert.equal(new TextDecoder().decode(bytes.subarray(0, 8)), 'S3LSMAN\n');
    assert.equal(view.getUint32(8, true), 1);
    const jsonLength = view.getUint32(12, true);
    const json = JSON.parse(new TextDecoder().decode(bytes.subarray(MANIFEST_FIXED_HEADER, MANIFEST_FIXED_HEADER + jsonLength)));
    assert.equal(json.version, 1);
    assert.equal(json.bucket, BUCKET);
    assert.deepEqual(Object.keys(json.parts[0]), ['name', 'entries', 'minKey', 'maxKey', 'prefixLength', 'bytes', 'objects', 'createdAt', 'builder']);
    assert.equal(bytes.length, MANIFEST_FIXED_HEADER + jsonLength + three.prefixes.reduce((sum, p) => sum + p.length, 0) + 8);
    assert.equal(view.getBigUint64(bytes.length - 8, true), xxh64(bytes.subarray(0, bytes.length - 8)));
    // Deterministic: the same manifest encodes to the same bytes.
    assert.deepEqual(encodeManifest(decoded), bytes);
  });

  it('round-trips an empty manifest', () => {
    assert.deepEqual(decodeManifest(encodeManifest(emptyManifest(BUCKET))), emptyManifest(BUCKET));
  });

  it('appends without changing its input, never drops a part, and re-applying the same parts changes nothing', () => {
    const before = encodeManifest(three);
    const addition = part('0000000000004dddddddd.idx', ['z-1']);
    const { manifest, added, alreadyListed } = appendParts(three, BUCKET, [addition]);
    assert.deepEqual(added, ['0000000000004dddddddd.idx']);
    assert.deepEqual(alreadyListed, []);
    assert.deepEqual(encodeManifest(three), before, 'the input manifest was modified');
    assert.deepEqual(
      manifest.directory.parts.map((p) => p.name),
      [...three.directory.parts.map((p) => p.name), '0000000000004dddddddd.idx'],
    );
    // A CAS retry re-reads the manifest another builder advanced and re-applies our additions: idempotent.
    const again = appendParts(decodeManifest(encodeManifest(manifest)), BUCKET, [addition]);
    assert.deepEqual(again.added, []);
    assert.deepEqual(again.alreadyListed, ['0000000000004dddddddd.idx']);
    assert.deepEqual(encodeManifest(again.manifest), encodeManifest(manifest));
  });

  it('merges two builders’ additions made from the same base, losing neither', () => {
    const ours = part('0000000000005eeeeeeee.idx', ['q-1']);
    const theirs = part('0000000000005ffffffff.idx', ['r-1']);
    const theirsFirst = appendParts(three, BUCKET, [theirs]).manifest; // they won the CAS
    const merged = appendParts(decodeManifest(encodeManifest(theirsFirst)), BUCKET, [ours]).manifest; // we re-read and re-apply
    const names = merged.directory.parts.map((p) => p.name);
    assert.ok(names.includes('0000000000005eeeeeeee.idx') && names.includes('0000000000005ffffffff.idx'));
    assert.equal(names.length, 5);
  });

  it('refuses additions that do not describe their prefix, and another bucket', () => {
    const addition = part('0000000000006aaaaaaaa.idx', ['k-1']);
    assert.throws(() => appendParts(three, '2023/05/11/20', [addition]), /bucket/);
    assert.throws(() => appendParts(three, BUCKET, [{ ...addition, prefix: addition.prefix.subarray(1) }]), /prefix is/);
    assert.throws(() => appendParts(three, BUCKET, [{ ...addition, part: { ...addition.part, name: 'a/b.idx' } }]), /name/);
    assert.throws(() => appendParts(three, BUCKET, [{ ...addition, part: { ...addition.part, minKey: 'z', maxKey: 'a' } }]), /minKey/);
    assert.throws(() => manifestAddition(encodePart([], OBJECTS), 'x.idx', OBJECTS), /empty/);
  });

  it('lists the parts whose key range holds a key, newest first', () => {
    const names = (key: string) => candidateParts(three, key).map((i) => three.directory.parts[i]!.name.slice(13, 14));
    assert.deepEqual(names('c-1'), ['b', 'a']);
    assert.deepEqual(names('c-3'), ['c', 'b']);
    assert.deepEqual(names('a-0'), []);
    assert.deepEqual(names('y'), ['b']); // part b runs up to é-1
    assert.deepEqual(names('ö'), []);
    assert.deepEqual(names('x-1'), ['c', 'b']);
  });
});

describe('a damaged manifest', () => {
  it('is refused with a typed error, whichever byte is flipped', () => {
    const bytes = encodeManifest(three);
    for (let at = 0; at < bytes.length; at++) {
      const bad = bytes.slice();
      bad[at]! ^= 0x04;
      expectFormatError(() => decodeManifest(bad));
    }
  });

  it('is reported as truncated (or failing its checksum) wherever it is cut off', () => {
    const bytes = encodeManifest(three);
    const jsonEnd = MANIFEST_FIXED_HEADER + new DataView(bytes.buffer).getUint32(12, true);
    for (const cut of [0, 4, 8, 12, 16, 20, jsonEnd - 1, jsonEnd, jsonEnd + 100, bytes.length - 9, bytes.length - 8, bytes.length - 1]) {
      expectFormatError(() => decodeManifest(bytes.subarray(0, cut)), ['truncated', 'checksum-mismatch']);
    }
    for (const cut of [0, 7, 20, jsonEnd - 1, jsonEnd + 100]) expectFormatError(() => decodeManifest(bytes.subarray(0, cut)), ['truncated']);
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    expectFormatError(() => decodeManifest(longer), ['bad-layout', 'checksum-mismatch']);
  });

  it('names a wrong magic and an unknown version', () => {
    const bytes = encodeManifest(three);
    const magic = bytes.slice();
    magic[0] = 0x58;
    expectFormatError(() => decodeManifest(magic), ['bad-magic']);
    const v2 = bytes.slice();
    new DataView(v2.buffer).setUint32(8, 2, true);
    new DataView(v2.buffer).setBigUint64(v2.length - 8, xxh64(v2.subarray(0, v2.length - 8)), true);
    assert.match(expectFormatError(() => decodeManifest(v2), ['unsupported-version']).message, /version 2/);
  });

  it('refuses a well-checksummed manifest whose directory is wrong', () => {
    const rebuild = (json: string, prefixes: Uint8Array[] = []) => {
      const body = new TextEncoder().encode(json);
      const total = MANIFEST_FIXED_HEADER + body.length + prefixes.reduce((s, p) => s + p.length, 0) + 8;
      const out = new Uint8Array(total);
      out.set(new TextEncoder().encode('S3LSMAN\n'));
      const view = new DataView(out.buffer);
      view.setUint32(8, 1, true);
      view.setUint32(12, body.length, true);
      out.set(body, MANIFEST_FIXED_HEADER);
      let at = MANIFEST_FIXED_HEADER + body.length;
      for (const p of prefixes) {
        out.set(p, at);
        at += p.length;
      }
      view.setBigUint64(at, xxh64(out.subarray(0, at)), true);
      return out;
    };
    expectFormatError(() => decodeManifest(rebuild('{')), ['bad-content']);
    expectFormatError(() => decodeManifest(rebuild('{"version":1,"bucket":"b"}')), ['bad-content']);
    const good = JSON.parse(
      new TextDecoder().decode(
        encodeManifest(three).subarray(MANIFEST_FIXED_HEADER, MANIFEST_FIXED_HEADER + new DataView(encodeManifest(three).buffer).getUint32(12, true)),
      ),
    );
    const twice = { ...good, parts: [good.parts[0], good.parts[0]] };
    expectFormatError(() => decodeManifest(rebuild(JSON.stringify(twice), [three.prefixes[0]!, three.prefixes[0]!])), ['bad-content']);
    const notPart = { ...good, parts: [good.parts[0]] };
    expectFormatError(() => decodeManifest(rebuild(JSON.stringify(notPart), [new Uint8Array(three.prefixes[0]!.length)])), ['bad-content']);
  });
});

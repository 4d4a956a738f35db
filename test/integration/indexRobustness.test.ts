// The key index when things go wrong, against moto and versitygw: two builders at once on the same
// data (no entry and no manifest part lost), a build cancelled halfway or failing halfway and run
// again (nothing lost), and damaged parts and manifests (said plainly, answered right through the fallbacks).

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { buildIndex, type BuildProgress } from '../../src/app/index/build';
import { IndexReader } from '../../src/app/index/lookup';
import { appendToManifest, listPartObjects, readManifest } from '../../src/app/index/manifestStore';
import { manifestAddition } from '../../src/core/index/manifest';
import { readIndexStatus } from '../../src/app/index/status';
import type { ObjectStore } from '../../src/aws/objectStore';
import { keyBucket, manifestObjectKey, partObjectKey } from '../../src/core/index/keys';
import { decodeLookupPrefix, encodePart, findBlock } from '../../src/core/index/part';
import { initXxh64 } from '../../src/core/index/xxh64';
import type { S3Location } from '../../src/core/s3uri';
import { appendOnlyFixture, getBytes, putBytes, recordAt, type IndexFixture } from './indexFixture';
import { s3Servers } from './moto';

const BUCKETS = ['2023/05/11/19', '2023/05/11/20'];

/** Every part object in the bucket folders is listed by its manifest, and the other way round. */
async function assertManifestsComplete(store: ObjectStore, index: S3Location, exact: boolean): Promise<number> {
  let parts = 0;
  for (const bucket of BUCKETS) {
    const read = await readManifest(store, index, bucket);
    assert.equal(read.state, 'ok', bucket);
    if (read.state !== 'ok') continue;
    const listed = (await listPartObjects(store, index, bucket)).map((p) => p.name).sort();
    const inManifest = read.manifest.directory.parts.map((p) => p.name).sort();
    if (exact) assert.deepEqual(inManifest, listed, `${bucket}: every part written is in the manifest`);
    else for (const name of inManifest) assert.ok(listed.includes(name), `${bucket}: ${name} exists`);
    parts += inManifest.length;
  }
  return parts;
}

async function assertAllFound(fx: IndexFixture, index: S3Location): Promise<void> {
  const reader = await IndexReader.open(fx.store, index);
  const batch = await reader.lookupMany(fx.truth.samples.map((s) => s.key));
  batch.results.forEach((r, i) => {
    assert.equal(r.status, 'found', `${r.key}: ${r.notes.join('; ')}`);
    assert.equal(r.record, fx.truth.samples[i]!.record);
  });
}

for (const server of s3Servers())
  describe(`key index robustness against ${server.name}`, () => {
    let fx: IndexFixture;
    const data = () => ({ bucket: fx.bucket, key: 'data/' });

    before(async () => {
      await initXxh64();
      fx = await appendOnlyFixture(server, 'idxr');
    });
    after(() => {
      fx?.client.destroy();
      if (fx) rmSync(fx.dir, { recursive: true, force: true });
    });

    it('lets two builders index the same data at once: they split it by claims and lose no entry and no part', async () => {
      const index = { bucket: fx.bucket, key: 'two-builders/' };
      const small = { settings: { partEntries: 500 }, maxBatchEntries: 1500, readConcurrency: 1 };
      const [a, b] = await Promise.all([
        buildIndex(fx.store, { data: data(), index, builderId: 'builder-a', ...small }),
        buildIndex(fx.store, { data: data(), index, builderId: 'builder-b', ...small }),
      ]);
      assert.equal(a.objects.indexed + b.objects.indexed, fx.truth.files.length, 'each data object indexed once');
      assert.equal(a.objects.indexed + a.objects.claimedElsewhere.length + a.objects.unchanged, fx.truth.files.length);
      assert.equal(a.entries + b.entries, fx.truth.records);
      const parts = await assertManifestsComplete(fx.store, index, true);
      assert.equal(parts, a.parts + b.parts);
      await assertAllFound(fx, index);
    });

    it('keeps every part when two builders ignore each other and append to the same manifests (compare-and-swap)', async () => {
      const index = { bucket: fx.bucket, key: 'racing-builders/' };
      // A claim time-to-live of 0 makes each take over the other's claims: both index everything.
      const racing = { settings: { partEntries: 400 }, maxBatchEntries: 1200, claimTtlMs: 0, readConcurrency: 1 };
      const [a, b] = await Promise.all([
        buildIndex(fx.store, { data: data(), index, builderId: 'racer-a', ...racing }),
        buildIndex(fx.store, { data: data(), index, builderId: 'racer-b', ...racing }),
      ]);
      const parts = await assertManifestsComplete(fx.store, index, true);
      assert.equal(parts, a.parts + b.parts, 'no part of either builder is missing from the manifests');
      assert.ok(a.parts > 4 && b.parts > 4);
      await assertAllFound(fx, index);
    });

    it('appends from eight writers at once to one new manifest: every append lands, the losers retry on 412', async () => {
      const index = { bucket: fx.bucket, key: 'cas/' };
      const bucket = '2023/05/11/19';
      const additions = Array.from({ length: 8 }, (_, i) => {
        const key = `0000000${i}-aaaa-4bbb-8ccc-dddddddddddd-1683832386`;
        const encoded = encodePart([{ key, objectIndex: 0, offset: i * 100, length: 50 }], [{ key: 'data/x.csv', etag: '"e"', size: 1000 }]);
        return manifestAddition(encoded, `00000000000${i}0000000${i}.idx`, [{ key: 'data/x.csv', etag: '"e"', size: 1000 }]);
      });
      const outcomes = await Promise.all(additions.map((a) => appendToManifest(fx.store, index, bucket, [a])));
      const conflicts = outcomes.reduce((n, o) => n + o.conflicts, 0);
      assert.ok(conflicts >= 7, `${conflicts} conflicts: all eight found no manifest, one created it`);
      const read = await readManifest(fx.store, index, bucket);
      assert.equal(read.state, 'ok');
      if (read.state === 'ok') assert.deepEqual(read.manifest.directory.parts.map((p) => p.name).sort(), additions.map((a) => a.part.name).sort());
    });

    it('resumes a cancelled build: the second run indexes the rest, nothing is lost', async () => {
      const index = { bucket: fx.bucket, key: 'resumed/' };
      const controller = new AbortController();
      const onProgress = (p: BuildProgress) => {
        if (p.partsWritten > 0 && p.phase === 'indexing') controller.abort();
      };
      await assert.rejects(
        buildIndex(fx.store, { data: data(), index, maxBatchEntries: 2000, readConcurrency: 1, signal: controller.signal, onProgress }),
        (error: Error) => error.name === 'AbortError',
      );
      const halfway = await readIndexStatus(fx.store, index);
      assert.ok(halfway.indexedObjects > 0 && halfway.indexedObjects < fx.truth.files.length, `${halfway.indexedObjects} indexed before the cancel`);
      const rest = await buildIndex(fx.store, { data: data(), index, maxBatchEntries: 2000 });
      assert.deepEqual(rest.objects.claimedElsewhere, [], 'the cancelled build let go of its claims');
      assert.equal(rest.objects.unchanged, halfway.indexedObjects);
      assert.equal(rest.objects.indexed, fx.truth.files.length - halfway.indexedObjects);
      assert.equal((await readIndexStatus(fx.store, index, { compareData: true })).unindexedObjects, 0);
      await assertManifestsComplete(fx.store, index, false);
      await assertAllFound(fx, index);
    });

    it('stops every reader at the first failure of a write, lets go of its claims, and the next run indexes the rest', async () => {
      const index = { bucket: fx.bucket, key: 'failed/' };
      // The third part PUT fails: one reader's flush throws while the other is reading.
      let parts = 0;
      const inner = fx.store.counting();
      const failing: ObjectStore = Object.create(inner) as ObjectStore;
      failing.put = (bucket, key, body, options) => {
        if (key.endsWith('.idx') && ++parts === 3) return Promise.reject(new Error('injected: the S3 server refused the part'));
        return inner.put(bucket, key, body, options);
      };
      // The build counts its own requests through counting(): it must keep this store.
      failing.counting = () => failing;
      await assert.rejects(buildIndex(failing, { data: data(), index, maxBatchEntries: 1500, readConcurrency: 2 }), /injected/);
      const halfway = await readIndexStatus(fx.store, index);
      assert.ok(halfway.indexedObjects < fx.truth.files.length, `${halfway.indexedObjects} of ${fx.truth.files.length} indexed before the failure`);
      const rest = await buildIndex(fx.store, { data: data(), index, maxBatchEntries: 1500 });
      assert.deepEqual(rest.objects.claimedElsewhere, [], 'the failed build let go of its claims');
      assert.equal(rest.objects.unchanged, halfway.indexedObjects);
      assert.equal(rest.objects.indexed, fx.truth.files.length - halfway.indexedObjects);
      assert.equal((await readIndexStatus(fx.store, index, { compareData: true })).unindexedObjects, 0);
      await assertManifestsComplete(fx.store, index, false);
      await assertAllFound(fx, index);
    });

    describe('damage', () => {
      const index = () => ({ bucket: fx.bucket, key: 'damaged/' });
      before(async () => {
        await buildIndex(fx.store, { data: data(), index: index() });
      });

      it('says a part is damaged when a block fails its checksum, and finds the record by scanning its data objects', async () => {
        const sample = fx.truth.samples.find((s) => keyBucket(s.key, 'hour') === '2023/05/11/20')!;
        const reader = await IndexReader.open(fx.store, index());
        const clean = await reader.lookup(sample.key);
        const { bucket, part } = clean.location!;
        const partKey = partObjectKey(index().key, bucket, part.slice(0, -'.idx'.length));
        const bytes = await getBytes(fx.client, fx.bucket, partKey);
        const block = findBlock(decodeLookupPrefix(bytes), sample.key)!;
        bytes[block.start + 5]! ^= 0xff;
        await putBytes(fx.client, fx.bucket, partKey, bytes);

        const r = await (await IndexReader.open(fx.store, index())).lookup(sample.key);
        assert.equal(r.status, 'found');
        assert.equal(r.via, 'scan');
        assert.equal(r.record, sample.record);
        assert.match(r.notes.join('\n'), new RegExp(`part ${bucket}/${part} is damaged: entries: block \\d+`));
        assert.match(r.notes.join('\n'), /found by scanning \d+ data object/);
        assert.equal(await recordAt(fx.client, fx.bucket, r.location!), sample.record);
        // A key of another block of the same part is still answered by the index alone.
        const other = fx.truth.samples.find(
          (s) => keyBucket(s.key, 'hour') === '2023/05/11/20' && findBlock(decodeLookupPrefix(bytes), s.key)!.fenceIndex !== block.fenceIndex,
        )!;
        const fine = await (await IndexReader.open(fx.store, index())).lookup(other.key);
        assert.equal(fine.record, other.record);
        if (fine.location!.part === part) assert.deepEqual(fine.notes, []);
      });

      it("says a manifest is damaged, reads the bucket's parts instead, and still answers right", async () => {
        const manifestKey = manifestObjectKey(index().key, '2023/05/11/20');
        const bytes = await getBytes(fx.client, fx.bucket, manifestKey);
        bytes[30]! ^= 0x20;
        await putBytes(fx.client, fx.bucket, manifestKey, bytes);
        const reader = await IndexReader.open(fx.store, index());
        for (const sample of fx.truth.samples.filter((s) => keyBucket(s.key, 'hour') === '2023/05/11/20').slice(0, 6)) {
          const r = await reader.lookup(sample.key);
          assert.equal(r.status, 'found', r.notes.join('; '));
          assert.equal(r.record, sample.record);
          assert.match(
            r.notes.join('\n'),
            /the manifest s3:\/\/.*2023\/05\/11\/20\/_manifest\.idxm is damaged \(manifest: .*\): read the \d+ part\(s\) of 2023\/05\/11\/20 directly/,
          );
        }
        // A truncated manifest too.
        await putBytes(fx.client, fx.bucket, manifestKey, bytes.subarray(0, Math.floor(bytes.length / 2)));
        const absentThere = fx.truth.absent.find((k) => Number(k.slice(-10)) >= 1_683_835_200)!;
        const r = await (await IndexReader.open(fx.store, index())).lookup(absentThere);
        assert.equal(r.status, 'absent');
        assert.match(r.notes.join('\n'), /is damaged \(manifest: .*(truncated|cut off|bytes)/);
      });

      it('repairs the damaged manifest on the next build, keeping the damaged part for its Bloom filter', async () => {
        await putBytes(
          fx.client,
          fx.bucket,
          'data/2023/05/11/20/writer-07-extra.csv',
          `uuid, data\nabcdef01-2222-4333-8444-555566667777-${1_683_836_000}, {"extra":1}\n`,
        );
        const result = await buildIndex(fx.store, { data: data(), index: index() });
        assert.equal(result.objects.indexed, 1);
        assert.match(result.notes.join('\n'), /The manifest of 2023\/05\/11\/20 was damaged .* rebuilt from its parts; 1 damaged part\(s\) were kept/);
        await assertManifestsComplete(fx.store, index(), true);
        const reader = await IndexReader.open(fx.store, index());
        for (const sample of fx.truth.samples) {
          const r = await reader.lookup(sample.key);
          assert.equal(r.record, sample.record, `${sample.key}: ${r.notes.join('; ')}`);
          assert.ok(!r.notes.some((n) => /manifest/.test(n)), 'the manifest is whole again');
        }
        assert.equal(
          (await reader.lookup(`abcdef01-2222-4333-8444-555566667777-${1_683_836_000}`)).record,
          `abcdef01-2222-4333-8444-555566667777-${1_683_836_000}, {"extra":1}`,
        );
      });

      it('says a truncated part is damaged and still finds its records', async () => {
        const sample = fx.truth.samples.find((s) => keyBucket(s.key, 'hour') === '2023/05/11/19')!;
        const reader = await IndexReader.open(fx.store, index());
        const clean = await reader.lookup(sample.key);
        const partKey = partObjectKey(index().key, clean.location!.bucket, clean.location!.part.slice(0, -'.idx'.length));
        const bytes = await getBytes(fx.client, fx.bucket, partKey);
        const prefix = decodeLookupPrefix(bytes);
        // Keep the prefix and the first block only: the sample's block is cut off (or shortened).
        await putBytes(fx.client, fx.bucket, partKey, bytes.subarray(0, prefix.header.entriesOffset + 10));
        const r = await (await IndexReader.open(fx.store, index())).lookup(sample.key);
        assert.equal(r.record, sample.record);
        assert.equal(r.via, 'scan');
        assert.match(r.notes.join('\n'), /is damaged: .*(truncated|shorter|bytes)/);
      });
    });
  });

// The key index against real S3 APIs (moto and versitygw): build, incremental build, lookups with
// their request counts, batches, and the seed's design and a data scan for comparison. Ground truth:
// the generator's truth, and every record read again straight from S3 at the location it names.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { buildIndex, type BuildResult } from '../../src/app/index/build';
import { IndexConfigError } from '../../src/app/index/indexConfig';
import { IndexReader } from '../../src/app/index/lookup';
import { scanDataLookup } from '../../src/app/index/scan';
import { seedDesignLookup } from '../../src/app/index/seedLookup';
import { readIndexStatus } from '../../src/app/index/status';
import { ObjectStore } from '../../src/aws/objectStore';
import { keyBucket } from '../../src/core/index/keys';
import { appendOnlyFixture, getBytes, putBytes, recordAt, type IndexFixture } from './indexFixture';
import { s3Servers } from './moto';

for (const server of s3Servers())
  describe(`key index against ${server.name}`, () => {
    let fx: IndexFixture;
    let built: BuildResult;
    const index = () => ({ bucket: fx.bucket, key: '_index/data/' });
    const data = () => ({ bucket: fx.bucket, key: 'data/' });

    before(async () => {
      fx = await appendOnlyFixture(server, 'idx');
      built = await buildIndex(fx.store, { data: data(), index: index() });
    });
    after(() => {
      fx?.client.destroy();
      if (fx) rmSync(fx.dir, { recursive: true, force: true });
    });

    it('indexes every record of every data object, and counts the lines it skipped as the truth does', () => {
      assert.equal(built.created, true);
      assert.equal(built.objects.listed, fx.truth.files.length);
      assert.equal(built.objects.indexed, fx.truth.files.length);
      assert.equal(built.entries, fx.truth.records);
      assert.equal(built.lines.records, fx.truth.records);
      assert.equal(built.lines.headers + built.lines.blank + built.lines.malformed, fx.truth.skippedLines);
      assert.equal(
        built.bytesRead,
        fx.truth.files.reduce((n, f) => n + f.bytes, 0),
      );
      assert.deepEqual(built.buckets, ['2023/05/11/19', '2023/05/11/20']);
      assert.deepEqual(built.objects.failed, []);
    });

    it("finds every sampled key at the truth's location, and S3 has that very line there", async () => {
      const reader = await IndexReader.open(fx.store, index());
      for (const sample of fx.truth.samples) {
        const r = await reader.lookup(sample.key);
        assert.equal(r.status, 'found', `${sample.key}: ${r.notes.join('; ')}`);
        assert.equal(r.record, sample.record);
        assert.deepEqual(
          { object: r.location!.object, offset: r.location!.offset, length: r.location!.length },
          {
            object: sample.object,
            offset: sample.offset,
            length: sample.length,
          },
        );
        const direct = await recordAt(fx.client, fx.bucket, r.location!);
        assert.equal(direct, r.record);
        assert.ok(direct.startsWith(`${sample.key},`));
        assert.deepEqual(r.notes, []);
      }
    });

    it('answers absent for absent keys, and invalid-key for a key without a timestamp', async () => {
      const reader = await IndexReader.open(fx.store, index());
      for (const key of fx.truth.absent) {
        const r = await reader.lookup(key);
        assert.equal(r.status, 'absent', key);
        assert.equal(r.record, undefined);
      }
      const invalid = await reader.lookup('8057149c-d437-4067-9120-75834f4ac821');
      assert.equal(invalid.status, 'invalid-key');
      assert.equal(invalid.requests, 0);
      assert.match(invalid.notes[0]!, /no unix timestamp/);
    });

    it('looks a present key up in 3 requests cold and 2 warm, beyond Bloom false positives, opening aside', async () => {
      const reader = await IndexReader.open(fx.store, index());
      assert.equal(reader.openCounts.requests, 1, 'opening reads _index.json');
      let coldExact = 0;
      for (const sample of fx.truth.samples) {
        reader.clearCache();
        const r = await reader.lookup(sample.key);
        assert.equal(r.requests, 3 + r.falsePositiveReads, `${sample.key}: manifest, block, record`);
        if (r.falsePositiveReads === 0) coldExact++;
      }
      assert.ok(coldExact >= fx.truth.samples.length * 0.9, `${coldExact} of ${fx.truth.samples.length} without a false positive`);
      // Warm: one bucket's manifest cached, each key in a block not read yet.
      reader.clearCache();
      const seenBlocks = new Set<string>();
      let warm = 0;
      for (const sample of fx.truth.samples) {
        const wasCached = reader.isCached(sample.key);
        const r = await reader.lookup(sample.key);
        const block = `${r.location!.bucket}/${r.location!.part}`;
        if (wasCached && r.falsePositiveReads === 0 && r.requests !== 1) {
          assert.equal(r.requests, 2, `${sample.key}: block and record`);
          warm++;
        }
        assert.ok(r.requests <= (wasCached ? 2 : 3) + r.falsePositiveReads, `${sample.key}: ${r.requests} requests`);
        seenBlocks.add(block);
      }
      assert.ok(warm > 20, `${warm} warm lookups`);
    });

    it('answers an absent key with the manifest alone cold, and a 304 revalidation warm', async () => {
      const reader = await IndexReader.open(fx.store, index());
      const inRange = fx.truth.absent.filter((k) => keyBucket(k, 'hour')!.startsWith('2023/05/11/'));
      assert.ok(inRange.length > 10);
      let exact = 0;
      for (const key of inRange) {
        reader.clearCache();
        const r = await reader.lookup(key);
        assert.equal(r.requests, 1 + r.falsePositiveReads);
        if (r.falsePositiveReads === 0) exact++;
      }
      assert.ok(exact >= inRange.length * 0.8);
      const before = reader.counts.notModified;
      const key = inRange[0]!;
      await reader.lookup(key);
      const warm = await reader.lookup(key);
      assert.equal(warm.status, 'absent');
      assert.equal(warm.requests, 1 + warm.falsePositiveReads);
      assert.ok(reader.counts.notModified >= before + 1, 'the cached manifest was revalidated with If-None-Match: 304');
      // A key before the data: no manifest there, one request (404) cold and warm.
      const early = fx.truth.absent.find((k) => !keyBucket(k, 'hour')!.startsWith('2023/05/11/'))!;
      assert.equal((await reader.lookup(early)).requests, 1);
      assert.equal((await reader.lookup(early)).requests, 1);
    });

    it('shares reads in a batch: one manifest per bucket, one GET per block, nearby records of an object in one GET', async () => {
      // Eight consecutive records of one data object: one record GET covers them all.
      const object = fx.truth.files[4]!.key;
      const text = new TextDecoder().decode(await getBytes(fx.client, fx.bucket, object));
      const keys = text
        .split('\n')
        .slice(100, 108)
        .map((line) => line.slice(0, line.indexOf(',')).trim());
      const reader = await IndexReader.open(fx.store, index());
      const batch = await reader.lookupMany(keys);
      for (const r of batch.results) {
        assert.equal(r.status, 'found', r.key);
        assert.equal(await recordAt(fx.client, fx.bucket, r.location!), r.record);
      }
      const buckets = new Set(keys.map((k) => keyBucket(k, 'hour')));
      const blocks = new Set(batch.results.map((r) => `${r.location!.part}`));
      const falsePositives = batch.results.reduce((n, r) => n + r.falsePositiveReads, 0);
      // Manifests + blocks (at most one per key) + one record read.
      assert.ok(batch.counts.gets <= buckets.size + keys.length + falsePositives + 1, `${batch.counts.gets} GETs`);
      assert.ok(batch.counts.requests < keys.length * 3, 'fewer requests than the keys one by one');
      const perKey = batch.results.reduce((n, r) => n + r.requests, 0);
      assert.ok(perKey > batch.counts.requests, 'shared requests are counted for every key that used them');
      assert.ok(blocks.size >= 1);
      // The same keys one by one, cold each: 3 each (plus false positives).
      let single = 0;
      for (const key of keys) {
        reader.clearCache();
        single += (await reader.lookup(key)).requests;
      }
      assert.ok(batch.counts.requests < single);
    });

    it('finds the same records by the seed design and by scanning the data, at a higher cost', async () => {
      const reader = await IndexReader.open(fx.store, index());
      for (const sample of fx.truth.samples.slice(0, 5)) {
        reader.clearCache();
        const ours = await reader.lookup(sample.key);
        const seed = await seedDesignLookup(fx.store, reader, sample.key);
        const scan = await scanDataLookup(fx.store, data(), sample.key);
        assert.equal(seed.record, sample.record);
        assert.equal(scan.record, sample.record);
        assert.deepEqual(scan.location && { object: scan.location.object, offset: scan.location.offset, length: scan.location.length }, {
          object: sample.object,
          offset: sample.offset,
          length: sample.length,
        });
        assert.ok(seed.requests >= ours.requests, `seed ${seed.requests} vs ${ours.requests}`);
        assert.ok(scan.bytes > ours.bytes);
      }
      const absent = await seedDesignLookup(fx.store, reader, fx.truth.absent[0]!);
      assert.equal(absent.record, undefined);
      assert.ok(absent.headsRead >= 1);
    });

    it('refuses options that contradict the index, and says how to build one where there is none', async () => {
      await assert.rejects(buildIndex(fx.store, { data: data(), index: index(), settings: { granularity: 'day' } }), (error: unknown) => {
        assert.ok(error instanceof IndexConfigError);
        assert.match(error.message, /was built with granularity hour \(asked: day\)/);
        return true;
      });
      await assert.rejects(
        IndexReader.open(fx.store, { bucket: fx.bucket, key: 'nothing-here/' }),
        /There is no index at s3:\/\/.*nothing-here\/.*index build/,
      );
      await assert.rejects(buildIndex(fx.store, { data: data(), index: { bucket: fx.bucket, key: '' } }), /inside the index location/);
    });

    it('indexes only new data objects on a second build, and again a rewritten one', async () => {
      const second = await buildIndex(fx.store, { data: data(), index: index() });
      assert.equal(second.objects.indexed, 0);
      assert.equal(second.objects.unchanged, fx.truth.files.length);
      assert.equal(second.bytesRead, 0, 'no data object read');
      assert.equal(second.parts, 0);

      // A new object with records of the first hour (late data), and one rewritten with a record appended.
      const lateKey = `0a0a0a0a-1111-4222-8333-444455556666-${1_683_832_386}`;
      const newObject = 'data/2023/05/11/20/writer-09-late.csv';
      const newBody = `uuid, data\n${lateKey}, {"late":true}\n`;
      await putBytes(fx.client, fx.bucket, newObject, newBody);
      const rewritten = fx.truth.files[0]!;
      const appendedKey = `0b0b0b0b-1111-4222-8333-444455556666-${1_683_833_000}`;
      const oldBody = await getBytes(fx.client, fx.bucket, rewritten.key);
      const appended = new TextDecoder().decode(oldBody) + `${appendedKey}, {"appended":true}\n`;
      await putBytes(fx.client, fx.bucket, rewritten.key, appended);

      const third = await buildIndex(fx.store, { data: data(), index: index() });
      assert.equal(third.objects.indexed, 2);
      assert.equal(third.objects.changed, 1);
      assert.equal(third.objects.unchanged, fx.truth.files.length - 1);
      assert.equal(third.bytesRead, newBody.length + new TextEncoder().encode(appended).length, 'only the new and the rewritten object are read');

      const reader = await IndexReader.open(fx.store, index());
      const late = await reader.lookup(lateKey);
      assert.equal(late.status, 'found');
      assert.equal(late.record, `${lateKey}, {"late":true}`);
      assert.equal(late.location!.bucket, '2023/05/11/19', 'a late record lands in its own, older bucket');
      const app = await reader.lookup(appendedKey);
      assert.equal(app.record, `${appendedKey}, {"appended":true}`);
      // A key of the rewritten object: the newest part (with the new ETag) answers.
      const old = fx.truth.samples.find((s) => s.object === rewritten.key)!;
      const again = await reader.lookup(old.key);
      assert.equal(again.status, 'found', again.notes.join('; '));
      assert.equal(again.record, old.record);
      const status = await readIndexStatus(fx.store, index(), { compareData: true });
      assert.deepEqual(
        { indexed: status.indexedObjects, data: status.dataObjects, unindexed: status.unindexedObjects },
        {
          indexed: fx.truth.files.length + 1,
          data: fx.truth.files.length + 1,
          unindexed: 0,
        },
      );
    });

    it('says a data object changed since it was indexed instead of returning other bytes', async () => {
      const target = fx.truth.files[2]!;
      const sample = fx.truth.samples.find((s) => s.object === target.key)!;
      const body = await getBytes(fx.client, fx.bucket, target.key);
      await putBytes(fx.client, fx.bucket, target.key, new Uint8Array([...new TextEncoder().encode('# a new first line shifts every offset\n'), ...body]));
      const reader = await IndexReader.open(fx.store, index());
      const r = await reader.lookup(sample.key);
      assert.equal(r.status, 'changed');
      assert.equal(r.record, undefined);
      assert.match(r.notes.join(' '), /changed since it was indexed.*run index build/);
      // Rebuilt, it is found at its new place.
      const rebuilt = await buildIndex(fx.store, { data: data(), index: index() });
      assert.equal(rebuilt.objects.changed, 1);
      const after = await (await IndexReader.open(fx.store, index())).lookup(sample.key);
      assert.equal(after.status, 'found');
      assert.equal(after.record, sample.record);
      assert.equal(after.location!.offset, sample.offset + '# a new first line shifts every offset\n'.length);
      assert.equal(await recordAt(fx.client, fx.bucket, after.location!), sample.record);
    });

    it('counts every request and byte it makes', async () => {
      const store = new ObjectStore(fx.client);
      const reader = await IndexReader.open(store, index());
      reader.clearCache();
      const r = await reader.lookup(fx.truth.samples[0]!.key);
      assert.equal(store.counts.requests, reader.openCounts.requests + r.requests);
      assert.equal(store.counts.bytesIn, reader.openCounts.bytesIn + r.bytes);
      assert.equal(store.counts.gets, store.counts.requests);
    });
  });

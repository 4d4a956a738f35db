// Tagging for expiration against moto: which objects a prefix covers, what happens to the tags
// they had, versioned buckets, undo, cancel and resume, and 503s and dropped connections on the way.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, DeleteObjectTaggingCommand, PutObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { GET_CLASS_USD_PER_1000, PUT_CLASS_USD_PER_1000 } from '../../src/aws/tagTargets';
import { previewTagging, runTagging, undoTagging, type TaggingProgress } from '../../src/aws/tagging';
import { Random } from '../../src/core/random';
import { createRun, openRun, type RunSpec } from '../../src/core/retention/runStore';
import { startFaultProxy, seededFaults } from './faultProxy';
import { motoEndpoint, uniqueBucketName } from './moto';
import { auditLines, createBucket, doneLines, EXPIRE, motoClient, putAllTagged, putTagged, snapshotTags, tagsOf, type TagMap } from './taggingFixtures';

const TEN_TAGS: TagMap = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, `v${i}`]));

function spec(bucket: string, prefixes: string[], extra: Partial<RunSpec> = {}): RunSpec {
  return { kind: 'tag', bucket, prefixes, tag: EXPIRE, keepTag: { key: 'keep' }, exemptGlobs: ['**/_SUCCESS'], olderThan: null, ...extra };
}

// Both transports of the per-object requests (objectTags.ts): the direct one by default, the SDK's as the fallback.
for (const transport of ['direct', 'sdk'] as const)
  describe(`tagging a prefix for expiration (${transport} requests)`, () => {
    const bucket = uniqueBucketName('tag');
    let client: S3Client;
    let root: string;
    // Under a/b: these are covered (prefixOfKey(key) === 'a/b'), the folder marker a/b/c/ included.
    const covered: [string, TagMap][] = [
      ['a/b/plain.txt', {}],
      ['a/b/with-tags.txt', { team: 'data', 'cost-center': '42' }],
      ['a/b/keep.txt', { keep: 'yes' }],
      ['a/b/ten.txt', TEN_TAGS],
      ['a/b/conflict.txt', { [EXPIRE.key]: 'false' }],
      ['a/b/already.txt', { [EXPIRE.key]: 'true', team: 'x' }],
      ['a/b/_SUCCESS', {}],
      ['a/b/c/', {}],
    ];
    const outside: [string, TagMap][] = [
      ['a/b/c/deep.txt', { team: 'deep' }],
      ['a/b/', {}],
      ['a/bz.txt', {}],
      ['a/b2/x.txt', {}],
      ['root.txt', { team: 'root' }],
    ];
    const allKeys = [...covered, ...outside].map(([k]) => k);

    before(async () => {
      client = motoClient();
      root = mkdtempSync(join(tmpdir(), 's3ls-tag-runs-'));
      await createBucket(client, bucket);
      await putAllTagged(client, bucket, [...covered, ...outside]);
    });
    after(() => {
      client?.destroy();
      rmSync(root, { recursive: true, force: true });
    });

    it('previews objects, bytes, requests and cost without changing a tag', async () => {
      const before = await snapshotTags(client, bucket, allKeys);
      const preview = await previewTagging(client, { bucket, prefixes: ['a/b'], exemptGlobs: ['**/_SUCCESS'], olderThan: null });
      const targets = covered.filter(([k]) => !k.endsWith('_SUCCESS'));
      assert.equal(preview.versioned, false);
      assert.equal(preview.objects, targets.length);
      assert.equal(
        preview.bytes,
        targets.reduce((n, [k]) => n + (k.endsWith('/') ? 0 : k.length), 0),
      );
      assert.deepEqual(preview.byPrefix, [{ prefix: 'a/b', objects: targets.length, bytes: preview.bytes }]);
      assert.equal(preview.exempt, 1);
      assert.equal(preview.young, 0);
      assert.equal(preview.listRequests, 2, 'one listing of a/b/ and one look for the folder marker a/b/c/');
      // Each object's tags are read, and read again before the put; unversioned, each put is followed by a HeadObject.
      assert.deepEqual(preview.requests, { getTagging: 2 * targets.length, putTagging: targets.length, headObject: targets.length, objectLockReads: 0 });
      assert.equal(preview.requestCostUsd, ((2 + targets.length) * PUT_CLASS_USD_PER_1000 + 3 * targets.length * GET_CLASS_USD_PER_1000) / 1000);
      assert.equal(preview.tagStorageUsdPerMonth, (targets.length * 0.01) / 10_000);
      assert.deepEqual(await snapshotTags(client, bucket, allKeys), before);
    });

    it('counts objects modified on or after olderThan as young', async () => {
      const preview = await previewTagging(client, { bucket, prefixes: ['a/b'], exemptGlobs: [], olderThan: '2000-01-01T00:00:00.000Z' });
      assert.equal(preview.objects, 0);
      assert.equal(preview.young, covered.length);
    });

    it('tags only the keys immediately under the prefix, keeps their tags, and skips with reasons', async () => {
      const before = await snapshotTags(client, bucket, allKeys);
      const run = await createRun(root, spec(bucket, ['a/b']));
      const reports: TaggingProgress[] = [];
      const result = await runTagging(client, run, { transport, concurrency: 4, onProgress: (p) => reports.push(p) });
      assert.equal(result.state, 'finished');
      assert.deepEqual(result.progress.skipped, { alreadyTagged: 1, keepTag: 1, tagLimit: 1, conflictingTag: 1, exempt: 1, young: 0, locked: 0, changed: 0 });
      assert.equal(result.progress.tagged, 3);
      assert.equal(result.progress.listed, covered.length);
      assert.equal(result.progress.failed, 0);
      assert.equal(reports.at(-1)?.done, true);

      const after = await snapshotTags(client, bucket, allKeys);
      const changed = new Map([
        ['a/b/plain.txt', { [EXPIRE.key]: 'true' }],
        ['a/b/with-tags.txt', { team: 'data', 'cost-center': '42', [EXPIRE.key]: 'true' }],
        ['a/b/c/', { [EXPIRE.key]: 'true' }],
      ]);
      for (const key of allKeys) assert.deepEqual(after.get(key), changed.get(key) ?? before.get(key), key);

      const audit = auditLines(run.auditPath);
      assert.deepEqual(audit.map((l) => l.key).sort(), [...changed.keys()].sort());
      const withTags = audit.find((l) => l.key === 'a/b/with-tags.txt')!;
      assert.deepEqual(Object.fromEntries(withTags.before.map((t) => [t.Key, t.Value])), { team: 'data', 'cost-center': '42' });
      assert.deepEqual(withTags.after.slice(0, -1), withTags.before, 'every tag the object had, in order, then ours');
      assert.deepEqual(withTags.after.at(-1), { Key: EXPIRE.key, Value: EXPIRE.value });
      assert.equal(withTags.action, 'tag');
      assert.equal(withTags.versionId, null);
      assert.equal(doneLines(run.donePath).length, covered.length - 1, 'every object but the exempt one is done');
      const job = (await openRun(root, run.id)).summary;
      assert.equal(job.state, 'finished');
      assert.equal(job.auditLines, 3);
    });

    it('a second run finds everything already tagged and changes nothing', async () => {
      const before = await snapshotTags(client, bucket, allKeys);
      const run = await createRun(root, spec(bucket, ['a/b']));
      const result = await runTagging(client, run, { transport, concurrency: 4 });
      assert.equal(result.progress.tagged, 0);
      assert.equal(result.progress.skipped.alreadyTagged, 4);
      assert.deepEqual(auditLines(run.auditPath), []);
      assert.deepEqual(await snapshotTags(client, bucket, allKeys), before);
    });

    it('tags the keys at the bucket root for the prefix ""', async () => {
      const run = await createRun(root, spec(bucket, ['']));
      const result = await runTagging(client, run, { transport, concurrency: 2 });
      assert.equal(result.progress.tagged, 1);
      assert.deepEqual(await tagsOf(client, bucket, 'root.txt'), { team: 'root', [EXPIRE.key]: 'true' });
      assert.deepEqual(await tagsOf(client, bucket, 'a/bz.txt'), {});
    });
  });

describe('tagging a versioned bucket', () => {
  const bucket = uniqueBucketName('tagv');
  let client: S3Client;
  let root: string;
  let v1: string;
  let v2: string;

  before(async () => {
    client = motoClient();
    root = mkdtempSync(join(tmpdir(), 's3ls-tag-runs-'));
    await createBucket(client, bucket, { versioned: true });
    v1 = (await putTagged(client, bucket, 'v/obj.txt', { gen: 'one' }))!;
    v2 = (await putTagged(client, bucket, 'v/obj.txt', { gen: 'two' }))!;
    await putTagged(client, bucket, 'v/deleted.txt', { gen: 'gone' });
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'v/deleted.txt' }));
  });
  after(() => {
    client?.destroy();
    rmSync(root, { recursive: true, force: true });
  });

  it('tags the current version by its version id and leaves the noncurrent one alone', async () => {
    assert.notEqual(v1, v2);
    const run = await createRun(root, spec(bucket, ['v']));
    const result = await runTagging(client, run, { concurrency: 2 });
    assert.equal(result.state, 'finished');
    assert.equal(result.progress.listed, 1, 'a key whose latest version is a delete marker has no current version');
    assert.equal(result.progress.tagged, 1);
    assert.equal((await openRun(root, run.id)).spec.versioned, true, 'the run found out the bucket is versioned');
    assert.deepEqual(await tagsOf(client, bucket, 'v/obj.txt', v2), { gen: 'two', [EXPIRE.key]: 'true' });
    assert.deepEqual(await tagsOf(client, bucket, 'v/obj.txt', v1), { gen: 'one' });
    assert.deepEqual(
      auditLines(run.auditPath).map((l) => [l.key, l.versionId]),
      [['v/obj.txt', v2]],
    );

    const undone = await undoTagging(client, run, { concurrency: 2 });
    assert.equal(undone.restored, 1);
    assert.deepEqual(await tagsOf(client, bucket, 'v/obj.txt', v2), { gen: 'two' });
    assert.deepEqual(await tagsOf(client, bucket, 'v/obj.txt', v1), { gen: 'one' });
  });
});

describe('undoing a tagging run', () => {
  const bucket = uniqueBucketName('untag');
  let client: S3Client;
  let root: string;

  before(async () => {
    client = motoClient();
    root = mkdtempSync(join(tmpdir(), 's3ls-tag-runs-'));
    await createBucket(client, bucket);
    await putAllTagged(client, bucket, [
      ['u/none.txt', {}],
      ['u/some.txt', { team: 'data', tier: 'cold' }],
      ['u/user-added.txt', { team: 'data' }],
      ['u/user-removed.txt', {}],
      ['u/gone.txt', {}],
      ['u/deeper/untouched.txt', { team: 'deep' }],
    ]);
  });
  after(() => {
    client?.destroy();
    rmSync(root, { recursive: true, force: true });
  });

  it('restores the exact tag sets and keeps a tag the user added since', async () => {
    const run = await createRun(root, spec(bucket, ['u']));
    assert.equal((await runTagging(client, run, { concurrency: 3 })).progress.tagged, 5);
    // What users do between tagging and undo: add a tag, remove ours, delete an object.
    await client.send(
      new PutObjectTaggingCommand({
        Bucket: bucket,
        Key: 'u/user-added.txt',
        Tagging: {
          TagSet: [
            { Key: 'team', Value: 'data' },
            { Key: EXPIRE.key, Value: 'true' },
            { Key: 'owner', Value: 'ann' },
          ],
        },
      }),
    );
    await client.send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: 'u/user-removed.txt' }));
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'u/gone.txt' }));

    const undone = await undoTagging(client, run, { concurrency: 3 });
    assert.deepEqual(
      { restored: undone.restored, alreadyClean: undone.alreadyClean, gone: undone.gone, failed: undone.failed, state: undone.state },
      { restored: 3, alreadyClean: 1, gone: 1, failed: 0, state: 'finished' },
    );
    assert.deepEqual(await tagsOf(client, bucket, 'u/none.txt'), {}, 'an object that had no tags has none again');
    assert.deepEqual(await tagsOf(client, bucket, 'u/some.txt'), { team: 'data', tier: 'cold' });
    assert.deepEqual(await tagsOf(client, bucket, 'u/user-added.txt'), { team: 'data', owner: 'ann' });
    assert.deepEqual(await tagsOf(client, bucket, 'u/user-removed.txt'), {});
    assert.deepEqual(await tagsOf(client, bucket, 'u/deeper/untouched.txt'), { team: 'deep' });

    const undoRun = await openRun(root, undone.runId);
    assert.equal(undoRun.spec.kind, 'untag');
    assert.equal(undoRun.spec.sourceAudit, run.auditPath);
    const lines = auditLines(undone.auditPath);
    assert.deepEqual(lines.map((l) => l.key).sort(), ['u/none.txt', 'u/some.txt', 'u/user-added.txt']);
    assert.ok(lines.every((l) => l.action === 'untag'));
    assert.deepEqual(lines.find((l) => l.key === 'u/none.txt')?.after, []);

    // From the audit file alone, a second undo finds nothing left to do.
    const again = await undoTagging(client, run.auditPath, { concurrency: 2 });
    assert.deepEqual([again.restored, again.alreadyClean, again.gone], [0, 4, 1]);
  });
});

describe('cancelling a run and resuming it', () => {
  const bucket = uniqueBucketName('tagcancel');
  let client: S3Client;
  let root: string;
  const keys = Array.from({ length: 60 }, (_, i) => `c/${String(i).padStart(3, '0')}.txt`);

  before(async () => {
    client = motoClient();
    root = mkdtempSync(join(tmpdir(), 's3ls-tag-runs-'));
    await createBucket(client, bucket);
    await putAllTagged(
      client,
      bucket,
      keys.map((k, i): [string, TagMap] => [k, i % 3 === 0 ? { team: `t${i}` } : {}]),
    );
  });
  after(() => {
    client?.destroy();
    rmSync(root, { recursive: true, force: true });
  });

  it('stops on abort, stays resumable, and the resume requests no finished object again', async () => {
    // The cancel comes when S3 sees the 12th PutObjectTagging, whatever the machine's speed.
    const controller = new AbortController();
    let puts = 0;
    const proxy = await startFaultProxy(motoEndpoint(), {
      delayMs: (r) => {
        if (r.operation === 'PutObjectTagging' && ++puts === 12) controller.abort();
        return 5;
      },
    });
    const slow = motoClient(proxy.endpoint);
    try {
      const run = await createRun(root, spec(bucket, ['c']));
      const first = await runTagging(slow, run, { concurrency: 2, signal: controller.signal });
      assert.equal(first.state, 'cancelled');
      assert.equal((await openRun(root, run.id)).summary.state, 'cancelled');
      const finished = new Set(doneLines(run.donePath).map((d) => d.key));
      assert.ok(finished.size >= 9 && finished.size <= 12, `${finished.size} objects were done before the cancel`);

      const resumed = await runTagging(slow, await openRun(root, run.id), { concurrency: 4 });
      assert.equal(resumed.state, 'finished');
      assert.equal(resumed.progress.tagged, keys.length, 'the counts cover the whole run');
      // Read once, and again just before the put (so a tag added meanwhile is not lost); never after the resume.
      for (const key of finished) assert.equal(proxy.count('GetObjectTagging', key), 2, `${key} was finished before the cancel and not read again`);
      const tags = await snapshotTags(client, bucket, keys);
      keys.forEach((key, i) => assert.deepEqual(tags.get(key), { ...(i % 3 === 0 ? { team: `t${i}` } : {}), [EXPIRE.key]: 'true' }, key));
      const audited = new Set(auditLines(run.auditPath).map((l) => l.key));
      assert.ok(
        keys.every((k) => audited.has(k)),
        'every tagged object has an audit line',
      );
    } finally {
      slow.destroy();
      await proxy.close();
    }
  });
});

describe('tagging through 503 SlowDown and dropped connections', () => {
  const bucket = uniqueBucketName('tagfault');
  let client: S3Client;
  let root: string;
  const random = new Random(7);
  const objects: [string, TagMap][] = [];
  const targets = new Set<string>();

  before(async () => {
    client = motoClient();
    root = mkdtempSync(join(tmpdir(), 's3ls-tag-runs-'));
    await createBucket(client, bucket);
    for (const prefix of ['r/p1', 'r/p2']) {
      for (let i = 0; i < 150; i++) {
        const key = `${prefix}/obj-${i}.bin`;
        const count = random.int(10);
        objects.push([key, Object.fromEntries(Array.from({ length: count }, (_, t) => [`user-${t}`, `${random.int(1000)}`]))]);
        targets.add(key);
      }
    }
    objects.push(['r/p1/full.bin', TEN_TAGS], ['r/p2/kept.bin', { keep: 'forever' }]);
    // Neighbours that must not be touched: deeper, a sibling sharing the name's start, the parent level.
    for (let i = 0; i < 20; i++) objects.push([`r/p1/deeper/obj-${i}.bin`, { user: 'deep' }], [`r/p10/obj-${i}.bin`, {}], [`r/obj-${i}.bin`, {}]);
    await putAllTagged(client, bucket, objects);
  });
  after(() => {
    client?.destroy();
    rmSync(root, { recursive: true, force: true });
  });

  it('ends with every target tagged, no tag lost, and nothing outside the prefixes touched', async () => {
    const proxy = await startFaultProxy(motoEndpoint(), { plan: seededFaults(42, { slowdown: 0.1, reset: 0.005, resetAfter: 0.005 }) });
    const faulty = motoClient(proxy.endpoint, 24);
    try {
      const run = await createRun(root, spec(bucket, ['r/p1', 'r/p2']));
      const result = await runTagging(faulty, run, { concurrency: 16, retry: { baseDelayMs: 20, maxDelayMs: 500 } });
      assert.equal(result.state, 'finished', JSON.stringify(result.failures));
      assert.equal(result.progress.failed, 0);
      assert.equal(result.progress.tagged, targets.size);
      assert.deepEqual({ tagLimit: result.progress.skipped.tagLimit, keepTag: result.progress.skipped.keepTag }, { tagLimit: 1, keepTag: 1 });
      assert.ok(proxy.faults() > 50, `${proxy.faults()} faults were injected`);
      assert.ok(result.progress.retries >= proxy.faults() * 0.9, `${result.progress.retries} retries for ${proxy.faults()} faults`);

      // Read back from moto directly, not through the proxy.
      const after = await snapshotTags(
        client,
        bucket,
        objects.map(([k]) => k),
      );
      for (const [key, original] of objects) {
        assert.deepEqual(after.get(key), targets.has(key) ? { ...original, [EXPIRE.key]: 'true' } : original, key);
      }
      const audited = new Set(auditLines(run.auditPath).map((l) => l.key));
      for (const key of targets) assert.ok(audited.has(key), `${key} has an audit line`);
    } finally {
      faulty.destroy();
      await proxy.close();
    }
  });
});

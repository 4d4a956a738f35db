// Torn lines in a run's logs against a real S3 API (moto): a line torn in the middle of the audit log
// or of done.jsonl no longer blocks undo or resume for the whole run — the objects on the lines
// around it are undone or skipped as before, and the result says how many lines were skipped.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { runTagging, undoTagging } from '../../src/aws/tagging';
import { createRun, openRun, type RunSpec } from '../../src/core/retention/runStore';
import { uniqueBucketName } from './moto';
import { createBucket, EXPIRE, motoClient, putAllTagged, tagsOf } from './taggingFixtures';

function spec(bucket: string): RunSpec {
  return { kind: 'tag', bucket, prefixes: ['t'], tag: EXPIRE, keepTag: null, exemptGlobs: [], olderThan: null };
}

describe('torn lines in the middle of a run’s logs', () => {
  let client: S3Client;
  let root: string;
  before(() => {
    client = motoClient();
    root = mkdtempSync(join(tmpdir(), 's3ls-torn-runs-'));
  });
  after(() => {
    client?.destroy();
    rmSync(root, { recursive: true, force: true });
  });

  it('undo restores the objects on both sides of a torn audit line and reports it', async () => {
    const bucket = uniqueBucketName('torn-undo');
    await createBucket(client, bucket);
    const keys = ['t/1.txt', 't/2.txt', 't/3.txt'];
    await putAllTagged(
      client,
      bucket,
      keys.map((k) => [k, { owner: 'data' }]),
    );
    const run = await createRun(root, spec(bucket));
    const tagged = await runTagging(client, run, { concurrency: 1 });
    assert.equal(tagged.progress.tagged, 3);
    // A torn write in the middle: half of the second line, then the third line on a line of its own.
    const lines = readFileSync(run.auditPath, 'utf8').split('\n').filter(Boolean);
    writeFileSync(run.auditPath, `${lines[0]}\n${lines[1]!.slice(0, 50)}\n${lines[2]}\n`);
    const tornKey = (JSON.parse(lines[1]!) as { key: string }).key;

    const undone = await undoTagging(client, await openRun(root, run.id), { concurrency: 1 });
    assert.equal(undone.state, 'finished');
    assert.equal(undone.restored, 2, 'the objects on the lines around the torn one are restored');
    for (const key of keys.filter((k) => k !== tornKey)) assert.deepEqual(await tagsOf(client, bucket, key), { owner: 'data' }, key);
    assert.deepEqual(
      undone.damaged.map((d) => ({ path: d.path, count: d.count, lines: d.lines })),
      [{ path: run.auditPath, count: 1, lines: [2] }],
    );
  });

  it('resume skips the finished objects around a torn done line, redoes the torn one, and reports it', async () => {
    const bucket = uniqueBucketName('torn-resume');
    await createBucket(client, bucket);
    const keys = ['t/a.txt', 't/b.txt', 't/c.txt', 't/d.txt'];
    await putAllTagged(
      client,
      bucket,
      keys.map((k) => [k, {}]),
    );
    const run = await createRun(root, spec(bucket));
    await run.close();
    const done = (key: string) => JSON.stringify({ key, versionId: null, outcome: 'keepTag' });
    writeFileSync(run.donePath, `${done('t/a.txt')}\n${done('t/b.txt').slice(0, 12)}\n${done('t/c.txt')}\n`);

    const resumed = await runTagging(client, await openRun(root, run.id), { concurrency: 1 });
    assert.equal(resumed.state, 'finished');
    assert.equal(resumed.progress.skipped.keepTag, 2, 'the finished objects on both sides of the torn line count as before');
    assert.equal(resumed.progress.tagged, 2, 'the torn line’s object and the one never done are tagged');
    assert.deepEqual(await tagsOf(client, bucket, 't/a.txt'), {}, 'a finished object is not requested again');
    assert.deepEqual(await tagsOf(client, bucket, 't/b.txt'), { [EXPIRE.key]: EXPIRE.value });
    assert.deepEqual(
      resumed.damaged.map((d) => ({ path: d.path, count: d.count, lines: d.lines })),
      [{ path: run.donePath, count: 1, lines: [2] }],
    );
  });
});

// The built CLI killed in the middle of a tagging run, then resumed: the job finishes, every object
// is tagged and has its audit line, and what was finished before the kill is not requested again.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetBucketLifecycleConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import { startFaultProxy, type FaultProxy } from './faultProxy';
import { motoEndpoint, uniqueBucketName } from './moto';
import { auditLines, createBucket, doneLines, EXPIRE, motoClient, putAllTagged, snapshotTags, type TagMap } from './taggingFixtures';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function startCli(args: string[], endpoint: string): { child: ChildProcess; exited: Promise<Exit> } {
  const child = spawn(process.execPath, [CLI, 'tag-expire', ...args], {
    env: { ...process.env, S3LIFECYCLE_ENDPOINT: endpoint, S3LIFECYCLE_FORCE_PATH_STYLE: 'true', S3LIFECYCLE_REGION: 'us-east-1', NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<Exit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, exited };
}

/** Polls until the only run folder's done.jsonl has at least `lines` lines; returns the run id. */
async function waitForDone(runDir: string, lines: number, exited: Promise<Exit>): Promise<string> {
  let finished: Exit | undefined;
  void exited.then((e) => (finished = e));
  for (;;) {
    if (finished) throw new Error(`the CLI ended before ${lines} objects were done: ${JSON.stringify(finished)}`);
    const runs = (() => {
      try {
        return readdirSync(runDir);
      } catch {
        return [];
      }
    })();
    if (runs.length === 1 && doneLines(join(runDir, runs[0]!, 'done.jsonl')).length >= lines) return runs[0]!;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('tag-expire killed and resumed', () => {
  const bucket = uniqueBucketName('tagkill');
  const keys = Array.from({ length: 2000 }, (_, i) => `k/${String(i).padStart(5, '0')}.json`);
  const original = new Map<string, TagMap>(keys.map((k, i): [string, TagMap] => [k, i % 4 === 0 ? { owner: `team-${i % 7}` } : {}]));
  let client: S3Client;
  let proxy: FaultProxy;
  let workDir: string;

  before(async () => {
    client = motoClient();
    workDir = mkdtempSync(join(tmpdir(), 's3ls-tag-resume-'));
    await createBucket(client, bucket);
    await putAllTagged(client, bucket, [...original], 32);
    await putAllTagged(
      client,
      bucket,
      Array.from({ length: 200 }, (_, i): [string, TagMap] => [`i/${i}.json`, {}]),
      32,
    );
    // A little delay per tagging request, so the kill lands in the middle of the run.
    proxy = await startFaultProxy(motoEndpoint(), { delayMs: (r) => (r.operation.endsWith('ObjectTagging') ? 3 : 0) });
  });
  after(async () => {
    client?.destroy();
    await proxy?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('after SIGKILL, --resume finishes the job without requesting finished objects again, and the audit log has no gaps', async () => {
    const runDir = join(workDir, 'runs');
    const first = startCli(
      ['--bucket', bucket, '--prefix', 'k', '--all-ages', '--yes', '--concurrency', '2', '--run-dir', runDir, '--format', 'json'],
      proxy.endpoint,
    );
    const runId = await waitForDone(runDir, 300, first.exited);
    first.child.kill('SIGKILL');
    const killed = await first.exited;
    assert.equal(killed.signal, 'SIGKILL');
    const finishedBeforeKill = new Set(doneLines(join(runDir, runId, 'done.jsonl')).map((d) => d.key));
    assert.ok(finishedBeforeKill.size >= 300 && finishedBeforeKill.size < keys.length, `${finishedBeforeKill.size} objects done before the kill`);
    assert.equal(JSON.parse(readFileSync(join(runDir, runId, 'job.json'), 'utf8')).state, 'running', 'a killed run could not record its end');

    const resumed = await startCli(['--resume', runId, '--run-dir', runDir, '--concurrency', '8', '--yes', '--format', 'json'], proxy.endpoint).exited;
    assert.equal(resumed.code, 0, resumed.stderr);
    const summary = JSON.parse(resumed.stdout) as {
      state: string;
      counts: { tagged: number; failed: number };
      lifecycleRule: { change: string; verified: boolean };
    };
    assert.equal(summary.state, 'finished');
    assert.equal(summary.counts.tagged, keys.length, 'the resumed run accounts for every object of the job');
    assert.equal(summary.counts.failed, 0);
    assert.deepEqual({ change: summary.lifecycleRule.change, verified: summary.lifecycleRule.verified }, { change: 'added', verified: true });

    const tags = await snapshotTags(client, bucket, keys, 32);
    for (const key of keys) assert.deepEqual(tags.get(key), { ...original.get(key), [EXPIRE.key]: 'true' }, key);
    const audit = auditLines(join(runDir, runId, 'audit.jsonl'));
    const audited = new Set(audit.map((l) => l.key));
    assert.deepEqual(
      keys.filter((k) => !audited.has(k)),
      [],
      'every tagged object has an audit line',
    );
    for (const line of audit)
      assert.deepEqual(
        Object.fromEntries(line.before.map((t) => [t.Key, t.Value])),
        original.get(line.key),
        `the audit line of ${line.key} holds its tags before`,
      );

    // A run reads each object's tags twice: once, and again just before its put (no tag added meanwhile is lost).
    const reads = proxy.countsByKey('GetObjectTagging');
    const readTwice = keys.filter((k) => (reads.get(k) ?? 0) > 2);
    assert.deepEqual(
      readTwice.filter((k) => finishedBeforeKill.has(k)),
      [],
      'objects finished before the kill were not requested again',
    );
    assert.ok(readTwice.length <= 4, `only the objects in flight at the kill were read again (${readTwice.length})`);
    assert.ok(keys.every((k) => (reads.get(k) ?? 0) >= 1));

    const rules = (await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? [];
    assert.deepEqual(
      rules.map((r) => r.ID),
      ['s3-lifecycle-studio-expire:30d:s3-lifecycle-studio:expire=true'],
    );
  });

  it('on SIGINT stops cleanly with exit code 130, says how to resume, and --resume finds the run', async () => {
    const runDir = join(workDir, 'runs-sigint');
    const first = startCli(
      ['--bucket', bucket, '--prefix', 'i', '--all-ages', '--yes', '--concurrency', '1', '--run-dir', runDir, '--no-lifecycle-rule'],
      proxy.endpoint,
    );
    const runId = await waitForDone(runDir, 20, first.exited);
    first.child.kill('SIGINT');
    const interrupted = await first.exited;
    assert.equal(interrupted.code, 130, interrupted.stderr);
    assert.match(interrupted.stderr, new RegExp(`--resume ${runId}`));
    const job = JSON.parse(readFileSync(join(runDir, runId, 'job.json'), 'utf8')) as { state: string };
    assert.equal(job.state, 'cancelled');
    const done = doneLines(join(runDir, runId, 'done.jsonl'));
    assert.ok(done.length < 200, `${done.length} objects done before the interrupt`);

    const resumed = await startCli(['--resume', '--bucket', bucket, '--prefix', 'i', '--run-dir', runDir, '--yes', '--format', 'json'], proxy.endpoint).exited;
    assert.equal(resumed.code, 0, resumed.stderr);
    const summary = JSON.parse(resumed.stdout) as { runId: string; counts: { tagged: number } };
    assert.equal(summary.runId, runId);
    assert.equal(summary.counts.tagged, 200);
  });
});

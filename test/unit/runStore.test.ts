import { afterEach, beforeEach, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createRun,
  findResumable,
  listRuns,
  objectId,
  openRun,
  readAudit,
  RunStoreError,
  type AuditEntry,
  type RunSpec,
} from '../../src/core/retention/runStore';

const SPEC: RunSpec = {
  kind: 'tag',
  bucket: 'estate',
  prefixes: ['logs/2019', 'tmp'],
  tag: { key: 's3-lifecycle-studio:expire', value: 'true' },
  keepTag: { key: 'keep' },
  exemptGlobs: ['**/_SUCCESS'],
  olderThan: '2026-08-01T00:00:00.000Z',
  versioned: false,
};

const entry = (key: string, versionId: string | null = null): AuditEntry => ({
  time: '2026-09-01T10:00:00.000Z',
  action: 'tag',
  bucket: 'estate',
  key,
  versionId,
  before: [{ Key: 'team', Value: 'data' }],
  after: [
    { Key: 'team', Value: 'data' },
    { Key: 's3-lifecycle-studio:expire', Value: 'true' },
  ],
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('run store', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 's3ls-runs-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes job.json with the spec, and opens it again', async () => {
    const run = await createRun(root, SPEC);
    await run.close();
    const job = JSON.parse(readFileSync(join(root, run.id, 'job.json'), 'utf8'));
    assert.equal(job.state, 'running');
    assert.deepEqual({ ...job.spec, createdAt: undefined }, { ...SPEC, createdAt: undefined });
    const opened = await openRun(root, run.id);
    assert.deepEqual(opened.spec, run.spec);
  });

  it('round-trips audit lines, keys with newlines and quotes included', async () => {
    const run = await createRun(root, SPEC);
    const lines = [entry('a/1.txt'), entry('a/"quoted"\nnewline.txt'), entry('a/v.txt', '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo')];
    for (const line of lines) await run.appendAudit(line);
    await run.close();
    assert.deepEqual(await collect(readAudit(run.auditPath)), lines);
    assert.equal((await openRun(root, run.id)).summary.auditLines, 0, 'job.json is written by update, not by each line');
  });

  it('syncs a batch of concurrent audit lines and keeps every one whole', async () => {
    const run = await createRun(root, SPEC);
    await Promise.all(Array.from({ length: 200 }, (_, i) => run.appendAudit(entry(`k/${i}`))));
    await run.update({});
    await run.close();
    const keys = (await collect(readAudit(run.auditPath))).map((e) => e.key);
    assert.equal(new Set(keys).size, 200);
    assert.equal((await openRun(root, run.id)).summary.auditLines, 200);
  });

  it('ignores a torn last line, and the next append starts on a line of its own', async () => {
    const run = await createRun(root, SPEC);
    await run.appendAudit(entry('a/1'));
    await run.appendDone({ key: 'a/1', versionId: null, outcome: 'tagged' });
    await run.close();
    // A crash in the middle of a write leaves half a line behind.
    appendFileSync(run.auditPath, JSON.stringify(entry('a/2')).slice(0, 40));
    appendFileSync(run.donePath, '{"key":"a/2","versionId":nu');
    assert.deepEqual(
      (await collect(readAudit(run.auditPath))).map((e) => e.key),
      ['a/1'],
    );
    const resumed = await openRun(root, run.id);
    const done = await resumed.readDone();
    assert.equal(done.ids.size, 1);
    assert.ok(done.ids.has('a/1'));
    assert.equal(done.outcomes.get('tagged'), 1);
    await resumed.appendAudit(entry('a/3'));
    await resumed.appendDone({ key: 'a/3', versionId: null, outcome: 'keepTag' });
    await resumed.close();
    assert.deepEqual(
      (await collect(readAudit(run.auditPath))).map((e) => e.key),
      ['a/1', 'a/3'],
    );
    const again = (await resumed.readDone()).ids;
    assert.equal(again.size, 2);
    assert.ok(again.has('a/1') && again.has('a/3'));
  });

  it('reports a damaged line in the middle instead of skipping it', async () => {
    const run = await createRun(root, SPEC);
    await run.close();
    writeFileSync(run.auditPath, `${JSON.stringify(entry('a/1'))}\nnot json\n${JSON.stringify(entry('a/2'))}\n`);
    await assert.rejects(collect(readAudit(run.auditPath)), /Line 2 of .* is not valid JSON/);
    writeFileSync(run.auditPath, '{"key":"a"}\n');
    await assert.rejects(collect(readAudit(run.auditPath)), (e: Error) => e instanceof RunStoreError && /not an audit line/.test(e.message));
  });

  it('tells versions of one key apart in done.jsonl', async () => {
    const run = await createRun(root, { ...SPEC, versioned: true });
    await run.appendDone({ key: 'a/1', versionId: 'v1', outcome: 'tagged' });
    await run.close();
    const done = await (await openRun(root, run.id)).readDone();
    assert.equal(done.ids.size, 1);
    assert.ok(!done.ids.has('a/1'), 'the id includes the version');
    assert.ok(done.ids.has(objectId('a/1', 'v1')));
  });

  it('lists runs newest first, with state and counts', async () => {
    const first = await createRun(root, SPEC);
    await first.update({ state: 'finished', counts: { restored: 1, alreadyClean: 0, gone: 0, failed: 0 } });
    await first.close();
    await new Promise((r) => setTimeout(r, 5));
    const second = await createRun(root, { ...SPEC, bucket: 'other' });
    await second.close();
    const runs = await listRuns(root);
    assert.deepEqual(
      runs.map((r) => r.id),
      [second.id, first.id],
    );
    assert.equal(runs[1]!.state, 'finished');
    assert.deepEqual(runs[1]!.counts, { restored: 1, alreadyClean: 0, gone: 0, failed: 0 });
    assert.deepEqual(await listRuns(join(root, 'missing')), []);
  });

  it('finds an unfinished run of the same bucket, prefixes (in any order) and tag', async () => {
    const finished = await createRun(root, SPEC);
    await finished.update({ state: 'finished' });
    await finished.close();
    assert.equal(await findResumable(root, 'estate', ['tmp', 'logs/2019']), undefined, 'a finished run is not resumable');
    const cancelled = await createRun(root, SPEC);
    await cancelled.update({ state: 'cancelled' });
    await cancelled.close();
    assert.equal((await findResumable(root, 'estate', ['tmp', 'logs/2019']))?.id, cancelled.id);
    assert.equal((await findResumable(root, 'estate', ['tmp', 'logs/2019'], SPEC.tag))?.id, cancelled.id);
    assert.equal(await findResumable(root, 'estate', ['tmp', 'logs/2019'], { key: 'other', value: 'x' }), undefined);
    assert.equal(await findResumable(root, 'estate', ['tmp']), undefined);
    assert.equal(await findResumable(root, 'other', ['tmp', 'logs/2019']), undefined);
  });

  it('refuses a second process on a run whose lock holder is alive, and takes over a dead one', async () => {
    const run = await createRun(root, SPEC);
    writeFileSync(join(run.dir, 'lock'), JSON.stringify({ pid: process.ppid, host: (await import('node:os')).hostname(), since: 'earlier' }));
    await assert.rejects(run.lock(), /in use by process/);
    writeFileSync(join(run.dir, 'lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), since: 'earlier' }));
    await run.lock();
    await run.close();
  });

  it('says what to do about a run id that does not exist', async () => {
    await assert.rejects(openRun(root, '20990101T000000Z-abcdef'), /No run 20990101T000000Z-abcdef in .*--run-dir/);
    await assert.rejects(openRun(root, '../etc'), /not a run id/);
  });
});

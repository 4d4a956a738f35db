// A run folder is input like any other: a stale, edited or planted job.json, a folder name that is
// not a run id, torn lines anywhere in the logs, a write that fails half way. None of them may make
// a run act on a plan nobody confirmed, write outside its folder, or block undo and resume.

import { afterEach, beforeEach, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type * as fsPromises from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRun, listRuns, openRun, readAudit, type AuditEntry, type RunSpec } from '../../src/core/retention/runStore';

const SPEC: RunSpec = {
  kind: 'tag',
  bucket: 'estate',
  prefixes: ['logs/2019'],
  tag: { key: 's3-lifecycle-studio:expire', value: 'true' },
  keepTag: { key: 's3-lifecycle-studio:keep' },
  exemptGlobs: [],
  olderThan: '2026-08-01T00:00:00.000Z',
  versioned: false,
  lifecycleRule: { days: 30, noncurrentDays: null, deleteMarkerRule: false, expectBefore: [] },
};

const entry = (key: string): AuditEntry => ({
  time: '2026-09-01T10:00:00.000Z',
  action: 'tag',
  bucket: 'estate',
  key,
  versionId: null,
  before: [],
  after: [{ Key: 's3-lifecycle-studio:expire', Value: 'true' }],
});

const doneLine = (key: string) => JSON.stringify({ key, versionId: null, outcome: 'tagged' });

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('run store: what a run file may not do', () => {
  let root: string;
  beforeEach(() => {
    root = join(mkdtempSync(join(tmpdir(), 's3ls-safety-')), 'workspace', 'runs');
    mkdirSync(root, { recursive: true });
  });
  afterEach(() => rmSync(join(root, '..', '..'), { recursive: true, force: true }));

  it('refuses run ids that are not the store’s own: "..", separators, anything else', async () => {
    for (const id of ['..', '.', '../etc', 'a/b', '20260901T101500Z-3fa2c1/..', '20260901T101500Z-3FA2C1', 'x'])
      await assert.rejects(openRun(root, id), /is not a run id/, id);
  });

  it('takes the folder from the folder name: a job.json whose id is "../../outside" is refused, and nothing is written outside', async () => {
    const run = await createRun(root, SPEC);
    await run.close();
    const job = JSON.parse(readFileSync(join(run.dir, 'job.json'), 'utf8'));
    writeFileSync(join(run.dir, 'job.json'), JSON.stringify({ ...job, id: '../../outside' }));
    await assert.rejects(openRun(root, run.id), /is not the name of its folder/);
    assert.deepEqual(
      (await listRuns(root)).map((r) => r.id),
      [],
      'listed runs pass it over',
    );
    assert.equal(existsSync(join(root, '..', '..', 'outside')), false);
  });

  it('refuses a spec edited after the run was created (keep tag removed, a 1-day rule), saying what to do', async () => {
    const run = await createRun(root, SPEC);
    await run.close();
    const path = join(run.dir, 'job.json');
    const job = JSON.parse(readFileSync(path, 'utf8'));
    for (const spec of [
      { ...job.spec, keepTag: null },
      { ...job.spec, lifecycleRule: { ...job.spec.lifecycleRule, days: 1 } },
      { ...job.spec, olderThan: null },
      { ...job.spec, prefixes: [''] },
    ]) {
      writeFileSync(path, JSON.stringify({ ...job, spec }));
      await assert.rejects(openRun(root, run.id), /does not match the digest.*Start a new run.*--undo/s);
    }
    const withoutDigest = { ...job, specDigest: undefined };
    writeFileSync(path, JSON.stringify(withoutDigest));
    await assert.rejects(openRun(root, run.id), /does not match the digest/, 'a job file without a digest (planted, or from an older version)');
    writeFileSync(path, JSON.stringify(job));
    assert.deepEqual((await openRun(root, run.id)).spec, run.spec, 'the file as written opens');
  });

  it('checks every field: kind, state, tag rules, keep tag, dates, days, prefixes, globs', async () => {
    const run = await createRun(root, SPEC);
    await run.close();
    const path = join(run.dir, 'job.json');
    const job = JSON.parse(readFileSync(path, 'utf8'));
    const cases: [string, object][] = [
      ['spec.kind', { spec: { ...job.spec, kind: 'delete' } }],
      ['state', { state: 'bogus' }],
      ['spec.tag', { spec: { ...job.spec, tag: { key: 'aws:expire', value: 'true' } } }],
      ['spec.tag', { spec: { ...job.spec, tag: { key: 'k', value: 7 } } }],
      ['spec.keepTag', { spec: { ...job.spec, keepTag: { key: '' } } }],
      ['spec.olderThan', { spec: { ...job.spec, olderThan: 'last year' } }],
      ['spec.lifecycleRule.days', { spec: { ...job.spec, lifecycleRule: { ...job.spec.lifecycleRule, days: 0 } } }],
      ['spec.lifecycleRule.days', { spec: { ...job.spec, lifecycleRule: { ...job.spec.lifecycleRule, days: 1.5 } } }],
      ['spec.lifecycleRule.noncurrentDays', { spec: { ...job.spec, lifecycleRule: { ...job.spec.lifecycleRule, noncurrentDays: -3 } } }],
      ['spec.lifecycleRule.expectBefore', { spec: { ...job.spec, lifecycleRule: { ...job.spec.lifecycleRule, expectBefore: 'any' } } }],
      ['spec.prefixes', { spec: { ...job.spec, prefixes: [1] } }],
      ['spec.prefixes', { spec: { ...job.spec, prefixes: [] } }],
      ['spec.exemptGlobs', { spec: { ...job.spec, exemptGlobs: ['a[z-a]'] } }],
      ['spec.bucket', { spec: { ...job.spec, bucket: '../x' } }],
      ['spec.createdAt', { spec: { ...job.spec, createdAt: 'now' } }],
      ['auditLines', { auditLines: -1 }],
      ['failures', { failures: 'none' }],
    ];
    for (const [field, patch] of cases) {
      writeFileSync(path, JSON.stringify({ ...job, ...patch }));
      await assert.rejects(openRun(root, run.id), (e: Error) => e.message.includes(field), `${field}: ${JSON.stringify(patch).slice(0, 120)}`);
    }
  });

  it('writes job.json and the lock through a synced temp file, renamed or linked, then syncs the folder', async () => {
    const run = await createRun(root, SPEC);
    // Every open, sync, rename and link of the run store, in order, by the name of the file.
    const promises = createRequire(__filename)('node:fs/promises') as Record<'open' | 'rename' | 'link', (...args: never[]) => Promise<unknown>>;
    const real = { open: promises.open, rename: promises.rename, link: promises.link };
    const ops: string[] = [];
    const name = (path: unknown) => (String(path).startsWith(run.dir) ? String(path).slice(run.dir.length + 1) || '.' : String(path) === root ? 'root' : '?');
    promises.open = (async (path: string, flags: string) => {
      const handle = (await (real.open as (p: string, f: string) => Promise<fsPromises.FileHandle>)(path, flags)) as fsPromises.FileHandle;
      ops.push(`open ${name(path)}`);
      return new Proxy(handle, {
        get(target, prop) {
          const value = Reflect.get(target, prop) as unknown;
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            if (prop === 'sync' || prop === 'datasync') ops.push(`sync ${name(path)}`);
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    }) as never;
    promises.rename = (async (from: string, to: string) => {
      ops.push(`rename ${name(from).replace(/\.\d+\.[0-9a-f]+\.tmp$/, '.tmp')} ${name(to)}`);
      return (real.rename as (a: string, b: string) => Promise<void>)(from, to);
    }) as never;
    promises.link = (async (from: string, to: string) => {
      ops.push(`link ${name(from).replace(/\.\d+\.[0-9a-f]+\.tmp$/, '.tmp')} ${name(to)}`);
      return (real.link as (a: string, b: string) => Promise<void>)(from, to);
    }) as never;
    try {
      await run.lock();
      await run.update({ state: 'cancelled' });
    } finally {
      Object.assign(promises, real);
    }
    const synced = (file: string) => ops.indexOf(`sync ${file}`);
    const jobRename = ops.indexOf('rename .job.json.tmp job.json');
    const lockLink = ops.indexOf('link .lock.tmp lock');
    assert.ok(lockLink >= 0 && jobRename >= 0, ops.join('\n'));
    assert.ok(
      ops.slice(0, lockLink).some((op) => /^sync \.lock\./.test(op)),
      `the lock's text is synced before it gets its name:\n${ops.join('\n')}`,
    );
    assert.ok(
      ops.slice(0, jobRename).some((op) => /^sync \.job\.json\./.test(op)),
      `job.json's text is synced before the rename:\n${ops.join('\n')}`,
    );
    assert.ok(ops.lastIndexOf('sync .') > jobRename, `the folder is synced after the rename:\n${ops.join('\n')}`);
    assert.ok(synced('.') > lockLink);
    await run.close();
    assert.deepEqual(readdirSync(run.dir).sort(), ['job.json'], 'no temp file is left');
    assert.equal((await openRun(root, run.id)).summary.state, 'cancelled');
  });
});

describe('run store: torn lines and failed writes', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 's3ls-torn-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('skips a torn line in the middle of done.jsonl and audit.jsonl, reads its neighbours, and counts it', async () => {
    const run = await createRun(root, SPEC);
    await run.close();
    writeFileSync(run.donePath, `${doneLine('a/1')}\n${doneLine('a/2').slice(0, 15)}\n${doneLine('a/3')}\n`);
    // A torn audit line with a good one glued behind it (what a writer that went on after a failed write left).
    writeFileSync(
      run.auditPath,
      `${JSON.stringify(entry('a/1'))}\n${JSON.stringify(entry('a/4')).slice(0, 30)}${JSON.stringify(entry('a/5'))}\n${JSON.stringify(entry('a/6'))}\n`,
    );
    const opened = await openRun(root, run.id);
    const done = await opened.readDone();
    assert.ok(done.ids.has('a/1') && done.ids.has('a/3'), 'the neighbours of the torn line are done');
    assert.equal(done.ids.has('a/2'), false, 'the torn line’s object is done again');
    assert.equal(done.outcomes.get('tagged'), 2);
    const interrupted = await opened.auditedNotDone(done.ids);
    assert.ok(interrupted.has('a/5') && interrupted.has('a/6') && !interrupted.has('a/1'));
    assert.deepEqual(
      opened.damaged.map((d) => ({ path: d.path, count: d.count, lines: d.lines })),
      [
        { path: run.donePath, count: 1, lines: [2] },
        { path: run.auditPath, count: 1, lines: [2] },
      ],
    );
    assert.match(opened.damaged[0]!.describe(), /1 damaged line skipped in .*done\.jsonl \(line 2\)/);
  });

  it('after a write that fails half way, the next lines start whole and the log reads without error', async () => {
    const run = await createRun(root, SPEC);
    await run.appendAudit(entry('a/1'));
    await run.close();
    // A full disk in the middle of a write: half the text is on disk, then the write fails.
    // The module object itself (not an import's copy), so the run store's own calls go through the faulty open.
    const promises = createRequire(__filename)('node:fs/promises') as { open: typeof fsPromises.open };
    const realOpen = promises.open;
    let failNext = true;
    promises.open = (async (...args: Parameters<typeof fsPromises.open>) => {
      const handle = await realOpen(...args);
      if (args[0] !== run.auditPath || args[1] !== 'a') return handle;
      return new Proxy(handle, {
        get(target, name) {
          if (name === 'appendFile')
            return async (text: string) => {
              if (!failNext) return target.appendFile(text);
              failNext = false;
              await target.appendFile(text.slice(0, Math.floor(text.length / 2)));
              throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
            };
          const value = Reflect.get(target, name) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
    }) as typeof fsPromises.open;
    try {
      const resumed = await openRun(root, run.id);
      await assert.rejects(resumed.appendAudit(entry('a/2')), /ENOSPC/);
      await resumed.appendAudit(entry('a/3'));
      await resumed.appendAudit(entry('a/4'));
      await resumed.close();
    } finally {
      promises.open = realOpen;
    }
    assert.deepEqual(
      (await collect(readAudit(run.auditPath))).map((e) => e.key),
      ['a/1', 'a/3', 'a/4'],
      'the failed line is gone, and no line after it is damaged',
    );
  });
});

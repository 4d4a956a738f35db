// Which access-log files the local engine reads. An analysis reads only the files dated where its
// lines can be (the lookback, a day before it, a week after it for late delivery) and every file
// with no date in its name; a file:// location is walked within bounds, never out of its folder.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { EstateTruth } from '../../src/core/estate/generate';
import { analyzeRetention, type RetentionOptions } from '../../src/app/retentionAnalysis';
import { LocalEngine } from '../../src/engines/local';
import { LogFileSelection, logFileDt } from '../../src/engines/logFileSelection';
import { openLocation, toLocationUri } from '../../src/engines/locations';
import { logFileDays } from '../../src/core/retention/window';
import { TemplateCatalog } from '../../src/sql/catalog';
import { generateInto, listFiles, smallEstateOptions } from './estate/fixture';
import { assertReadOnlyTheWindowsFiles, plantedLogs } from './estate/plantedLogs';

describe('which access-log files an analysis reads (file://)', () => {
  const catalog = TemplateCatalog.load();
  const engines: LocalEngine[] = [];
  const dirs: string[] = [];
  after(async () => {
    for (const e of engines) await e.dispose();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const layout of ['partitioned', 'simple'] as const) {
    it(`${layout} layout: only the files dated in the window (± margin), and those with no date`, async () => {
      const { dir } = await generateInto(smallEstateOptions({ objects: 1500, days: 10, seed: 5, logLayout: layout }));
      dirs.push(dir);
      const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as EstateTruth;
      const logs = join(dir, 'logs');
      const planted = plantedLogs(truth, layout, listFiles(logs)[0]!);
      for (const file of planted.files) {
        mkdirSync(dirname(join(logs, file.key)), { recursive: true });
        writeFileSync(join(logs, file.key), file.text);
      }
      const engine = new LocalEngine({ cacheDir: join(dir, 'cache'), threads: 1 });
      engines.push(engine);
      const options: RetentionOptions = {
        bucket: truth.generator.bucket,
        inventory: join(dir, 'inventory', truth.generator.bucket, 'daily-full', 'hive'),
        logs,
        asOf: truth.window.end,
        windowDays: truth.window.days,
        lookbackDays: truth.window.days,
        exemptGlobs: [],
        keepTag: null,
        maxMissingLogDays: 0,
        allowMissingLogs: false,
        maxMalformedLogLinesPercent: 5,
        region: 'us-east-1',
        priceOverrides: {},
      };
      const report = await analyzeRetention(engine, catalog, options);
      assertReadOnlyTheWindowsFiles(report, planted);
      if (layout === 'partitioned') assert.match(report.notes.join('\n'), /access logs: 1 date folder dated outside/);
      else assert.match(report.notes.join('\n'), /access logs: 1 log file dated outside/);
    });
  }
});

describe('log file dates', () => {
  it('the days an analysis reads: a day before, a week after', () => {
    assert.deepEqual(logFileDays('2026-03-01', '2026-03-31'), { first: '2026/02/28', last: '2026/04/07' });
  });

  it('reads files and folders whose names only look like dates, and files with none', () => {
    const selection = new LogFileSelection({ first: '2026/03/01', last: '2026/03/31' });
    assert.equal(selection.wantsFile('logs/2026-02-27-10-00-00-ABC'), false);
    assert.equal(selection.wantsFile('logs/2026-03-02-10-00-00-ABC'), true);
    assert.equal(selection.wantsFile('logs/2026-02-30-10-00-00-ABC'), true, 'no calendar date');
    assert.equal(selection.wantsFile('logs/a/r/b/2026/02/27/2026-02-27-10-00-00-ABC'), false);
    assert.equal(selection.wantsFile('logs/export.log'), true);
    assert.equal(selection.wantsFolder('logs/a/r/b/2026/02/27/'), false);
    assert.equal(selection.wantsFolder('logs/a/r/b/2026/03/'), true, 'a month with a day in the range');
    assert.equal(selection.wantsFolder('logs/a/r/b/2026/02/'), false);
    assert.equal(selection.wantsFolder('logs/a/r/b/2026/13/'), true, 'no month');
    assert.equal(selection.wantsFolder('logs/a/r/2023/'), true, 'a year is never passed over: a bucket may be named 2023');
    assert.equal(selection.wantsFolder('logs/a/r/2023/2026/03/'), true);
    assert.deepEqual([selection.filesOutside, selection.foldersOutside], [2, 2]);
    assert.equal(logFileDt('logs/a/r/b/2026/02/27/x'), '2026/02/27');
  });
});

describe('walking a file:// location', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 's3ls-walk-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));
  const list = (path: string, limits?: { maxDepth: number; maxEntries: number }, selection?: LogFileSelection) => {
    const { reader, prefix } = openLocation(toLocationUri(path), { cacheDir: join(root, 'cache'), ...(limits ? { folderWalkLimits: limits } : {}) });
    return reader.list(prefix, undefined, selection);
  };

  it('stops past 32 folder levels with an error that says what to do', async () => {
    const deep = join(root, 'deep', ...Array.from({ length: 40 }, (_, i) => `level-${i}`));
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, '2026-03-01-00-00-00-ABC'), 'x\n');
    await assert.rejects(
      list(join(root, 'deep')),
      /has folders more than 32 levels deep .*: give a folder nearer the files \(for access logs the folder S3 delivers/,
    );
  });

  it('stops past its entry bound, and counts only what is under the location', async () => {
    const logs = join(root, 'bounded');
    mkdirSync(join(logs, 'other'), { recursive: true });
    for (let i = 0; i < 60; i++) writeFileSync(join(logs, 'other', `f${i}`), '');
    for (let i = 0; i < 5; i++) writeFileSync(join(logs, `bucket-a-2026-03-0${i + 1}-00-00-00-ABC`), '');
    await assert.rejects(list(`${logs}/`, { maxDepth: 32, maxEntries: 50 }), /holds more than 50 files and folders: give a folder nearer the files/);
    // A simple-layout prefix: the folder beside it is not walked.
    const files = await list(join(logs, 'bucket-a-'), { maxDepth: 32, maxEntries: 50 });
    assert.equal(files.length, 5);
  });

  it('does not follow a symbolic link out of the folder, and says so', async () => {
    const outside = join(root, 'elsewhere');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, '2026-03-01-00-00-00-ABC'), 'x\n');
    const logs = join(root, 'linked');
    mkdirSync(logs, { recursive: true });
    writeFileSync(join(logs, '2026-03-02-00-00-00-ABC'), 'x\n');
    symlinkSync(outside, join(logs, 'to-elsewhere'));
    symlinkSync(join(logs, '2026-03-02-00-00-00-ABC'), join(logs, 'inside-link'));
    const selection = new LogFileSelection();
    const files = await list(`${logs}/`, undefined, selection);
    assert.deepEqual(
      files.map((f) => f.key.slice(f.key.lastIndexOf('/') + 1)),
      ['2026-03-02-00-00-00-ABC'],
    );
    assert.equal(selection.linksNotFollowed, 1);
    assert.match(
      selection.notes(`file://${logs}/`).join('\n'),
      /1 symbolic link under .* leading out of the folder \(or nowhere\) not followed: .*to-elsewhere — copy the logs/,
    );
  });
});

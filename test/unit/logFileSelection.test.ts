// Which access-log files the local engine reads. An analysis reads only the files dated where its
// lines can be (the lookback, a day before it, a week after it for late delivery) and every file
// with no date in its name; a file:// location is walked within bounds, never out of its folder.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { formatAccessLogLine, type AccessLogRecord, type LogLayout } from '../../src/core/accessLog/format';
import type { EstateTruth } from '../../src/core/estate/generate';
import { formatDay, parseDay } from '../../src/core/time';
import { analyzeRetention, type RetentionOptions } from '../../src/app/retentionAnalysis';
import { LocalEngine } from '../../src/engines/local';
import { LogFileSelection, logFileDt } from '../../src/engines/logFileSelection';
import { openLocation, toLocationUri } from '../../src/engines/locations';
import { logFileDays } from '../../src/core/retention/window';
import { TemplateCatalog } from '../../src/sql/catalog';
import { generateInto, listFiles, smallEstateOptions } from './estate/fixture';

const HOUR = 3_600_000;

/** A counted read of `key` at `time`. */
export function readLine(bucket: string, key: string, time: number, id: string): string {
  const record: AccessLogRecord = {
    bucketOwner: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
    bucket,
    time,
    remoteIp: '192.0.2.9',
    requester: 'arn:aws:iam::123456789012:user/reader',
    requestId: id,
    operation: 'REST.GET.OBJECT',
    key,
    request: `GET /${bucket}/x`,
    httpStatus: 200,
    errorCode: null,
    bytesSent: 10,
    objectSize: 10,
    totalTimeMs: 5,
    turnAroundMs: 4,
    referrer: null,
    userAgent: 'curl/8.0',
    versionId: null,
    hostId: 'h',
    signatureVersion: 'SigV4',
    cipherSuite: 'ECDHE-RSA-AES128-GCM-SHA256',
    authType: 'AuthHeader',
    hostHeader: 's3.us-east-1.amazonaws.com',
    tlsVersion: 'TLSv1.2',
    accessPointArn: null,
    aclRequired: null,
    sourceRegion: null,
  };
  return formatAccessLogLine(record);
}

/** Log files planted beside an estate's logs, each holding a read of one of its unused prefixes. */
export interface PlantedLogs {
  /** Keys (relative to the logs folder) and contents. */
  files: { key: string; text: string }[];
  /** Read only in a file dated 40 days before the window (the line itself in the window): must stay unused. */
  readOutside: string;
  /** Read in a file with no date in its name: must count. */
  readUndated: string;
  /** Read on the window's last day, delivered three days later: must count. */
  readLate: string;
  /** Read on the window's first day, in a file dated the day before (the margin): must count. */
  readEarly: string;
}

/**
 * The files, for the estate's layout: `relativeLogKey` is any of its log files' key relative to
 * the logs folder (its account/region/bucket folders, for the partitioned layout).
 */
export function plantedLogs(truth: EstateTruth, layout: LogLayout, relativeLogKey: string): PlantedLogs {
  const unused = truth.unusedPrefixes.map((u) => u.prefix).filter((p) => p !== '');
  assert.ok(unused.length >= 4, 'the estate has four unused prefixes to read');
  const [readOutside, readUndated, readLate, readEarly] = unused as [string, string, string, string];
  const bucket = truth.generator.bucket;
  const start = Date.parse(`${truth.window.start}T00:00:00Z`);
  const end = Date.parse(`${truth.window.end}T00:00:00Z`);
  const day = (offset: number, from: number) => formatDay(parseDay(new Date(from).toISOString().slice(0, 10)) + offset);
  const folder = layout === 'partitioned' ? relativeLogKey.replace(/\d{4}\/\d{2}\/\d{2}\/[^/]+$/, '') : relativeLogKey.replace(/[^/]+$/, '');
  const dated = (date: string, unique: string) =>
    layout === 'partitioned' ? `${folder}${date.replace(/-/g, '/')}/${date}-12-00-00-${unique}` : `${folder}${date}-12-00-00-${unique}`;
  const garbage = 'garbage that no parser can read\n';
  return {
    readOutside,
    readUndated,
    readLate,
    readEarly,
    files: [
      // A file no window line can be in (dated long before it) that holds one anyway, and malformed lines.
      {
        key: dated(day(-40, start), 'PLANTEDOUTSIDE00'),
        text: `${readLine(bucket, `${readOutside}/planted`, start + 12 * HOUR, 'PLANTED-OUT')}\n${garbage}${garbage}`,
      },
      { key: `${folder}manual-export.log`, text: `${readLine(bucket, `${readUndated}/planted`, start + 13 * HOUR, 'PLANTED-UNDATED')}\n${garbage}` },
      { key: dated(day(3, end), 'PLANTEDLATE00000'), text: `${readLine(bucket, `${readLate}/planted`, end + 23 * HOUR, 'PLANTED-LATE')}\n` },
      { key: dated(day(-1, start), 'PLANTEDEARLY0000'), text: `${readLine(bucket, `${readEarly}/planted`, start + HOUR / 6, 'PLANTED-EARLY')}\n` },
    ],
  };
}

/** What the report of an analysis over the planted logs must say. */
export function assertReadOnlyTheWindowsFiles(
  report: { prefixes: { prefix: string }[]; notes: string[]; coverage: { malformed: { lines: number } } },
  planted: PlantedLogs,
): void {
  const unused = new Set(report.prefixes.map((p) => p.prefix));
  const notes = report.notes.join('\n');
  assert.ok(unused.has(planted.readOutside), `the file dated outside the window was not read, so ${planted.readOutside} is unused:\n${notes}`);
  for (const read of [planted.readUndated, planted.readLate, planted.readEarly]) assert.ok(!unused.has(read), `the read of ${read} was seen`);
  // The undated file's malformed line is the only one loaded: the outside file's two were never parsed.
  assert.equal(report.coverage.malformed.lines, 1);
  assert.match(notes, /access logs: \d+ files, \d+ records, 1 malformed line \(/);
  assert.match(notes, /dated outside \d{4}\/\d{2}\/\d{2}…\d{4}\/\d{2}\/\d{2} not read \(the analysed days, with a day before and a week after/);
}

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

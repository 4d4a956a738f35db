// `generate --append-only-data`: the data files an index is built from, read back here with a
// reader of our own (split at the first comma, the timestamp after the key's last '-'), and the
// truth checked against the bytes on disk.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/main';
import { APPEND_ONLY_TRUTH_FILE, DEFAULT_APPEND_ONLY, generateAppendOnlyData, type AppendOnlyTruth } from '../../../src/core/estate/appendOnly';
import { FolderOutput } from '../../../src/core/estate/output';
import { listFiles } from './fixture';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 's3ls-aod-'));
  dirs.push(dir);
  return dir;
}

async function cli(argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), env: {}, signal: new AbortController().signal }, '0.0.0');
  return { code, out, err };
}

interface ReadLine {
  key: string;
  time: number;
  offset: number;
  length: number;
  text: string;
}

/** Every line of a data file with its byte offset; `key`/`time` only for lines that hold a record. */
function readDataFile(bytes: Buffer): { records: ReadLine[]; skipped: number; crlf: boolean } {
  const records: ReadLine[] = [];
  let skipped = 0;
  let crlf = false;
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    let lineEnd = end;
    if (lineEnd > start && bytes[lineEnd - 1] === 0x0d) {
      lineEnd--;
      crlf = true;
    }
    const text = bytes.subarray(start, lineEnd).toString('utf8');
    const comma = text.indexOf(',');
    const key = comma < 0 ? '' : text.slice(0, comma).trim();
    const match = /-(\d{10})$/.exec(key);
    if (match) records.push({ key, time: Number(match[1]), offset: start, length: lineEnd - start, text });
    else skipped++;
    start = end + 1;
  }
  return { records, skipped, crlf };
}

const SMALL = {
  ...DEFAULT_APPEND_ONLY,
  seed: 7,
  bucket: 'example-estate',
  startSeconds: 1_683_828_000,
  files: 12,
  writers: 3,
  linesPerFile: 400,
  samples: 150,
  absent: 40,
  lateFraction: 0.1,
};

describe('append-only data', () => {
  let dir: string;
  let truth: AppendOnlyTruth;
  const files = new Map<string, ReturnType<typeof readDataFile>>();

  before(async () => {
    dir = tempDir();
    truth = await generateAppendOnlyData(SMALL, new FolderOutput(dir));
    for (const f of truth.files) files.set(f.key, readDataFile(readFileSync(join(dir, f.key))));
  });
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('writes the files the truth lists, under the data prefix, and the truth beside them', () => {
    const written = listFiles(dir);
    assert.deepEqual(written.filter((p) => p.startsWith('data/')).sort(), truth.files.map((f) => f.key).sort());
    assert.ok(written.includes(APPEND_ONLY_TRUTH_FILE));
    assert.deepEqual(JSON.parse(readFileSync(join(dir, APPEND_ONLY_TRUTH_FILE), 'utf8')), truth);
    assert.equal(truth.dataUri, 's3://example-estate/data/');
    for (const f of truth.files) assert.equal(readFileSync(join(dir, f.key)).length, f.bytes);
  });

  it('counts records and skipped lines (header, malformed) as a reader of its own finds them', () => {
    let records = 0;
    let skipped = 0;
    for (const f of truth.files) {
      const read = files.get(f.key)!;
      assert.equal(read.records.length, f.records, f.key);
      assert.equal(read.skipped, f.skippedLines, f.key);
      assert.equal(read.crlf, f.lineEnding === 'CRLF', f.key);
      records += read.records.length;
      skipped += read.skipped;
    }
    assert.equal(records, truth.records);
    assert.equal(skipped, truth.skippedLines);
    assert.ok(truth.files.some((f) => f.lineEnding === 'CRLF') && truth.files.some((f) => f.lineEnding === 'LF'));
  });

  it('lets timestamps interleave across files: late records land in earlier windows, and writers share a window', () => {
    let late = 0;
    for (const f of truth.files) {
      const times = files.get(f.key)!.records.map((r) => r.time);
      const early = times.filter((t) => t < f.windowStart).length;
      assert.equal(early, f.lateRecords, f.key);
      assert.ok(
        times.every((t) => t < f.windowStart + SMALL.windowSeconds),
        'never from a later window',
      );
      late += early;
    }
    assert.ok(late > 0);
    assert.equal(late, truth.lateRecords);
    // The seed's case: a file written later holds a key older than some key of a file written earlier.
    const byWindow = [...truth.files].sort((a, b) => a.windowStart - b.windowStart);
    const firstMax = Math.max(...files.get(byWindow[0]!.key)!.records.map((r) => r.time));
    assert.ok(byWindow.slice(SMALL.writers).some((f) => files.get(f.key)!.records.some((r) => r.time < firstMax)));
  });

  it('says exactly where each sampled key is: the bytes at (object, offset, length) are its line', () => {
    assert.ok(truth.samples.length > 50 && truth.samples.length < 300, `${truth.samples.length} samples`);
    for (const s of truth.samples) {
      const bytes = readFileSync(join(dir, s.object))
        .subarray(s.offset, s.offset + s.length)
        .toString('utf8');
      assert.equal(bytes, s.record);
      assert.ok(bytes.startsWith(`${s.key},`));
      assert.ok(files.get(s.object)!.records.some((r) => r.key === s.key && r.offset === s.offset && r.length === s.length));
    }
  });

  it('lists absent keys with valid timestamps that no file holds', () => {
    const present = new Set([...files.values()].flatMap((f) => f.records.map((r) => r.key)));
    assert.equal(truth.absent.length, SMALL.absent);
    for (const key of truth.absent) {
      assert.match(key, /^[0-9a-f-]{36}-\d{10}$/);
      assert.ok(!present.has(key), key);
    }
    const times = truth.absent.map((k) => Number(k.slice(-10)));
    assert.ok(times.some((t) => t >= truth.timeRange.first && t <= truth.timeRange.last));
    assert.ok(times.some((t) => t < truth.timeRange.first));
  });

  it('writes the same bytes for the same seed, and other bytes for another', async () => {
    const again = tempDir();
    await generateAppendOnlyData(SMALL, new FolderOutput(again));
    const other = tempDir();
    await generateAppendOnlyData({ ...SMALL, seed: 8 }, new FolderOutput(other));
    const digest = (root: string) =>
      listFiles(root)
        .map(
          (p) =>
            `${p}:${createHash('sha256')
              .update(readFileSync(join(root, p)))
              .digest('hex')}`,
        )
        .join('\n');
    assert.equal(digest(again), digest(dir));
    assert.notEqual(digest(other), digest(dir));
  });
});

describe('s3-lifecycle generate --append-only-data', () => {
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('adds the data and its truth, and leaves every file of the estate as it is without the flag', async () => {
    const plain = tempDir();
    const withData = tempDir();
    const common = ['--objects', '300', '--days', '2', '--seed', '5', '--format', 'json'];
    assert.equal((await cli(['generate', '--out', plain, ...common])).code, 0);
    const result = await cli([
      'generate',
      '--out',
      withData,
      ...common,
      '--append-only-data',
      '--data-files',
      '5',
      '--data-lines',
      '50',
      '--data-prefix',
      'events/raw/',
    ]);
    assert.equal(result.code, 0, result.err);
    const summary = JSON.parse(result.out);
    assert.deepEqual(
      { dataUri: summary.appendOnly.dataUri, files: summary.appendOnly.files, records: summary.appendOnly.records },
      { dataUri: 's3://example-estate/events/raw/', files: 5, records: 250 },
    );
    const hashes = (root: string, paths: string[]) =>
      paths.map((p) =>
        createHash('sha256')
          .update(readFileSync(join(root, p)))
          .digest('hex'),
      );
    const estate = listFiles(plain);
    assert.deepEqual(
      listFiles(withData).filter((p) => !p.startsWith('events/') && p !== APPEND_ONLY_TRUTH_FILE),
      estate,
    );
    assert.deepEqual(hashes(withData, estate), hashes(plain, estate));
    assert.equal(listFiles(withData).filter((p) => p.startsWith('events/raw/')).length, 5);
    assert.equal('appendOnly' in JSON.parse((await cli(['generate', '--out', tempDir(), ...common])).out), false);
  });

  it('refuses --data-* flags without --append-only-data, and prefixes that would mix with the estate', async () => {
    const missing = await cli(['generate', '--out', tempDir(), '--objects', '10', '--data-files', '3']);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /--data-files needs --append-only-data/);
    const mixed = await cli(['generate', '--out', tempDir(), '--objects', '10', '--append-only-data', '--data-prefix', 'logs/']);
    assert.equal(mixed.code, 2);
    assert.match(mixed.err, /choose another/);
    const late = await cli(['generate', '--out', tempDir(), '--objects', '10', '--append-only-data', '--data-late', '2']);
    assert.equal(late.code, 2);
    assert.match(late.err, /--data-late must be a number from 0 to 1/);
  });
});

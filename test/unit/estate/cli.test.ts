// `s3-lifecycle generate` as a user calls it: options, the Parquet report, the simple log layout,
// and the errors that say what to change.

import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/main';
import { openInMemoryDuckDb } from '../../../src/engines/duckdb';
import { listFiles } from './fixture';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 's3ls-cli-'));
  dirs.push(dir);
  return dir;
}

async function cli(argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), env: {}, signal: new AbortController().signal }, '0.0.0');
  return { code, out, err };
}

describe('s3-lifecycle generate', () => {
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('reports what it wrote, its rate and its peak memory as JSON', async () => {
    const dir = tempDir();
    const { code, out, err } = await cli(['generate', '--out', dir, '--objects', '1500', '--days', '5', '--seed', '3', '--format', 'json']);
    assert.equal(code, 0, err);
    const summary = JSON.parse(out);
    assert.equal(summary.objects, 1500);
    assert.ok(summary.objectsPerSecond > 0);
    assert.ok(summary.peakRssMb > 0);
    assert.ok(summary.logLines > 0);
    assert.equal(summary.upload, null);
    assert.ok(listFiles(dir).includes('truth.json'));
  });

  it('writes the report in Parquet on --inventory-format parquet, keys decoded, typed columns', async () => {
    const dir = tempDir();
    const { code, err } = await cli(['generate', '--out', dir, '--objects', '1200', '--days', '3', '--inventory-format', 'parquet', '--rows-per-file', '500']);
    assert.equal(code, 0, err);
    const manifestPath = listFiles(dir).find((f) => f.endsWith('manifest.json'))!;
    const manifest = JSON.parse(readFileSync(join(dir, manifestPath), 'utf8'));
    assert.equal(manifest.fileFormat, 'Parquet');
    assert.match(manifest.fileSchema, /^message s3\.inventory \{\s+required binary bucket \(STRING\);\s+required binary key \(STRING\);/);
    assert.ok(manifest.files.length >= 2);
    assert.ok(!listFiles(dir).some((f) => f.endsWith('.csv.gz')), 'the CSV files are gone');
    for (const f of manifest.files) {
      assert.match(f.key, /\/data\/[0-9a-f-]{36}\.parquet$/);
      const bytes = readFileSync(join(dir, f.key));
      assert.equal(f.size, bytes.length);
      assert.equal(f.MD5checksum, createHash('md5').update(bytes).digest('hex'));
    }
    const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
    const instance = await openInMemoryDuckDb();
    try {
      const connection = await instance.connect();
      const files = manifest.files.map((f: { key: string }) => `'${join(dir, f.key)}'`).join(', ');
      const reader = await connection.runAndReadAll(
        `SELECT count(*) AS n, count(*) FILTER (WHERE key LIKE '% %') AS spaced, count(*) FILTER (WHERE key LIKE '%\\%20%' ESCAPE '\\') AS encoded,
                typeof(any_value(is_latest)) AS latest_type, typeof(any_value(size)) AS size_type, typeof(any_value(last_modified_date)) AS modified_type
         FROM read_parquet([${files}])`,
      );
      const [row] = reader.getRowObjectsJS();
      const schema = await connection.runAndReadAll(
        `SELECT name, converted_type FROM parquet_schema('${join(dir, manifest.files[0].key)}') WHERE name = 'last_modified_date'`,
      );
      const [modified] = schema.getRowObjectsJS();
      connection.closeSync();
      assert.equal(modified!.converted_type, 'TIMESTAMP_MILLIS', 'millisecond timestamps, as the manifest says');
      assert.match(manifest.fileSchema, /optional int64 last_modified_date \(TIMESTAMP\(MILLIS,false\)\);/);
      assert.equal(Number(row!.n), truth.inventory.versions);
      assert.ok(Number(row!.spaced) > 0, 'keys with spaces, decoded');
      assert.equal(Number(row!.encoded), 0, 'no URL-encoding left in Parquet keys');
      assert.deepEqual([row!.latest_type, row!.size_type, row!.modified_type], ['BOOLEAN', 'BIGINT', 'TIMESTAMP']);
    } finally {
      instance.closeSync();
    }
  });

  it('names log objects in the simple layout on --log-layout simple', async () => {
    const dir = tempDir();
    const { code } = await cli(['generate', '--out', dir, '--objects', '300', '--days', '2', '--log-layout', 'simple']);
    assert.equal(code, 0);
    const logs = listFiles(dir).filter((f) => f.startsWith('logs/'));
    assert.ok(logs.length > 0);
    for (const f of logs) assert.match(f, /^logs\/\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9A-F]{16}$/);
  });

  it('refuses to write into a folder that is not empty, and says so', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'keep.txt'), 'mine');
    const { code, err } = await cli(['generate', '--out', dir, '--objects', '10']);
    assert.equal(code, 1);
    assert.match(err, /is not empty: choose a new folder/);
    assert.equal(readFileSync(join(dir, 'keep.txt'), 'utf8'), 'mine');
  });

  it('exits 2 on bad options with a message that names the option', async () => {
    const cases: [string[], RegExp][] = [
      [['generate'], /--out DIR is required/],
      [['generate', '--out', 'x', '--as-of', '2024-02-30'], /--as-of: "2024-02-30" is not a calendar date/],
      [['generate', '--out', 'x', '--as-of', 'yesterday'], /--as-of: "yesterday" is not a date: write it as YYYY-MM-DD/],
      [['generate', '--out', 'x', '--objects', '0'], /--objects must be a whole number from 1/],
      [['generate', '--out', 'x', '--inventory-format', 'orc'], /--inventory-format must be csv or parquet/],
      [['generate', '--out', 'x', '--log-layout', 'daily'], /--log-layout must be partitioned or simple/],
      [['generate', '--out', 'x', '--bucket', 'Bad_Bucket!'], /--bucket "Bad_Bucket!" is not a valid bucket name/],
    ];
    for (const [argv, message] of cases) {
      const { code, err } = await cli(argv);
      assert.equal(code, 2, argv.join(' '));
      assert.match(err, message);
    }
  });
});

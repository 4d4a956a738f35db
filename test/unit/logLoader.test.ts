// The local engine's access-log loader copies lines into a CSV that DuckDB reads back. Whatever a
// line holds, the loaded row must be exactly the parser's record: these tests load tricky and
// fuzzed lines and compare every column with parseAccessLogText.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { ACCESS_LOG_FIELDS, parseAccessLogText, type ParsedAccessLogRecord } from '../../src/core/accessLog/parser';
import { Random } from '../../src/core/random';
import { openInMemoryDuckDb } from '../../src/engines/duckdb';
import { openLocation, toLocationUri } from '../../src/engines/locations';
import { ACCESS_LOG_COLUMNS, loadAccessLogs } from '../../src/engines/logLoader';
import type { LoadReport } from '../../src/engines/localSources';
import type { ExternalTable } from '../../src/engines/localCompat';
import { generateInto, listFiles, smallEstateOptions } from './estate/fixture';
import { mutateLine } from './mutations';

const BASE =
  'owner1 my-bucket [14/Jul/2023:09:15:02 +0000] 2001:db8::1 arn:aws:iam::123456789012:user/alice ABCDEF0123456789 REST.GET.OBJECT tenant-042/a%20b%2Bc.json "GET /my-bucket/tenant-042/a%20b%2Bc.json?versionId=v1 HTTP/1.1" 206 - 1024 4096 35 12 "https://console.aws.amazon.com/" "aws-cli/2.13.5 Python/3.11.4 Linux/5.15" v1 HOSTID= SigV4 TLS_AES_128_GCM_SHA256 AuthHeader my-bucket.s3.us-east-1.amazonaws.com TLSv1.3 - - us-east-1';

const logTable = (name: string): ExternalTable => ({ name, columns: [], partitions: [], kind: 'accessLog', location: '' });

/** Lines that take the loader off its fast path, each on purpose. */
const TRICKY = [
  BASE,
  // Extra trailing fields: within the spare columns, and beyond them.
  `${BASE} future-1`,
  `${BASE} f1 f2 f3 f4`,
  `${BASE} f1 f2 f3 f4 f5 f6`,
  // An older, shorter line: the missing fields are null.
  BASE.split(' v1 HOSTID=')[0]!,
  // Keys: a plus, an invalid escape (kept as written), a multi-byte escape, raw UTF-8, a quote byte.
  BASE.replace('tenant-042/a%20b%2Bc.json', 'a+b/c+d.txt'),
  BASE.replace('tenant-042/a%20b%2Bc.json', 'bad%zzescape%'),
  BASE.replace('tenant-042/a%20b%2Bc.json', 'caf%C3%A9/na%C3%AFve.csv'),
  BASE.replace('tenant-042/a%20b%2Bc.json', 'raw-café/ü.txt'),
  BASE.replace('tenant-042/a%20b%2Bc.json', 'odd\x01key'),
  BASE.replace('tenant-042/a%20b%2Bc.json', '-'),
  // Quoted fields: empty, with the CSV's quote byte inside, a lone -, non-ASCII text, "-".
  BASE.replace('"https://console.aws.amazon.com/"', '""'),
  BASE.replace('"aws-cli/2.13.5 Python/3.11.4 Linux/5.15"', '"agent \x01 with \x01\x01 quote bytes"'),
  BASE.replace('"https://console.aws.amazon.com/"', '-'),
  BASE.replace('"aws-cli/2.13.5 Python/3.11.4 Linux/5.15"', '"naïve agent ✓"'),
  BASE.replace('"https://console.aws.amazon.com/"', '"-"'),
  // Numbers: long ones (exact below 2^53, rounded above), dashes, zeros.
  BASE.replace(' 1024 4096 ', ' 123456789012345 9007199254740993 '),
  BASE.replace(' 206 - 1024 ', ' 200 - - '),
  BASE.replace(' 35 12 ', ' 0 00012 '),
  // A carriage return inside a field, a NUL, a tab; a key that decodes to a line break.
  BASE.replace('HOSTID=', 'HOST\rID='),
  BASE.replace('HOSTID=', 'HOST\0ID='),
  BASE.replace('SigV4', 'Sig\tV4'),
  BASE.replace('tenant-042/a%20b%2Bc.json', 'two%0Alines%0D.txt'),
  // Time zones other than +0000, and a leap second.
  BASE.replace('+0000]', '-0730]'),
  BASE.replace('09:15:02', '23:59:60'),
  // A token that is a dash followed by more text is not null.
  BASE.replace('AuthHeader', '-x'),
];

describe('loading access logs into the local engine', () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  let scratch: string;

  before(async () => {
    instance = await openInMemoryDuckDb();
    connection = await instance.connect();
    scratch = mkdtempSync(join(tmpdir(), 's3ls-logload-'));
  });
  after(() => {
    connection.closeSync();
    instance.closeSync();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Writes the files under a fresh folder, loads it, and returns the rows in file and line order. */
  const load = async (
    files: Record<string, string | Buffer>,
  ): Promise<{ rows: Record<string, unknown>[]; malformed: Record<string, unknown>[]; report: LoadReport }> => {
    const folder = mkdtempSync(join(scratch, 'logs-'));
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(join(folder, name, '..'), { recursive: true });
      writeFileSync(join(folder, name), content);
    }
    const { reader, prefix } = openLocation(toLocationUri(folder), { cacheDir: scratch });
    const report = await loadAccessLogs(logTable('logs_under_test'), { connection, reader, prefix, progress: () => undefined });
    const columns = ACCESS_LOG_COLUMNS.map((c) => (c.type === 'TIMESTAMP' ? `epoch_ms(${c.name}) AS ${c.name}` : c.name));
    const result = await connection.runAndReadAll(`SELECT ${columns.join(', ')}, dt FROM logs_under_test WHERE malformed IS NULL`);
    const malformed = await connection.runAndReadAll('SELECT malformed, bucket, key, dt FROM logs_under_test WHERE malformed IS NOT NULL ORDER BY malformed');
    return { rows: result.getRowObjectsJS() as Record<string, unknown>[], malformed: malformed.getRowObjectsJS() as Record<string, unknown>[], report };
  };

  /** A loaded row as a parser record: the same field names and JavaScript types. */
  const asRecord = (row: Record<string, unknown>): ParsedAccessLogRecord => {
    const record: Record<string, unknown> = {};
    for (const c of ACCESS_LOG_COLUMNS) {
      const value = row[c.name];
      const field = c.field === 'request_time' ? 'time' : c.field;
      record[field] = typeof value === 'bigint' ? Number(value) : value;
    }
    return record as unknown as ParsedAccessLogRecord;
  };

  const expectSame = (rows: Record<string, unknown>[], records: ParsedAccessLogRecord[]): void => {
    assert.equal(rows.length, records.length, 'one row per record');
    // Rows of one INSERT come back in file order; compare as sorted JSON to stay independent of it.
    const key = (r: ParsedAccessLogRecord) => JSON.stringify(ACCESS_LOG_FIELDS.map((f) => r[f]));
    assert.deepEqual(rows.map((r) => key(asRecord(r))).sort(), records.map(key).sort());
  };

  it('loads every tricky line exactly as the parser reads it', async () => {
    const text = TRICKY.join('\n') + '\n';
    const expected = parseAccessLogText(text);
    assert.deepEqual(expected.malformed, [], 'the tricky lines are all valid');
    const { rows, report } = await load({ '2023/07/14/2023-07-14-09-00-00-AAAA': text });
    expectSame(rows, expected.records);
    assert.equal(report.rows, TRICKY.length);
    assert.deepEqual(new Set(rows.map((r) => r.dt)), new Set(['2023/07/14']));
  });

  it('gives each file the date partition of its path, and keeps malformed lines as rows that say where they are', async () => {
    const { rows, malformed, report } = await load({
      '2023/07/14/2023-07-14-09-00-00-AAAA': `${BASE}\nnot a log line\n${BASE}\n`,
      '2023/07/15/2023-07-15-09-00-00-BBBB': `${BASE.replace('ABCDEF0123456789', 'OTHER')}\r\n`,
      // Cut short after the key: the line is malformed, but which key it names is known.
      '2023/07/15/2023-07-15-10-00-00-CCCC': `${BASE.slice(0, BASE.indexOf(' "GET'))} "GET /my-bucket/tenant-042/a%20b`,
    });
    assert.equal(rows.length, 3);
    assert.deepEqual(rows.map((r) => `${r.dt} ${r.request_id}`).sort(), ['2023/07/14 ABCDEF0123456789', '2023/07/14 ABCDEF0123456789', '2023/07/15 OTHER']);
    assert.match(report.notes.join('\n'), /3 files, 3 records, 2 malformed lines/);
    assert.match(report.notes.join('\n'), /2023-07-14-09-00-00-AAAA:2: /);
    // The file as the location lists it (its path below the reader's root), the line, the reason.
    assert.deepEqual(
      malformed.map((m) => ({ ...m, malformed: String(m.malformed).replace(/^.*\/(2023\/07\/\d\d\/)/, '$1') })),
      [
        { malformed: '2023/07/14/2023-07-14-09-00-00-AAAA:2: the time field does not start with [', bucket: null, key: null, dt: '2023/07/14' },
        {
          malformed: '2023/07/15/2023-07-15-10-00-00-CCCC:1: the request-URI field has no closing quote followed by a status, an error code and four numbers',
          bucket: 'my-bucket',
          key: 'tenant-042/a b c.json',
          dt: '2023/07/15',
        },
      ],
    );
  });

  it('loads mutated lines exactly as the parser reads them, and skips the ones it rejects (fuzz)', async () => {
    const random = new Random(77);
    const junk = ['"', '[', ']', ' ', '-', '%', '+', '\u00e9', '\u2713', '\u0000', '\x01', '9', '/', ':', '%C3', '%zz', '\r', '\t'];
    const lines: string[] = [];
    for (let n = 0; n < 3000; n++) {
      lines.push(mutateLine(random, TRICKY[random.int(TRICKY.length)]!, junk).replace(/\n/g, ' '));
    }
    const text = lines.join('\n') + '\n';
    const expected = parseAccessLogText(text);
    assert.ok(expected.records.length > 1000 && expected.malformed.length > 100, 'the corpus has both outcomes');
    const { rows, malformed, report } = await load({ '2023/07/14/2023-07-14-09-00-00-FUZZ': text });
    expectSame(rows, expected.records);
    // Every malformed line is a row too, with the key the parser could still make out.
    assert.deepEqual(
      malformed.map((m) => `${String(m.malformed).replace(/^[^:]*:(\d+):.*$/s, '$1')} ${m.key ?? '-'}`).sort(),
      expected.malformed.map((m) => `${m.line} ${m.key ?? '-'}`).sort(),
    );
    assert.ok(
      expected.malformed.some((m) => m.key !== undefined) && expected.malformed.some((m) => m.key === undefined),
      'lines with and without a key made out',
    );
    assert.match(report.notes.join('\n'), new RegExp(`${expected.records.length} records, ${expected.malformed.length} malformed lines`));
  });

  it("loads a generated estate's logs, in many batches, to the parser's records", async () => {
    const { dir } = await generateInto(smallEstateOptions({ objects: 2000, days: 7 }));
    try {
      const files = listFiles(join(dir, 'logs'));
      const expected = files.flatMap((f) => parseAccessLogText(readFileSync(join(dir, 'logs', f))).records);
      const { reader, prefix } = openLocation(toLocationUri(join(dir, 'logs')), { cacheDir: scratch });
      const report = await loadAccessLogs(logTable('estate_logs'), { connection, reader, prefix, progress: () => undefined });
      assert.equal(report.rows, expected.length);
      const sum = await connection.runAndReadAll('SELECT count(DISTINCT request_id) AS ids, sum(bytes_sent) AS sent, count(key) AS keys FROM estate_logs');
      const got = sum.getRowObjectsJS()[0]!;
      assert.equal(Number(got.ids), new Set(expected.map((r) => r.request_id)).size);
      assert.equal(
        Number(got.sent),
        expected.reduce((n, r) => n + (r.bytes_sent ?? 0), 0),
      );
      assert.equal(Number(got.keys), expected.filter((r) => r.key !== null).length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

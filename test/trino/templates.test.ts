// The SQL templates' Trino SQL on a real Trino (the engine Athena runs), as a differential test
// against the local engine. Over a generated estate — for an inventory of all versions and one of
// current versions only — the source tables are made on Trino from the estate's own files (the
// stand-ins of sources.ts for the templates' Hive DDL), the templates' typed views are created as
// the product renders them, and then each step of the retention analysis runs on both engines with
// the values the analysis gives it: log coverage, malformed lines, unused prefixes, last access.
// Trino's rows must equal the local engine's, step by step; the unused prefixes also truth.json's.
// The other templates (the expiration manifest's keys, storage per prefix, the deletion
// visualisation's chain) follow over the same tables. A second test writes keys of every character
// class by hand, as S3 encodes them, and checks that both engines decode each to the key itself
// and find the same unread prefixes. (accessLogCorpus.test.ts does the access-log view line by line
// over the real-world corpus.)

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { formatAccessLogLine, type AccessLogRecord } from '../../src/core/accessLog/format';
import { generateEstate, inventoryReportFields, type EstateTruth } from '../../src/core/estate/generate';
import { FolderOutput } from '../../src/core/estate/output';
import { formatDay, parseDay } from '../../src/core/time';
import { DEFAULT_INVENTORY_FIELDS } from '../../src/core/inventory/schema';
import { prefixOfKey } from '../../src/core/prefix';
import { exemptKeyRegex } from '../../src/core/retention/exemptions';
import { accessWindow } from '../../src/core/retention/window';
import { encodeKeyPath, encodeLogKey, encodeS3Key } from '../../src/core/s3keys';
import { collectRows, type LocatedInventoryReport, type QueryValue } from '../../src/engines/engine';
import { LocalEngine } from '../../src/engines/local';
import { toLocationUri } from '../../src/engines/locations';
import { TemplateRunner } from '../../src/engines/runner';
import { TemplateCatalog } from '../../src/sql/catalog';
import { renderTemplate, type SqlTemplate } from '../../src/sql/template';
import { createAccessLogSource, createInventorySource, runRendered, trinoStatements } from './sources';
import { assertSameRows, comparable, fromTrino, withoutColumns, type Table } from './compare';
import { localUri, TrinoClient, trinoEndpoint, trinoScratchDir } from './trino';

const catalog = TemplateCatalog.load();

function template(name: string): SqlTemplate {
  const entry = catalog.get(name);
  if (!entry) throw new Error(`no ${name} template`);
  return entry.template;
}

/** Runs a template on the local engine, with its sources, as the product does. */
async function onLocal(runner: TemplateRunner, name: string, values: Record<string, string>): Promise<Table> {
  const { columns, rows } = await collectRows(await runner.run({ template: template(name), values }));
  return comparable(columns, rows as QueryValue[][]);
}

async function localSql(engine: LocalEngine, sql: string): Promise<Table> {
  const { columns, rows } = await collectRows(await engine.run({ sql }));
  return comparable(columns, rows as QueryValue[][]);
}

/** A schema of its own per test on Trino's hive catalog, dropped afterwards. */
async function freshSchema(purpose: string): Promise<TrinoClient> {
  const schema = `s3ls_${purpose}_${randomBytes(4).toString('hex')}`;
  const trino = new TrinoClient(trinoEndpoint(), { catalog: 'hive', schema });
  await trino.query(`CREATE SCHEMA hive."${schema}"`);
  return trino;
}

async function dropSchema(trino: TrinoClient | undefined): Promise<void> {
  if (!trino) return;
  await trino.query(`DROP SCHEMA IF EXISTS hive."${trino.session.schema}" CASCADE`);
}

/**
 * Makes the inventory's typed view on Trino as Athena gets it: the source table (stand-in) over the
 * report's CSV data files, then inventory_table's own CREATE OR REPLACE VIEW, rendered with the
 * report's format and fileSchema as the runner renders it (TemplateRunner.withInventoryFacts).
 */
async function inventoryViewOnTrino(trino: TrinoClient, report: LocatedInventoryReport, options: { location: string; dataFolder: string }): Promise<string[]> {
  const rendered = renderTemplate(template('inventory_table'), { location: options.location, format: report.fileFormat, schema: report.fileSchema });
  const columns = await createInventorySource(trino, {
    renderedSql: rendered,
    sourceTable: 's3_inventory_source',
    dataLocation: localUri(options.dataFolder),
    dt: report.dt,
  });
  const views = trinoStatements(rendered);
  assert.equal(views.length, 1, 'inventory_table: one statement of Trino SQL, the typed view');
  assert.match(views[0]!, /^CREATE OR REPLACE VIEW "s3_inventory" AS/);
  await trino.query(views[0]!);
  return columns.map((c) => c.name);
}

/** The same for the access logs: the source table (stand-in) over every log file below the folder, then access_log_table's own view. */
async function accessLogViewOnTrino(trino: TrinoClient, logsFolder: string): Promise<void> {
  const rendered = renderTemplate(template('access_log_table'), { location: toLocationUri(logsFolder) });
  const { regex } = await createAccessLogSource(trino, { renderedSql: rendered, sourceTable: 's3_access_logs_source', location: localUri(logsFolder) });
  assert.ok(regex.startsWith('([^ ]*) ([^ ]*) \\[(.*?)\\] '), `the RegexSerDe pattern as Hive reads it: ${regex}`);
  const views = trinoStatements(rendered);
  assert.equal(views.length, 1, 'access_log_table: one statement of Trino SQL, the typed view');
  assert.match(views[0]!, /^CREATE OR REPLACE VIEW "s3_access_logs" AS/);
  await trino.query(views[0]!);
}

/** Runs a template on Trino as the product renders it (the runner renders the same values). */
async function onTrino(trino: TrinoClient, name: string, values: Record<string, string>): Promise<Table> {
  return fromTrino(await runRendered(trino, renderTemplate(template(name), values)));
}

const AS_OF = '2026-10-31';
const WINDOW_DAYS = 30;
const LOOKBACK_DAYS = 90;
/** Log files up to this many days after the window are searched for malformed lines (retention.ts). */
const LATE_DELIVERY_DAYS = 7;

for (const versions of ['all', 'current'] as const) {
  describe(`the templates on Trino equal the local engine's, step by step (inventory of ${versions === 'all' ? 'all versions' : 'current versions only'})`, () => {
    const bucket = 'trino-estate';
    let dir: string;
    let truth: EstateTruth;
    let trino: TrinoClient | undefined;
    let local: LocalEngine;
    let runner: TemplateRunner;
    let report: LocatedInventoryReport;
    let inventoryColumns: string[];
    const hiveFolder = () => join(dir, 'inventory', bucket, 'daily-full', 'hive');
    const logsFolder = () => join(dir, 'logs');
    const window = accessWindow(AS_OF, WINDOW_DAYS);
    // The values analyzeRetention gives each step (src/engines/retention.ts).
    const common = { bucket, as_of: AS_OF };
    const stepValues = () => ({
      log_coverage: { ...common, days: String(WINDOW_DAYS) },
      malformed_log_lines: { bucket, first_day: window.start.replace(/-/g, '/'), last_day: formatDay(parseDay(AS_OF) + LATE_DELIVERY_DAYS).replace(/-/g, '/') },
      unused_prefixes: {
        ...common,
        inventory_dt: report.dt,
        days: String(WINDOW_DAYS),
        exempt_key_regex: exemptKeyRegex(['**/_SUCCESS', 'tenant-00[13]/**/*.json']),
      },
      access_by_prefix: { ...common, days: String(LOOKBACK_DAYS) },
    });

    before(async () => {
      dir = trinoScratchDir(`estate-${versions}-`);
      await generateEstate(
        {
          objects: 1500,
          seed: 41,
          asOfDay: parseDay(AS_OF),
          days: 60,
          bucket,
          inventoryBucket: `${bucket}-inventory`,
          logsBucket: `${bucket}-logs`,
          logLayout: 'partitioned',
          region: 'us-east-1',
          rowsPerInventoryFile: 1000,
          inventoryVersions: versions,
          inventoryFields: inventoryReportFields(versions, DEFAULT_INVENTORY_FIELDS.slice(5)),
        },
        new FolderOutput(dir),
      );
      truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as EstateTruth;
      local = new LocalEngine({ cacheDir: join(dir, 'cache'), threads: 2 });
      runner = new TemplateRunner(catalog, local, { inventory: hiveFolder(), logs: logsFolder() });
      report = await local.inventoryReport(toLocationUri(hiveFolder()));
      trino = await freshSchema(versions);
    });
    after(async () => {
      await dropSchema(trino);
      await local?.dispose();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('makes the typed views on both engines: the inventory view holds the same rows', async () => {
      assert.equal(truth.inventory.listsVersions, versions);
      assert.equal(report.fileFormat, 'CSV');
      // Trino: the stand-in source tables, then the templates' own views.
      inventoryColumns = await inventoryViewOnTrino(trino!, report, {
        location: toLocationUri(hiveFolder()),
        dataFolder: join(dir, 'inventory', bucket, 'daily-full', 'data'),
      });
      // The template's column list is the report's fileSchema, in its order.
      assert.equal(inventoryColumns.length, truth.inventory.fields.length);
      await accessLogViewOnTrino(trino!, logsFolder());
      // The local engine: the same two templates through the runner, which loads the files.
      await collectRows(await runner.run({ template: template('inventory_table'), values: { location: toLocationUri(hiveFolder()) } }));
      await collectRows(await runner.run({ template: template('access_log_table'), values: { location: toLocationUri(logsFolder()) } }));

      const query = 'SELECT * FROM s3_inventory';
      const [onT, onL] = [fromTrino(await trino!.query(query)), await localSql(local, query)];
      assert.equal(onT.rows.length, truth.inventory.versions, 'every row of the report');
      assert.deepEqual(onT.columns, onL.columns);
      // Every column but is_multipart_uploaded, which the next test holds to the same answer on its own.
      assertSameRows(withoutColumns(onT, ['is_multipart_uploaded']), withoutColumns(onL, ['is_multipart_uploaded']), 's3_inventory');
    });

    // A delete marker's row has an empty IsMultipartUploaded field (""): Trino (like Athena's
    // OpenCSVSerde) reads it as '', the local engine as NULL; the view's NULLIF makes both NULL.
    it("the inventory view's is_multipart_uploaded is the same on both engines, delete markers included", async () => {
      const query = 'SELECT key, version_id, is_delete_marker, is_multipart_uploaded FROM s3_inventory';
      assertSameRows(fromTrino(await trino!.query(query)), await localSql(local, query), 's3_inventory.is_multipart_uploaded');
    });

    it('the access-log view holds the same rows', async () => {
      const query = 'SELECT * FROM s3_access_logs';
      const [onT, onL] = [fromTrino(await trino!.query(query)), await localSql(local, query)];
      assert.ok(onT.rows.length > 4000, `${onT.rows.length} log lines`);
      assertSameRows(onT, onL, 's3_access_logs');
    });

    for (const step of ['log_coverage', 'malformed_log_lines', 'unused_prefixes', 'access_by_prefix'] as const) {
      it(`${step}: the same rows`, async () => {
        const values = stepValues()[step];
        const onT = await onTrino(trino!, step, values);
        const onL = await onLocal(runner, step, values);
        assertSameRows(onT, onL, step);
        if (step === 'log_coverage') assert.equal(onT.rows.length, WINDOW_DAYS, 'a day of logs for every day of the window');
        if (step === 'unused_prefixes') assert.ok(onT.rows.length > 5, `${onT.rows.length} unused prefixes`);
        if (step === 'access_by_prefix') assert.ok(onT.rows.length > 5, `${onT.rows.length} prefixes read`);
      });
    }

    it("unused_prefixes over truth.json's own window equals truth.json on both engines", async () => {
      const values = { ...common, inventory_dt: report.dt, as_of: truth.window.end, days: String(truth.window.days), exempt_key_regex: '' };
      const onT = await onTrino(trino!, 'unused_prefixes', values);
      const onL = await onLocal(runner, 'unused_prefixes', values);
      assertSameRows(onT, onL, 'unused_prefixes');
      const column = (name: string) => onT.columns.indexOf(name);
      const found = onT.rows.map((r) => ({ prefix: r[column('prefix')], objects: r[column('objects')], bytes: r[column('bytes')] }));
      const expected = truth.unusedPrefixes
        .map((u) => ({ prefix: u.prefix, objects: u.objects, bytes: u.bytes }))
        .sort((a, b) => (a.prefix < b.prefix ? -1 : 1));
      assert.ok(expected.length > 5);
      assert.deepEqual(
        found.sort((a, b) => (String(a.prefix) < String(b.prefix) ? -1 : 1)),
        expected,
      );
    });

    // The other templates, in the order each makes what the next reads: the expiration manifest's
    // keys (over the unused_prefixes table just made, truth.json's window), storage per prefix, and
    // the deletion visualisation's chain from the inventory's keys and the lifecycle's log lines.
    const others: [string, () => Record<string, string>, string?][] = [
      ['unused_prefix_keys', () => ({ ...common, inventory_dt: report.dt, days: String(truth.window.days) })],
      ['storage_by_prefix', () => ({ bucket, inventory_dt: report.dt })],
      ['keys_with_prefix', () => ({ bucket, inventory_dt: report.dt })],
      ['key_prefix_segment', () => ({})],
      ['ordered_segment_intervals', () => ({})],
      ['lifecycle_events', () => ({ bucket })],
      ['grouped_events', () => ({})],
      // As the deletion player runs it: per minute, only the events after the inventory report.
      [
        'grouped_events',
        () => ({ bucket_size: 'minute', since: `${report.dt.slice(0, 10)} ${report.dt.slice(11, 13)}:${report.dt.slice(14, 16)}:00` }),
        'per minute, from the inventory report on',
      ],
    ];
    for (const [name, valuesOf, label] of others) {
      it(`${name}${label ? ` (${label})` : ''}: the same rows`, async () => {
        const values = valuesOf();
        const onT = await onTrino(trino!, name, values);
        assertSameRows(onT, await onLocal(runner, name, values), name);
        assert.ok(onT.rows.length > 0, `${name}: some rows`);
      });
    }
  });
}

/** One key per character class, each under a prefix of its own (the prefix holds the class too). */
const KEYS: Record<string, string> = {
  space: 'photos/Summer Trip/a b.jpg',
  plus: 'math/1+1/a+b.txt',
  percent: 'reports/100%/done 50%.csv',
  doubleSlash: 'deep//double/slash/x.txt',
  trailingSlash: 'folders/marker/',
  trailingSlashRead: 'markers/seen/',
  unicode: 'café ✓/naïve 🚀/é.md',
  equals: 'warehouse/dt=2024-01-01/part=0.parquet',
  ampersand: 'search/q&a/r&d.json',
  encodedLooking: 'already/%2520not-an-escape/%41.txt',
};
/** Not read in the window: only these keys' prefixes are unused. */
const UNREAD = ['percent', 'unicode', 'trailingSlash'];

const KEY_BUCKET = 'char-classes';
const READ_DAY = '2026-09-15';

function hash(text: string): number {
  let h = 0;
  for (const c of text) h = (Math.imul(h, 31) + c.codePointAt(0)!) | 0;
  return h;
}

/** An access-log line for `key`, its key field encoded as S3 writes it for the operation. */
function logLine(key: string, operation: string, day: string): string {
  const record: AccessLogRecord = {
    bucketOwner: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
    bucket: KEY_BUCKET,
    time: Date.parse(`${day}T10:00:00Z`),
    remoteIp: '192.0.2.10',
    requester: operation.startsWith('S3.') ? 'AmazonS3' : 'arn:aws:iam::123456789012:user/reader',
    requestId: `R${Math.abs(hash(key + operation + day))
      .toString(16)
      .toUpperCase()
      .padStart(15, '0')}`,
    operation,
    key,
    request: operation.startsWith('S3.') ? null : `GET /${KEY_BUCKET}/${encodeKeyPath(key)}`,
    httpStatus: operation.startsWith('S3.') ? null : 200,
    errorCode: null,
    bytesSent: 10,
    objectSize: 10,
    totalTimeMs: 5,
    turnAroundMs: 4,
    referrer: null,
    userAgent: 'aws-cli/2.15.0',
    versionId: null,
    hostId: 'HOSTID=',
    signatureVersion: 'SigV4',
    cipherSuite: 'TLS_AES_128_GCM_SHA256',
    authType: 'AuthHeader',
    hostHeader: `${KEY_BUCKET}.s3.us-east-1.amazonaws.com`,
    tlsVersion: 'TLSv1.3',
    accessPointArn: null,
    aclRequired: null,
    sourceRegion: null,
  };
  const line = formatAccessLogLine(record);
  // The line's key field is the one S3 writes (formatAccessLogLine encodes it the same way: checked here).
  const field = line.split(' ')[8];
  assert.equal(field, encodeLogKey(key, operation), `the key field of ${operation} ${key}`);
  return line;
}

describe('keys of every character class decode to the key itself on Trino, as on the local engine', () => {
  let dir: string;
  let trino: TrinoClient | undefined;
  let local: LocalEngine;
  let runner: TemplateRunner;
  const configFolder = () => join(dir, 'inventory', KEY_BUCKET, 'config');
  const logsFolder = () => join(dir, 'logs');
  const values = { bucket: KEY_BUCKET, as_of: '2026-09-30', days: '30', exempt_key_regex: '' };

  before(async () => {
    dir = trinoScratchDir('key-classes-');
    // The inventory: a report of current versions, every key encoded once (encodeS3Key), as S3 writes a CSV report.
    mkdirSync(join(configFolder(), '2026-10-01T01-00Z'), { recursive: true });
    mkdirSync(join(configFolder(), 'data'), { recursive: true });
    const rows = Object.values(KEYS).map((key) => `"${KEY_BUCKET}","${encodeS3Key(key)}","10","2025-01-01T00:00:00.000Z","STANDARD"\n`);
    writeFileSync(join(configFolder(), 'data', 'part.csv.gz'), gzipSync(rows.join('')));
    writeFileSync(
      join(configFolder(), '2026-10-01T01-00Z', 'manifest.json'),
      JSON.stringify({
        sourceBucket: KEY_BUCKET,
        fileFormat: 'CSV',
        fileSchema: 'Bucket, Key, Size, LastModifiedDate, StorageClass',
        files: [{ key: `inventory/${KEY_BUCKET}/config/data/part.csv.gz`, size: 0, MD5checksum: '' }],
      }),
    );
    // The logs (PartitionedPrefix layout): every day of September a line of S3's own work
    // (S3.EXPIRE.OBJECT, its key encoded once); on the 15th, reads (GET, HEAD, website; keys
    // encoded twice) of every key but the unread ones.
    const unread = new Set(UNREAD.map((name) => KEYS[name]!));
    for (let day = 1; day <= 30; day++) {
      const date = `2026-09-${String(day).padStart(2, '0')}`;
      const lines = [logLine(KEYS.doubleSlash!, 'S3.EXPIRE.OBJECT', date), logLine(KEYS.unicode!, 'S3.EXPIRE.OBJECT', date)];
      if (date === READ_DAY) {
        const operations = ['REST.GET.OBJECT', 'REST.HEAD.OBJECT', 'WEBSITE.GET.OBJECT'];
        Object.values(KEYS)
          .filter((key) => !unread.has(key))
          .forEach((key, i) => lines.push(logLine(key, operations[i % operations.length]!, date)));
      }
      const folder = join(logsFolder(), '123456789012', 'us-east-1', KEY_BUCKET, ...date.split('-'));
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, `${date}-10-00-00-0123456789ABCDEF`), lines.join('\n') + '\n');
    }
    local = new LocalEngine({ cacheDir: join(dir, 'cache'), threads: 1 });
    runner = new TemplateRunner(catalog, local, { inventory: configFolder(), logs: logsFolder() });
    trino = await freshSchema('keys');
    const report = await local.inventoryReport(toLocationUri(configFolder()));
    await inventoryViewOnTrino(trino, report, { location: toLocationUri(configFolder()), dataFolder: join(configFolder(), 'data') });
    await accessLogViewOnTrino(trino, logsFolder());
    await collectRows(await runner.run({ template: template('inventory_table'), values: { location: toLocationUri(configFolder()) } }));
    await collectRows(await runner.run({ template: template('access_log_table'), values: { location: toLocationUri(logsFolder()) } }));
  });
  after(async () => {
    await dropSchema(trino);
    await local?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the inventory view decodes every key (written once-encoded) to the key itself', async () => {
    const query = 'SELECT key FROM s3_inventory';
    const keys = (await trino!.query(query)).rows.map((r) => String(r[0]));
    assert.deepEqual(keys.sort(), Object.values(KEYS).sort());
    assert.deepEqual((await localSql(local, query)).rows.map((r) => String(r[0])).sort(), Object.values(KEYS).sort());
  });

  it('the access-log view decodes every key field (twice-encoded requests, once-encoded S3 operations) to the key itself', async () => {
    const query = 'SELECT DISTINCT operation, key FROM s3_access_logs';
    const onT = fromTrino(await trino!.query(query));
    const read = Object.values(KEYS).filter((k) => !UNREAD.some((name) => KEYS[name] === k));
    const operations = ['REST.GET.OBJECT', 'REST.HEAD.OBJECT', 'WEBSITE.GET.OBJECT'];
    const expected = [
      ['S3.EXPIRE.OBJECT', KEYS.doubleSlash!],
      ['S3.EXPIRE.OBJECT', KEYS.unicode!],
      ...read.map((key, i) => [operations[i % operations.length]!, key]),
    ].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    assert.deepEqual(onT.rows, expected);
    assert.deepEqual((await localSql(local, query)).rows, expected);
  });

  it('unused_prefixes lists exactly the prefixes that were not read, on both engines', async () => {
    const onT = await onTrino(trino!, 'unused_prefixes', values);
    const onL = await onLocal(runner, 'unused_prefixes', values);
    const expected = UNREAD.map((name) => prefixOfKey(KEYS[name]!)).sort();
    assert.deepEqual(onT.rows.map((r) => String(r[0])).sort(), expected);
    assert.deepEqual(onT, onL);
  });

  it('keys_with_prefix cuts the keys into the same segments on both engines, by characters and by path', async () => {
    // Both cut 'café ✓/naïve 🚀/é.md' just after the emoji: 14 characters (the emoji is one
    // character, two UTF-16 units), or two path segments.
    const segmentings: Record<string, string>[] = [
      { segment_by: 'characters', prefix_length: '14' },
      { segment_by: 'path', path_depth: '2' },
    ];
    for (const segmenting of segmentings) {
      const onT = await onTrino(trino!, 'keys_with_prefix', segmenting);
      assertSameRows(onT, await onLocal(runner, 'keys_with_prefix', segmenting), `keys_with_prefix ${JSON.stringify(segmenting)}`);
      const query = 'SELECT segment_prefix, key FROM keys_with_prefix';
      assertSameRows(fromTrino(await trino!.query(query)), await localSql(local, query), `the keys_with_prefix table ${JSON.stringify(segmenting)}`);
      const unicode = `SELECT segment_prefix FROM keys_with_prefix WHERE key = '${KEYS.unicode!}'`;
      assert.deepEqual((await trino!.query(unicode)).rows, [['café ✓/naïve 🚀']], JSON.stringify(segmenting));
    }
  });

  it('access_by_prefix finds the same reads of the same prefixes on both engines', async () => {
    const onT = await onTrino(trino!, 'access_by_prefix', { bucket: KEY_BUCKET, as_of: '2026-09-30', days: '30' });
    const onL = await onLocal(runner, 'access_by_prefix', { bucket: KEY_BUCKET, as_of: '2026-09-30', days: '30' });
    const read = Object.entries(KEYS)
      .filter(([name]) => !UNREAD.includes(name))
      .map(([, key]) => prefixOfKey(key))
      .sort();
    assert.deepEqual(onT.rows.map((r) => String(r[0])).sort(), read);
    assert.deepEqual(onT, onL);
  });
});

// Every built-in template on the local engine over a generated estate; the retention templates'
// results must equal the generator's truth.json.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectRows, QueryCancelledError, QueryFailedError, type QueryValue } from '../../src/engines/engine';
import { LocalEngine } from '../../src/engines/local';
import { TemplateRunner, type RunSources } from '../../src/engines/runner';
import { findInventoryReport } from '../../src/engines/localSources';
import { openLocation, toLocationUri } from '../../src/engines/locations';
import { TemplateCatalog } from '../../src/sql/catalog';
import type { EstateTruth } from '../../src/core/estate/generate';
import { generateInto, smallEstateOptions } from './estate/fixture';

type Row = Record<string, QueryValue>;

describe('the local engine over a generated estate', () => {
  let dir: string;
  let cacheDir: string;
  let truth: EstateTruth;
  let engine: LocalEngine;
  let runner: TemplateRunner;
  const catalog = TemplateCatalog.load();
  let asOf: string;

  const query = async (name: string, values: Record<string, string> = {}): Promise<Row[]> => {
    const result = await runner.run({ template: catalog.resolve(name).template, values });
    const { columns, rows } = await collectRows(result);
    return rows.map((r) => Object.fromEntries(columns.map((c, i) => [c.name, r[i]!])));
  };

  /** A run on an engine of its own (nothing loaded yet), with a scratch folder removed afterwards. */
  const isolated = async (fn: (scratch: string, runnerFor: (sources: RunSources) => TemplateRunner) => Promise<void>): Promise<void> => {
    const scratch = mkdtempSync(join(tmpdir(), 's3ls-isolated-'));
    const fresh = new LocalEngine({ cacheDir, threads: 1 });
    try {
      await fn(scratch, (sources) => new TemplateRunner(catalog, fresh, sources));
    } finally {
      await fresh.dispose();
      rmSync(scratch, { recursive: true, force: true });
    }
  };

  before(async () => {
    ({ dir } = await generateInto(smallEstateOptions({ objects: 3000, days: 14 })));
    truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as EstateTruth;
    asOf = truth.window.end;
    cacheDir = mkdtempSync(join(tmpdir(), 's3ls-cache-'));
    engine = new LocalEngine({ cacheDir, threads: 2 });
    runner = new TemplateRunner(catalog, engine, {
      inventory: join(dir, 'inventory', truth.generator.bucket, 'daily-full', 'hive'),
      logs: join(dir, 'logs'),
    });
  });
  after(async () => {
    await engine.dispose();
    rmSync(dir, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('finds exactly the unused prefixes of truth.json, with their objects, bytes, classes and newest date', async () => {
    const rows = await query('unused_prefixes', { as_of: asOf, days: String(truth.window.days) });
    assert.equal(rows.length, truth.unusedPrefixes.length);
    assert.deepEqual(
      rows.map((r) => ({ prefix: r.prefix, objects: r.objects, bytes: r.bytes, classes: r.storage_classes, newest: r.newest_last_modified })),
      truth.unusedPrefixes.map((u) => ({
        prefix: u.prefix,
        objects: u.objects,
        bytes: u.bytes,
        classes: Object.keys(u.storageClasses).sort().join(','),
        newest: u.newestLastModified,
      })),
    );
  });

  it('lists the keys under the unused prefixes: every eligible object, none exempt', async () => {
    const rows = await query('unused_prefix_keys', { as_of: asOf, days: String(truth.window.days) });
    assert.equal(rows.length, truth.summary.unusedObjects);
    const exempt = new Set(truth.exempt.map((e) => e.key));
    assert.ok(rows.every((r) => !exempt.has(String(r.key))));
    assert.deepEqual(Object.keys(rows[0]!), ['bucket', 'key', 'version_id']);
  });

  it('counts reads per prefix as truth.json does (distinct request ids, counted operations only)', async () => {
    const rows = await query('access_by_prefix', { as_of: asOf, days: String(truth.window.days) });
    const readOnce = rows.filter((r) => r.reads === 1).map((r) => ({ prefix: r.prefix, lastAccess: r.last_access }));
    // Access logs carry whole seconds; the generator's truth keeps the milliseconds it drew.
    assert.deepEqual(
      readOnce,
      truth.readOnce.map((r) => ({ prefix: r.prefix, lastAccess: r.lastAccess.replace(/\.\d{3}Z$/, '.000Z') })),
    );
    const unused = new Set(truth.unusedPrefixes.map((u) => u.prefix));
    assert.ok(
      rows.every((r) => !unused.has(String(r.prefix))),
      'an unused prefix has no read',
    );
  });

  it('keeps objects out when the user exempts them by regular expression', async () => {
    const first = truth.unusedPrefixes[0]!.prefix;
    const pattern = `^${first.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`;
    const rows = await query('unused_prefixes', { as_of: asOf, days: String(truth.window.days), exempt_key_regex: pattern });
    assert.equal(rows.length, truth.unusedPrefixes.length - 1);
    assert.ok(!rows.some((r) => r.prefix === first));
  });

  it('sums storage per prefix and class to the inventory totals', async () => {
    const rows = await query('storage_by_prefix');
    assert.equal(
      rows.reduce((n, r) => n + Number(r.objects), 0),
      truth.inventory.currentObjects,
    );
    assert.equal(
      rows.reduce((n, r) => n + Number(r.objects) + Number(r.noncurrent_versions), 0),
      truth.inventory.versions - truth.inventory.deleteMarkers,
    );
  });

  it('builds the segmentation chain: keys, dense segments, intervals that cover every key once', async () => {
    const keys = await query('keys_with_prefix');
    const segments = await query('key_prefix_segment');
    const intervals = await query('ordered_segment_intervals');
    const totalKeys = keys.reduce((n, r) => n + Number(r.keys), 0);
    assert.equal(segments.length, keys.length, 'one segment per segment prefix');
    assert.deepEqual(
      segments.map((s) => s.segment),
      segments.map((_s, i) => i + 1),
      'segments are dense from 1',
    );
    assert.deepEqual(
      intervals.map((r) => r.keys),
      segments.map((s) => s.keys),
    );
    const last = intervals.at(-1)!;
    assert.equal(Number(last.first_pixel) + Number(last.keys), totalKeys, 'intervals tile the image');
    assert.equal(intervals[0]!.first_pixel, 0);
    // Each interval names its prefix and its first and last keys, which hold its first and last pixel.
    assert.deepEqual(
      intervals.map((r) => r.segment_prefix),
      keys.map((k) => k.segment_prefix),
    );
    assert.deepEqual(
      intervals.map((r) => r.first_key),
      segments.map((s) => s.first_key),
    );
    const lastKeys = await engine.run({
      sql: 'SELECT segment, key FROM key_prefix_segment WHERE segment_index = (SELECT max(segment_index) FROM key_prefix_segment k WHERE k.segment = key_prefix_segment.segment) ORDER BY segment',
    });
    assert.deepEqual(
      intervals.map((r) => r.last_key),
      (await collectRows(lastKeys)).rows.map((r) => r[1]),
    );
    assert.ok(intervals.every((r) => String(r.first_key).startsWith(String(r.segment_prefix)) && String(r.last_key) >= String(r.first_key)));
  });

  it("classifies and groups the lifecycle events per hour exactly as truth.json's timeline moves", async () => {
    const summary = await query('lifecycle_events');
    const deletion = summary.filter((r) => r.kind !== 'transition');
    assert.equal(
      deletion.reduce((n, r) => n + Number(r.events), 0),
      truth.lifecycle.events,
      'one row per request: the lines delivered twice are counted once',
    );
    assert.deepEqual(
      summary.map((r) => [r.kind, r.operation]),
      [
        ['delete_marker', 'S3.CREATE.DELETEMARKER'],
        ['expire_marker', 'S3.EXPIRE.OBJECT'],
        ['expire_version', 'S3.EXPIRE.OBJECT'],
        ['transition', 'S3.TRANSITION_SIA.OBJECT'],
      ],
      'transitions are lifecycle events too',
    );
    // The estate's transitions happened in the weeks before the inventory snapshot, which already shows them.
    const report = await engine.inventoryReport(toLocationUri(join(dir, 'inventory', truth.generator.bucket, 'daily-full', 'hive')));
    const snapshot = `${report.dt.slice(0, 10)} ${report.dt.slice(11, 13)}:${report.dt.slice(14, 16)}:00`;
    const transitions = summary.find((r) => r.kind === 'transition')!;
    assert.ok(String(transitions.last_event) < `${snapshot.replace(' ', 'T')}.000Z`, `${String(transitions.last_event)} before ${snapshot}`);
    assert.ok(deletion.every((r) => String(r.first_event) > `${snapshot.replace(' ', 'T')}.000Z`));
    const grouped = await query('grouped_events', { bucket_size: 'hour', since: snapshot });
    assert.deepEqual(Object.keys(grouped[0]!), ['time_bucket', 'kind', 'segment', 'indexes']);
    // Per hour: the objects that got their marker, lost their data versions, lost their marker.
    const perHour = new Map<string, { marked: number; expiredObjects: Set<string>; unmarked: number }>();
    for (const g of grouped) {
      const hour = String(g.time_bucket);
      const entry = perHour.get(hour) ?? { marked: 0, expiredObjects: new Set<string>(), unmarked: 0 };
      const indexes = g.indexes as number[];
      assert.deepEqual(
        indexes,
        [...indexes].sort((a, b) => a - b),
        'indexes are ordered',
      );
      if (g.kind === 'delete_marker') entry.marked += indexes.length;
      else if (g.kind === 'expire_marker') entry.unmarked += indexes.length;
      else if (g.kind === 'expire_version') for (const i of indexes) entry.expiredObjects.add(`${String(g.segment)}:${i}`);
      else assert.fail(`an event of kind ${String(g.kind)}`);
      perHour.set(hour, entry);
    }
    let previous = { deleteMarked: 0, noncurrentExpired: 0, gone: 0 };
    for (const bucket of truth.lifecycle.timeline) {
      const moved = perHour.get(bucket.bucket) ?? { marked: 0, expiredObjects: new Set(), unmarked: 0 };
      const reached = (b: typeof previous) => ({ marked: b.deleteMarked + b.noncurrentExpired + b.gone, expired: b.noncurrentExpired + b.gone, gone: b.gone });
      const [now, before] = [reached(bucket), reached(previous)];
      assert.equal(moved.marked, now.marked - before.marked, `delete markers in hour ${bucket.bucket}`);
      assert.equal(moved.expiredObjects.size, now.expired - before.expired, `objects whose versions expired in hour ${bucket.bucket}`);
      assert.equal(moved.unmarked, now.gone - before.gone, `markers removed in hour ${bucket.bucket}`);
      previous = bucket;
    }
    const hours = new Set(truth.lifecycle.timeline.map((b) => b.bucket));
    assert.deepEqual(
      [...perHour.keys()].filter((h) => !hours.has(h)),
      [],
      'every event falls in the timeline',
    );
  });

  it('reports malformed log lines and the sources it loaded in the statistics', () =>
    isolated(async (_scratch, runnerFor) => {
      const { statistics } = await collectRows(await runnerFor({ logs: join(dir, 'logs') }).run({ template: catalog.resolve('lifecycle_events').template }));
      assert.match(statistics.notes.join('\n'), /access logs: \d+ files, \d+ records, 0 malformed lines/);
      assert.ok(statistics.bytesScanned > 0);
    }));

  it('reads a Parquet inventory report to the same unused prefixes', () =>
    isolated(async (parquetDir, runnerFor) => {
      execFileSync(
        process.execPath,
        [
          join(__dirname, '..', '..', '..', 'dist', 'cli.js'),
          'generate',
          '--out',
          join(parquetDir, 'estate'),
          '--objects',
          '1200',
          '--seed',
          '5',
          '--inventory-format',
          'parquet',
        ],
        { stdio: 'ignore' },
      );
      const estate = join(parquetDir, 'estate');
      const parquetTruth = JSON.parse(readFileSync(join(estate, 'truth.json'), 'utf8')) as EstateTruth;
      assert.equal(parquetTruth.inventory.fileFormat, 'Parquet');
      const runner = runnerFor({ inventory: join(estate, 'inventory', parquetTruth.generator.bucket, 'daily-full'), logs: join(estate, 'logs') });
      const { rows, statistics } = await collectRows(
        await runner.run({ template: catalog.resolve('unused_prefixes').template, values: { as_of: parquetTruth.window.end } }),
      );
      assert.deepEqual(
        rows.map((r) => [r[0], r[1], r[2]]),
        parquetTruth.unusedPrefixes.map((u) => [u.prefix, u.objects, u.bytes]),
      );
      assert.match(statistics.notes.join('\n'), /\(Parquet, dt /);
    }));

  it('refuses an ORC report with a message that suggests Athena', () =>
    isolated(async (orcDir, runnerFor) => {
      const folder = join(orcDir, 'inv', 'src-bucket', 'cfg', '2026-10-01T01-00Z');
      mkdirSync(folder, { recursive: true });
      writeFileSync(
        join(folder, 'manifest.json'),
        JSON.stringify({
          sourceBucket: 'src-bucket',
          destinationBucket: 'arn:aws:s3:::inv',
          version: '2016-11-30',
          fileFormat: 'ORC',
          fileSchema: 'struct<bucket:string,key:string>',
          files: [{ key: 'inv/src-bucket/cfg/data/a.orc', size: 1, MD5checksum: '' }],
        }),
      );
      const runner = runnerFor({ inventory: join(orcDir, 'inv', 'src-bucket', 'cfg') });
      await assert.rejects(runner.run({ template: catalog.resolve('storage_by_prefix').template }).then(collectRows), /cannot read ORC.*Athena/);
    }));

  it('counts and reports malformed log lines with file and line, and keeps the good ones', () =>
    isolated(async (logsDir, runnerFor) => {
      const good = readFileSync(
        join(
          dir,
          'logs',
          readdirSync(join(dir, 'logs'), { recursive: true })
            .map(String)
            .find((f) => /\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-/.test(f))!,
        ),
        'utf8',
      )
        .split('\n')
        .filter((l) => l !== '');
      mkdirSync(join(logsDir, '2026', '09', '30'), { recursive: true });
      writeFileSync(
        join(logsDir, '2026', '09', '30', '2026-09-30-00-00-00-ABCDEF'),
        [good[0], 'garbage that is not a log line', good[0]!.slice(0, 40), ...good.slice(1)].join('\n') + '\n',
      );
      const { statistics } = await collectRows(await runnerFor({ logs: logsDir }).run({ template: catalog.resolve('lifecycle_events').template }));
      const notes = statistics.notes.join('\n');
      assert.match(notes, new RegExp(`access logs: 1 file, ${good.length} records, 2 malformed lines`));
      assert.match(notes, /2026-09-30-00-00-00-ABCDEF:2: /);
      assert.match(notes, /2026-09-30-00-00-00-ABCDEF:3: /);
    }));

  it('finds the newest report from the inventory destination, and asks which configuration when it holds several', async () => {
    const destination = join(dir, 'inventory');
    const { reader, prefix } = openLocation(toLocationUri(destination), { cacheDir });
    const report = await findInventoryReport(reader, prefix);
    assert.match(report.manifestKey, new RegExp(`inventory/${truth.generator.bucket}/daily-full/[^/]+/manifest\\.json$`));
    const scratch = mkdtempSync(join(tmpdir(), 's3ls-destination-'));
    try {
      for (const config of [`${truth.generator.bucket}/daily-full`, 'other-bucket/weekly']) {
        mkdirSync(join(scratch, config, '2026-10-01T01-00Z'), { recursive: true });
        writeFileSync(join(scratch, config, '2026-10-01T01-00Z', 'manifest.json'), '{}');
      }
      const two = openLocation(toLocationUri(scratch), { cacheDir });
      await assert.rejects(
        findInventoryReport(two.reader, two.prefix),
        /2 configurations \(other-bucket\/weekly, test-estate\/daily-full\): give the one of your bucket/,
      );
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('says which location is missing when a query needs a source it was not given', () =>
    isolated(async (_scratch, runnerFor) => {
      await assert.rejects(runnerFor({}).run({ template: catalog.resolve('unused_prefixes').template, values: { as_of: asOf } }), /--inventory/);
    }));

  it('stops a running query when its signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      runner.run({ template: catalog.resolve('storage_by_prefix').template, signal: controller.signal }).then(collectRows),
      QueryCancelledError,
    );
  });

  it('asks whether a table exists only between queries: a result being read keeps all its rows', async () => {
    const result = await engine.run({ sql: 'SELECT range AS n FROM range(50000) ORDER BY n' });
    // Another caller (a second analysis planning its steps) asks while the rows are unread.
    const asked = engine.tableExists('s3_inventory');
    const { rows } = await collectRows(result);
    assert.equal(rows.length, 50000);
    assert.equal(await asked, await engine.tableExists('s3_inventory'));
  });

  it("reports the engine's own message for bad SQL", async () => {
    await assert.rejects(
      engine.run({ sql: 'SELECT no_such_column FROM s3_inventory' }),
      (e: unknown) => e instanceof QueryFailedError && /no_such_column/.test(e.message),
    );
  });
});

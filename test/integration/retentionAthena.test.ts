// The whole retention analysis on the Athena engine (moto's Athena API), as a differential test
// against the local engine: the local run's answer to each query is queued as Athena's answer
// (Athena's text encoding: zone-less timestamps, NULL as a missing value), and the report the
// Athena run assembles must equal the local one. moto cannot run SQL, so what is checked on the
// Athena side is everything of ours: the rendered queries sent (one per step, in order, on the
// Athena tables, with the window's dates), the polling and paging, the decoding of Athena's
// types, the report, and the cost noted. Real Athena cannot be reached from the test machines.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { generateEstate, inventoryReportFields, type EstateTruth } from '../../src/core/estate/generate';
import { columnOfField, DEFAULT_INVENTORY_FIELDS } from '../../src/core/inventory/schema';
import { FolderOutput } from '../../src/core/estate/output';
import { parseDay } from '../../src/core/time';
import type { RetentionReport } from '../../src/core/retention/report';
import { AthenaEngine } from '../../src/engines/athena';
import {
  collectRows,
  splitStatements,
  type QueryColumn,
  type QueryEngine,
  type QueryRequest,
  type QueryResult,
  type QueryValue,
} from '../../src/engines/engine';
import { LocalEngine } from '../../src/engines/local';
import { analyzeRetention, type RetentionOptions } from '../../src/app/retentionAnalysis';
import { TemplateCatalog } from '../../src/sql/catalog';
import { motoEndpoint, uniqueBucketName } from './moto';
import { listFiles } from '../unit/estate/fixture';

interface Recorded {
  sql: string;
  columns: QueryColumn[];
  rows: QueryValue[][];
}

/** Passes every query on and keeps what was asked and answered. */
class RecordingEngine implements QueryEngine {
  readonly runs: Recorded[] = [];
  readonly kind;
  readonly tableExists?: (name: string) => Promise<boolean>;
  readonly inventoryReport?: QueryEngine['inventoryReport'];
  constructor(private readonly inner: QueryEngine) {
    this.kind = inner.kind;
    if (inner.tableExists) this.tableExists = (name) => inner.tableExists!(name);
    if (inner.inventoryReport) this.inventoryReport = (location, signal) => inner.inventoryReport!(location, signal);
  }
  async run(request: QueryRequest): Promise<QueryResult> {
    const { columns, rows, statistics } = await collectRows(await this.inner.run(request));
    this.runs.push({ sql: request.sql, columns, rows });
    return {
      columns,
      batches: (async function* () {
        yield rows;
      })(),
      statistics: () => statistics,
    };
  }
  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}

/** A value as Athena's GetQueryResults writes it: text, timestamps zone-less in UTC, NULL absent. */
function athenaText(value: QueryValue, type: string): { VarCharValue?: string } {
  if (value === null) return {};
  if (/timestamp/i.test(type)) return { VarCharValue: new Date(String(value)).toISOString().replace('T', ' ').replace('Z', '') };
  return { VarCharValue: Array.isArray(value) ? JSON.stringify(value) : String(value) };
}

/** The local engine's column types as Athena names them. */
function athenaType(type: string): string {
  const t = type.toLowerCase();
  if (/timestamp/.test(t)) return 'timestamp';
  if (/bigint|hugeint|integer|int/.test(t)) return 'bigint';
  if (/double|decimal|float/.test(t)) return 'double';
  if (t === 'date') return 'date';
  if (t === 'boolean') return 'boolean';
  return 'varchar';
}

for (const versions of ['all', 'current'] as const) {
  describe(`the retention analysis on Athena equals the local engine's (inventory of ${versions === 'all' ? 'all versions' : 'current versions only'})`, () => {
    const region = 'us-east-1';
    const account = String(randomInt(100_000_000_000, 999_999_999_999));
    const outputBucket = uniqueBucketName('athena-retention');
    const inventoryBucket = uniqueBucketName('athena-inventory');
    let dir: string;
    let cacheDir: string;
    let truth: EstateTruth;
    let s3: S3Client;
    let athena: AthenaClient;
    let local: RetentionReport;
    let recorded: Recorded[];
    const catalog = TemplateCatalog.load();
    const bucket = 'athena-estate';
    const asOf = '2026-10-31';

    const options = (): RetentionOptions => ({
      bucket,
      inventory: join(dir, 'inventory', bucket, 'daily-full', 'hive'),
      logs: join(dir, 'logs'),
      asOf,
      windowDays: 30,
      lookbackDays: 90,
      exemptGlobs: ['**/_SUCCESS'],
      keepTag: { key: 's3-lifecycle-studio:keep', value: '' },
      maxMissingLogDays: 0,
      allowMissingLogs: false,
      region,
      priceOverrides: {},
    });

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 's3ls-athena-retention-'));
      cacheDir = join(dir, 'cache');
      await generateEstate(
        {
          objects: 1500,
          seed: 41,
          asOfDay: parseDay(asOf),
          days: 60,
          bucket,
          inventoryBucket,
          logsBucket: `${bucket}-logs`,
          logLayout: 'partitioned',
          region,
          rowsPerInventoryFile: 1000,
          inventoryVersions: versions,
          inventoryFields: inventoryReportFields(versions, DEFAULT_INVENTORY_FIELDS.slice(5)),
        },
        new FolderOutput(join(dir)),
      );
      truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as EstateTruth;
      const recorder = new RecordingEngine(new LocalEngine({ cacheDir, threads: 2 }));
      try {
        local = await analyzeRetention(recorder, catalog, options());
      } finally {
        await recorder.dispose();
      }
      // The local engine also runs the sources' DDL (to load them); the steps are the runs with columns.
      recorded = recorder.runs.filter((r) => r.columns.length > 0);

      const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
      s3 = new S3Client({ region, endpoint: motoEndpoint(), forcePathStyle: true, credentials });
      await s3.send(new CreateBucketCommand({ Bucket: outputBucket }));
      // The inventory report where S3 delivers it: Athena's run reads its manifest from there.
      await s3.send(new CreateBucketCommand({ Bucket: inventoryBucket }));
      for (const file of listFiles(join(dir, 'inventory'))) {
        await s3.send(new PutObjectCommand({ Bucket: inventoryBucket, Key: `inventory/${file}`, Body: readFileSync(join(dir, 'inventory', file)) }));
      }
      // A moto account of this test's own (moto's x-moto-account-id header), so no other test's queued results are taken.
      athena = new AthenaClient({ region, endpoint: motoEndpoint(), credentials });
      athena.middlewareStack.add(
        (next) => async (args) => {
          (args.request as { headers: Record<string, string> }).headers['x-moto-account-id'] = account;
          return next(args);
        },
        { step: 'build', name: 'motoAccount' },
      );
    });
    after(() => {
      s3?.destroy();
      athena?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    it('has a local report worth comparing: unused prefixes, some of them read before the window', () => {
      assert.equal(truth.inventory.listsVersions, versions);
      assert.ok(local.prefixes.length > 5, 'unused prefixes');
      assert.ok(
        local.prefixes.some((p) => p.lastAccess !== null),
        'some unused prefix was read before the window: last access is compared too',
      );
      assert.ok(
        local.prefixes.some((p) => p.lastAccess === null),
        'and some never in the lookback: NULLs are compared too',
      );
      // The estate's 60 days of logs with a 30-day window: truth.json's 60-day answer is a subset.
      const truthPrefixes = new Set(truth.unusedPrefixes.map((p) => p.prefix));
      assert.ok([...truthPrefixes].every((p) => local.prefixes.some((u) => u.prefix === p)));
    });

    it("makes the inventory table from the report's manifest, assembles the same report from Athena's answers, one query per step on the Athena tables", async () => {
      // The four steps' answers, in order: log coverage, malformed lines, unused prefixes, last access.
      const steps = recorded.slice(-4);
      const stepName = (s: Recorded) =>
        s.columns.some((c) => c.name === 'lines_with_key')
          ? 'malformed'
          : s.columns.some((c) => c.name === 'lines')
            ? 'coverage'
            : s.columns.some((c) => c.name === 'objects')
              ? 'unused'
              : s.columns.some((c) => c.name === 'last_access')
                ? 'access'
                : '?';
      assert.deepEqual(steps.map(stepName), ['coverage', 'malformed', 'unused', 'access']);
      const results = steps.map((s) => {
        const types = s.columns.map((c) => athenaType(c.type));
        return {
          column_info: s.columns.map((c, i) => ({ Name: c.name, Label: c.name, Type: types[i] })),
          rows: [{ Data: s.columns.map((c) => ({ VarCharValue: c.name })) }, ...s.rows.map((row) => ({ Data: row.map((v, i) => athenaText(v, types[i]!)) }))],
        };
      });
      // moto hands out one queued answer per StartQueryExecution: a step of several statements (the
      // inventory table: DROP, CREATE EXTERNAL TABLE, CREATE VIEW; the unused prefixes: DROP, CREATE
      // TABLE AS, SELECT) gets empty answers for all but its last.
      const empty = { column_info: [], rows: [] };
      const inventoryDdl = [empty, empty, empty];
      const perStatement = [
        ...inventoryDdl,
        ...steps.flatMap((step, i) => [...Array.from({ length: splitStatements(step.sql).length - 1 }, () => empty), results[i]!]),
      ];
      const queued = await fetch(`${motoEndpoint()}/moto-api/static/athena/query-results`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ account_id: account, region, results: perStatement }),
      });
      assert.equal(queued.status, 201, await queued.text());

      const engine = new RecordingEngine(
        new AthenaEngine({
          client: athena,
          s3Client: s3,
          cacheDir,
          workgroup: 'primary',
          outputLocation: `s3://${outputBucket}/results/`,
          database: 'default',
          catalog: 'AwsDataCatalog',
          pollIntervalMs: { initial: 1, max: 4 },
          resultMode: 'paging',
        }),
      );
      let report: RetentionReport;
      try {
        // The inventory as S3 delivers it (Athena reads its manifest); the logs' table already made.
        report = await analyzeRetention(engine, catalog, {
          ...options(),
          inventory: `s3://${inventoryBucket}/inventory/${bucket}/daily-full/`,
          logs: 'Athena table s3_access_logs',
        });
      } finally {
        await engine.dispose();
      }

      assert.equal(report.engine, 'athena');
      assert.deepEqual(report.prefixes, local.prefixes);
      assert.deepEqual(report.totals, local.totals);
      assert.deepEqual(report.coverage, local.coverage);
      assert.deepEqual(report.window, local.window);
      assert.deepEqual(report.prices, local.prices);
      assert.ok(
        report.notes.some((n) => /^unused_prefixes: .*\$/.test(n)),
        `the Athena cost of each step is noted: ${report.notes.join(' | ')}`,
      );
      if (versions === 'current') assert.ok(report.notes.some((n) => /lists current versions only/.test(n)));

      // What Athena was asked: the inventory table from the manifest, then one statement per step, in order, on its tables, for this window,
      // then its own tables dropped.
      assert.equal(engine.runs.length, 8);
      const [ddl, coverage, malformed, unused, access, ...drops] = engine.runs.map((r) => r.sql);
      const [drop, create, view] = splitStatements(ddl!);
      const id = /^DROP TABLE IF EXISTS `s3_inventory_source_([0-9a-f]{12})`$/.exec(drop!)?.[1];
      assert.ok(id, drop);
      assert.deepEqual(drops, [
        `DROP TABLE IF EXISTS unused_prefixes_${id}`,
        `DROP VIEW IF EXISTS s3_inventory_${id}`,
        `DROP TABLE IF EXISTS s3_inventory_source_${id}`,
      ]);
      // The report's own columns, in its order, all text for CSV (OpenCSVSerde reads by position).
      const columns = new RegExp(`CREATE EXTERNAL TABLE \`s3_inventory_source_${id}\` \\(([^)]*)\\)`)
        .exec(create!)![1]!
        .split(',')
        .map((c) => c.trim());
      assert.deepEqual(
        columns,
        truth.inventory.fields.map((f) => `\`${columnOfField(f)}\` string`),
      );
      assert.match(create!, /ROW FORMAT SERDE 'org\.apache\.hadoop\.hive\.serde2\.OpenCSVSerde'/);
      assert.match(create!, new RegExp(`LOCATION 's3://${inventoryBucket}/inventory/${bucket}/daily-full/hive/'`));
      if (versions === 'current') {
        assert.match(view!, /true AS is_latest,/);
        assert.match(view!, /false AS is_delete_marker,/);
        assert.match(view!, /CAST\(NULL AS varchar\) AS version_id,/);
      } else {
        // An empty field is unknown, as on the local engine (Trino showed '' = 'true' reading it as false).
        assert.match(view!, /NULLIF\(is_latest, ''\) = 'true' AS is_latest,/);
      }
      const reportDt = truth.inventory.manifestKey.split('/').at(-2)!.replace('T', '-').replace('Z', '');
      assert.match(unused!, new RegExp(`'${reportDt}'`), "the query scans the report's own dt");
      assert.match(coverage!, /s3_access_logs/);
      assert.match(malformed!, /malformed IS NOT NULL/);
      assert.match(unused!, new RegExp(`CREATE TABLE "unused_prefixes_${id}"`));
      assert.match(unused!, new RegExp(`FROM "s3_inventory_${id}"`));
      assert.match(unused!, /FROM "s3_access_logs"/, "the user's access-log table, as it is");
      assert.match(access!, /s3_access_logs/);
      for (const sql of [coverage!, unused!, access!]) {
        assert.match(sql, new RegExp(`DATE '${asOf}'|'${asOf}'`), 'the as-of date is in the query');
      }
      for (const sql of [ddl!, coverage!, malformed!, unused!, access!]) {
        assert.doesNotMatch(sql, /\{\{|@when/, 'every parameter and condition is rendered');
        assert.doesNotMatch(sql, /CREATE (OR REPLACE )?MACRO|read_csv|read_parquet/i, 'no DuckDB compatibility layer reaches Athena');
      }
      const withoutComments = unused!.replace(/--[^\n]*/g, '');
      assert.doesNotMatch(withoutComments, /\bLIKE\b/i, 'the prefix join is an equality, not LIKE');
      assert.match(withoutComments, /LEFT JOIN read_prefixes r ON r\.prefix = e\.prefix/);
    });

    it('runs two analyses at once in one database on tables of their own, each dropping only its own', async () => {
      // An account of its own: no queued answers, so every statement answers with no rows.
      const ownAccount = String(randomInt(100_000_000_000, 999_999_999_999));
      const client = new AthenaClient({ region, endpoint: motoEndpoint(), credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
      client.middlewareStack.add(
        (next) => async (args) => {
          (args.request as { headers: Record<string, string> }).headers['x-moto-account-id'] = ownAccount;
          return next(args);
        },
        { step: 'build', name: 'motoAccount' },
      );
      const shared = new AthenaEngine({
        client,
        s3Client: s3,
        cacheDir,
        workgroup: 'primary',
        outputLocation: `s3://${outputBucket}/results/`,
        database: 'default',
        catalog: 'AwsDataCatalog',
        pollIntervalMs: { initial: 1, max: 4 },
        resultMode: 'paging',
      });
      const [a, b] = [new RecordingEngine(shared), new RecordingEngine(shared)];
      const analysis = (engine: QueryEngine, forBucket: string) =>
        analyzeRetention(engine, catalog, {
          ...options(),
          bucket: forBucket,
          inventory: `s3://${inventoryBucket}/inventory/${bucket}/daily-full/`,
          logs: 'Athena table s3_access_logs',
          allowMissingLogs: true,
        });
      try {
        await Promise.all([analysis(a, 'bucket-a'), analysis(b, 'bucket-b')]);
      } finally {
        client.destroy();
      }
      const made = (engine: RecordingEngine) =>
        engine.runs
          .flatMap((r) => splitStatements(r.sql))
          .flatMap((sql) => [...sql.matchAll(/^CREATE (?:OR REPLACE )?(?:EXTERNAL )?(?:TABLE|VIEW) [`"]?(\w+)/g)].map((m) => m[1]!))
          .sort();
      const madeA = made(a);
      const madeB = made(b);
      const idA = /^s3_inventory_([0-9a-f]{12})$/.exec(madeA.find((n) => /^s3_inventory_[0-9a-f]+$/.test(n)) ?? '')?.[1];
      const idB = /^s3_inventory_([0-9a-f]{12})$/.exec(madeB.find((n) => /^s3_inventory_[0-9a-f]+$/.test(n)) ?? '')?.[1];
      assert.ok(idA && idB && idA !== idB, `${madeA.join(', ')} / ${madeB.join(', ')}`);
      assert.deepEqual(madeA, [`s3_inventory_${idA}`, `s3_inventory_source_${idA}`, `unused_prefixes_${idA}`]);
      assert.deepEqual(madeB, [`s3_inventory_${idB}`, `s3_inventory_source_${idB}`, `unused_prefixes_${idB}`]);
      for (const [engine, id, own] of [
        [a, idA, 'bucket-a'],
        [b, idB, 'bucket-b'],
      ] as const) {
        const sql = engine.runs.map((r) => r.sql);
        const unused = sql.find((q) => /CREATE TABLE "unused_prefixes_/.test(q))!;
        assert.match(unused, new RegExp(`FROM "s3_inventory_${id}"`), 'it reads its own inventory table');
        assert.match(unused, new RegExp(`'${own}'`), 'for its own bucket');
        // Its own tables dropped at the end, and nothing else: the access-log table is the user's.
        assert.deepEqual(sql.slice(-3), [
          `DROP TABLE IF EXISTS unused_prefixes_${id}`,
          `DROP VIEW IF EXISTS s3_inventory_${id}`,
          `DROP TABLE IF EXISTS s3_inventory_source_${id}`,
        ]);
        assert.deepEqual(
          sql.flatMap((q) => splitStatements(q)).filter((q) => /^DROP /.test(q) && /s3_access_logs/.test(q)),
          [],
        );
      }
    });
  });
}

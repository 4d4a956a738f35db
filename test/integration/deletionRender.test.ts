// The deletion player's pipeline end to end on a generated estate: every frame's object states
// equal truth.json's hourly timeline, on the local engine and through the Athena path (moto's
// Athena API with canned results: the local engine's answers queued as Athena's, grouped_events'
// rows deliberately interleaved across hours and some given twice, read from the result file moto
// writes); and the CLI, as a user runs it against S3, writes a GIF of one frame per hour.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AthenaClient, type GetQueryResultsCommandOutput } from '@aws-sdk/client-athena';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GifReader } from 'omggif';
import { renderDeletion, type DeletionRenderResult, type RenderDeletionOptions } from '../../src/app/deletionRender';
import type { FramePatch } from '../../src/core/deletion/model';
import { generateEstate, type EstateTruth } from '../../src/core/estate/generate';
import { FolderOutput } from '../../src/core/estate/output';
import { parseDay } from '../../src/core/time';
import { decodeS3Key } from '../../src/core/s3keys';
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
import { TemplateRunner } from '../../src/engines/runner';
import { TemplateCatalog } from '../../src/sql/catalog';
import { expectedUnder, readGeneratedDeletion } from '../unit/deletionFixture';
import { listFiles, readInventoryCsv } from '../unit/estate/fixture';
import { motoEndpoint, uniqueBucketName } from './moto';

const run = promisify(execFile);
const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');
const region = 'us-east-1';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

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

/** The local engine's column types as Athena names them. */
function athenaType(type: string): string {
  const t = type.toLowerCase();
  if (t.endsWith('[]') || t.startsWith('list')) return 'array';
  if (/timestamp/.test(t)) return 'timestamp';
  if (/bigint|hugeint|integer|int/.test(t)) return 'bigint';
  if (/double|decimal|float/.test(t)) return 'double';
  return 'varchar';
}

/** A value as Athena writes it: timestamps zone-less in UTC, arrays `[1, 2, 3]`, NULL absent. */
function athenaText(value: QueryValue, type: string): { VarCharValue?: string } {
  if (value === null) return {};
  if (type === 'timestamp') return { VarCharValue: new Date(String(value)).toISOString().replace('T', ' ').replace('Z', '') };
  if (Array.isArray(value)) return { VarCharValue: `[${value.join(', ')}]` };
  return { VarCharValue: String(value) };
}

interface CannedResult {
  column_info: { Name: string; Label: string; Type: string }[];
  rows: { Data: { VarCharValue?: string }[] }[];
}

function canned(columns: QueryColumn[], rows: QueryValue[][]): CannedResult {
  const types = columns.map((c) => athenaType(c.type));
  return {
    column_info: columns.map((c, i) => ({ Name: c.name, Label: c.name, Type: types[i]! })),
    rows: [{ Data: columns.map((c) => ({ VarCharValue: c.name })) }, ...rows.map((row) => ({ Data: row.map((v, i) => athenaText(v, types[i]!)) }))],
  };
}

const EMPTY: CannedResult = { column_info: [], rows: [] };

describe("the deletion render's frames equal truth.json's hourly timeline", () => {
  const bucket = 'deletion-estate';
  const inventoryBucket = uniqueBucketName('deletion-inventory');
  const logsBucket = uniqueBucketName('deletion-logs');
  const outputBucket = uniqueBucketName('deletion-athena');
  const account = String(randomInt(100_000_000_000, 999_999_999_999));
  const catalog = TemplateCatalog.load();
  let dir: string;
  let scratch: string;
  let truth: EstateTruth;
  let snapshotKeys: string[];
  let s3: S3Client;
  let local: { result: DeletionRenderResult; frames: FramePatch[]; runs: Recorded[] };
  /** GetObject calls for Athena's result files, on `s3`. */
  let resultFileReads = 0;

  const common = (): Omit<RenderDeletionOptions, 'runner'> => ({
    size: 64,
    granularity: 'hour',
    layout: 'rows',
    segmentBy: { by: 'characters', length: 24 },
  });

  /** Every frame's counts against the timeline: one frame per hour of it; present = the rule's objects not yet marked + the snapshot's other objects. */
  const assertTimeline = (frames: FramePatch[], result: DeletionRenderResult, label: string) => {
    const timeline = truth.lifecycle.timeline;
    assert.equal(result.frames, timeline.length, `${label}: one frame per hour`);
    assert.equal(frames.length, timeline.length, label);
    const untouched = snapshotKeys.length - truth.lifecycle.objects;
    assert.equal(result.objects, snapshotKeys.length, `${label}: a pixel per key of the snapshot`);
    frames.forEach((frame, i) => {
      const hour = timeline[i]!;
      assert.equal(new Date(frame.bucketStart).toISOString(), hour.bucket, `${label}: frame ${i}'s hour`);
      assert.deepEqual(
        frame.counts,
        [hour.current + untouched, 0, hour.deleteMarked, hour.noncurrentExpired, hour.gone],
        `${label}: the states at ${hour.bucket}`,
      );
    });
    assert.deepEqual(result.anomalies, [], `${label}: no anomaly`);
    assert.equal(result.events, truth.lifecycle.events, `${label}: every event once`);
  };

  /**
   * The render through the Athena path (moto's Athena API with canned results): the local render's
   * answers, recorded in `runs`, queued as Athena's, grouped_events' rows interleaved across hours
   * (Athena's order is not ours) and every ninth given twice, read back from the result file moto writes.
   */
  const onAthena = async (runs: Recorded[], extra: Partial<RenderDeletionOptions> = {}) => {
    const answer = (predicate: (r: Recorded) => boolean, what: string) => {
      const found = runs.filter((r) => r.columns.length > 0 && predicate(r));
      assert.equal(found.length, 1, what);
      return found[0]!;
    };
    const has = (r: Recorded, ...names: string[]) => names.every((n) => r.columns.some((c) => c.name === n));
    const summary = answer((r) => has(r, 'kind', 'operation', 'events'), 'lifecycle_events');
    const keys = answer((r) => has(r, 'segment_prefix', 'keys') && !has(r, 'segment'), 'keys_with_prefix');
    const segments = answer((r) => has(r, 'segment', 'keys', 'first_key') && !has(r, 'first_pixel'), 'key_prefix_segment');
    const intervals = answer((r) => has(r, 'first_pixel'), 'ordered_segment_intervals');
    const grouped = answer((r) => has(r, 'time_bucket', 'indexes'), 'grouped_events');
    const lookups = runs.filter((r) => has(r, 'segment_index', 'key'));

    // Athena's order is not ours: by segment first, so each hour's last rows come after the next hour's first, and every ninth row twice.
    const time = grouped.columns.findIndex((c) => c.name === 'time_bucket');
    const segment = grouped.columns.findIndex((c) => c.name === 'segment');
    const interleaved = [...grouped.rows].sort((a, b) => Number(a[segment]) - Number(b[segment]) || String(b[time]).localeCompare(String(a[time])));
    const doubled = [...interleaved, ...interleaved.filter((_r, i) => i % 9 === 0)];
    const hourOf = (r: QueryValue[]) => String(r[time]);
    assert.ok(
      doubled.some((r, i) => i > 0 && hourOf(r) < hourOf(doubled[i - 1]!)),
      'an earlier hour after a later one',
    );

    // One canned answer per statement, in the order the render sends them.
    const perStatement = [
      EMPTY, // inventory_table: DROP TABLE
      EMPTY, // CREATE EXTERNAL TABLE
      EMPTY, // CREATE VIEW
      EMPTY, // lifecycle_events: DROP TABLE
      EMPTY, // CREATE TABLE AS
      canned(summary.columns, summary.rows),
      EMPTY, // keys_with_prefix
      EMPTY,
      canned(keys.columns, keys.rows),
      EMPTY, // key_prefix_segment
      EMPTY,
      canned(segments.columns, segments.rows),
      canned(intervals.columns, intervals.rows),
      canned(grouped.columns, doubled),
      ...lookups.map((r) => canned(r.columns, r.rows)),
    ];
    const queued = await fetch(`${motoEndpoint()}/moto-api/static/athena/query-results`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ account_id: account, region, results: perStatement }),
    });
    assert.equal(queued.status, 201, await queued.text());

    const athena = new AthenaClient({ region, endpoint: motoEndpoint(), credentials });
    const readsBefore = resultFileReads;
    athena.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-moto-account-id'] = account;
        return next(args);
      },
      { step: 'build', name: 'motoAccount' },
    );
    // Athena's pages on top of moto's single page: at most MaxResults rows, NextToken the offset of the next.
    athena.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'GetQueryResultsCommand') {
          const input = args.input as { NextToken?: string; MaxResults?: number };
          const output = result.output as unknown as GetQueryResultsCommandOutput;
          const rows = output.ResultSet?.Rows ?? [];
          const offset = Number(input.NextToken ?? 0);
          const end = offset + Number(input.MaxResults ?? 1000);
          output.ResultSet!.Rows = rows.slice(offset, end);
          output.NextToken = end < rows.length ? String(end) : undefined;
        }
        return result;
      },
      { step: 'initialize', name: 'athenaPaging' },
    );
    const engine = new RecordingEngine(
      new AthenaEngine({
        client: athena,
        s3Client: s3,
        cacheDir: join(scratch, 'athena-cache'),
        workgroup: 'primary',
        outputLocation: `s3://${outputBucket}/results/`,
        database: 'default',
        catalog: 'AwsDataCatalog',
        pollIntervalMs: { initial: 1, max: 4 },
        resultMode: 'auto',
      }),
    );
    const frames: FramePatch[] = [];
    let result: DeletionRenderResult;
    try {
      const runner = new TemplateRunner(catalog, engine, {
        inventory: `s3://${inventoryBucket}/inventory/${bucket}/daily-full/`,
        logs: 'Athena table s3_access_logs',
      });
      result = await renderDeletion({ ...common(), ...extra, runner, memoryEvents: 2000, tempDir: scratch, onFrame: (patch) => void frames.push(patch) });
      const problems = await result.dispose();
      assert.deepEqual(problems, []);
    } finally {
      athena.destroy();
    }
    return { frames, result, sql: engine.runs.map((r) => r.sql), resultFileReads: resultFileReads - readsBefore, rows: interleaved.length };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 's3ls-deletion-render-'));
    scratch = mkdtempSync(join(tmpdir(), 's3ls-deletion-scratch-'));
    await generateEstate(
      {
        objects: 2500,
        seed: 23,
        asOfDay: parseDay('2026-05-31'),
        days: 21,
        bucket,
        inventoryBucket,
        logsBucket,
        logLayout: 'partitioned',
        region,
        rowsPerInventoryFile: 1000,
      },
      new FolderOutput(dir),
    );
    truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as EstateTruth;
    // The snapshot's keys, read from the report's own CSV: every key with a version that is not a delete marker.
    const manifest = listFiles(dir).find((f) => f.endsWith('/manifest.json'))!;
    const rows = readInventoryCsv(dir, JSON.parse(readFileSync(join(dir, manifest), 'utf8')) as { files: { key: string }[] });
    snapshotKeys = [...new Set(rows.filter((r) => r[4] !== 'true').map((r) => decodeS3Key(r[1]!)))].sort((a, b) =>
      Buffer.compare(Buffer.from(a), Buffer.from(b)),
    );

    // The estate where S3 delivers it: the inventory and the logs in buckets of their own.
    s3 = new S3Client({ region, endpoint: motoEndpoint(), forcePathStyle: true, credentials });
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        const key = (args.input as { Key?: string }).Key ?? '';
        if (context.commandName === 'GetObjectCommand' && key.startsWith('results/') && key.endsWith('.csv')) resultFileReads++;
        return next(args);
      },
      { step: 'initialize', name: 'countResultFiles' },
    );
    for (const name of [inventoryBucket, logsBucket, outputBucket]) await s3.send(new CreateBucketCommand({ Bucket: name }));
    const uploads = [
      ...listFiles(join(dir, 'inventory')).map((f) => ({ Bucket: inventoryBucket, Key: `inventory/${f}`, file: join(dir, 'inventory', f) })),
      ...listFiles(join(dir, 'logs')).map((f) => ({ Bucket: logsBucket, Key: `logs/${f}`, file: join(dir, 'logs', f) })),
    ];
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < uploads.length) {
          const { Bucket, Key, file } = uploads[next++]!;
          await s3.send(new PutObjectCommand({ Bucket, Key, Body: readFileSync(file) }));
        }
      }),
    );

    // The local engine's render, reading the estate from S3; its answers are Athena's below.
    const engine = new RecordingEngine(new LocalEngine({ cacheDir: join(scratch, 'cache'), threads: 2, s3: () => s3 }));
    const frames: FramePatch[] = [];
    try {
      const runner = new TemplateRunner(catalog, engine, {
        inventory: `s3://${inventoryBucket}/inventory/${bucket}/daily-full/`,
        logs: `s3://${logsBucket}/logs/`,
      });
      const result = await renderDeletion({ ...common(), runner, onFrame: (patch) => void frames.push(patch) });
      local = { result, frames, runs: engine.runs };
    } finally {
      await engine.dispose();
    }
  });

  after(() => {
    s3?.destroy();
    rmSync(dir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('on the local engine: one frame per hour, each with the states of the timeline', async () => {
    assert.ok(truth.lifecycle.timeline.length > 48, `${truth.lifecycle.timeline.length} hours`);
    assertTimeline(local.frames, local.result, 'local');
    assert.ok(local.result.partitions.length > 1, 'partitions found');
    assert.ok(local.result.partitions.every((p) => p.firstKey !== undefined && p.lastKey !== undefined));
    for (const p of local.result.partitions) {
      assert.equal(p.firstKey, snapshotKeys[p.firstObject], `partition ${p.index}'s first key is its first object's`);
      assert.equal(p.lastKey, snapshotKeys[p.endObject - 1], `partition ${p.index}'s last key`);
    }
    assert.equal(local.result.progress.complete, true);
    // The key ranges S3 (here the generator) deleted as a unit, found from the events alone: a
    // partition starts at its first deleted key and holds the keys up to the next one's.
    const found = local.result.partitions;
    assert.equal(found.length, truth.lifecycle.partitions.length, "the generator's partitions");
    const utf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
    truth.lifecycle.partitions.forEach((expected, i) => {
      const p = found[i]!;
      assert.equal(p.objects, expected.objects, `partition ${i}'s objects`);
      if (i > 0) assert.equal(p.firstKey, expected.firstKey, `partition ${i}'s first key`);
      assert.ok(utf8(p.firstKey!, expected.lastKey) <= 0 && utf8(expected.lastKey, p.lastKey!) <= 0, `partition ${i} holds its last deleted key`);
    });
    assert.match(local.result.notes.join('\n'), /already in it and are not replayed/, 'the transitions before the snapshot');
  });

  it('the Athena path: the same frames from answers interleaved across hours, some rows twice, read from the result file', async () => {
    const grouped = local.runs.find((r) => r.columns.some((c) => c.name === 'indexes'))!;
    assert.ok(grouped.rows.length > 1000, `${grouped.rows.length} rows: more than a page, so the rest comes from the result file`);
    const { frames, result, sql, resultFileReads, rows } = await onAthena(local.runs);

    assertTimeline(frames, result, 'Athena');
    assert.ok(resultFileReads >= 1, "grouped_events' rows past the first page came from the result file");
    assert.match(result.notes.join('\n'), new RegExp(`${Math.ceil(rows / 9)} rows of the engine's answer came twice`));
    assert.deepEqual(
      result.partitions.map((p) => [p.firstObject, p.endObject, p.firstKey, p.lastKey]),
      local.result.partitions.map((p) => [p.firstObject, p.endObject, p.firstKey, p.lastKey]),
    );
    assert.deepEqual(result.totals, local.result.totals);

    // What Athena was asked: the render's own tables, from the inventory's manifest, the snapshot's dt, then its tables dropped.
    const id = /s3_inventory_source_([0-9a-f]{12})/.exec(sql[0]!)?.[1];
    assert.ok(id, sql[0]);
    const statements = sql.flatMap((s) => splitStatements(s));
    assert.ok(statements.some((s) => s.startsWith(`CREATE TABLE "lifecycle_events_${id}"`)));
    assert.ok(
      statements.some((s) => /FROM "s3_access_logs"/.test(s)),
      "the user's access-log table",
    );
    const keysSql = statements.find((s) => s.startsWith(`CREATE TABLE "keys_with_prefix_${id}"`))!;
    assert.match(keysSql, new RegExp(`FROM "s3_inventory_${id}"`));
    const reportDt = truth.inventory.manifestKey.split('/').at(-2)!.replace('T', '-').replace('Z', '');
    assert.match(keysSql, new RegExp(`'${reportDt}'`), "the snapshot's dt");
    const groupedSql = statements.find((s) => /array_agg/.test(s))!;
    assert.match(groupedSql, new RegExp(`FROM "lifecycle_events_${id}" e`));
    assert.match(groupedSql, /e\.event_time >= CAST\(NULLIF\('\d{4}-\d{2}-\d{2} \d{2}:\d{2}:00', ''\) AS timestamp\)/, 'only events from the snapshot on');
    assert.deepEqual(sql.slice(-5), [
      `DROP TABLE IF EXISTS key_prefix_segment_${id}`,
      `DROP TABLE IF EXISTS keys_with_prefix_${id}`,
      `DROP TABLE IF EXISTS lifecycle_events_${id}`,
      `DROP VIEW IF EXISTS s3_inventory_${id}`,
      `DROP TABLE IF EXISTS s3_inventory_source_${id}`,
    ]);
  });

  it('keeps to a key prefix on the local engine from S3 and through the Athena path: the states of the objects under it, hour by hour', async () => {
    // The expectation from the generated inventory and log lines; the prefix: the top-level folder the rule deleted most of.
    const deletion = readGeneratedDeletion(dir);
    const deletedUnder = new Map<string, number>();
    for (const u of truth.unusedPrefixes) deletedUnder.set(`${u.prefix.split('/')[0]}/`, (deletedUnder.get(`${u.prefix.split('/')[0]}/`) ?? 0) + u.objects);
    const [prefix, deleted] = [...deletedUnder].sort((a, b) => b[1] - a[1])[0]!;
    const expected = expectedUnder(deletion, prefix);
    assert.ok(expected.objects < snapshotKeys.length / 2 && deleted > 0, `${expected.objects} objects, ${deleted} deleted under ${prefix}`);
    const assertScoped = (frames: FramePatch[], result: DeletionRenderResult, label: string) => {
      assert.equal(result.prefix, prefix, label);
      assert.equal(result.objects, expected.objects, `${label}: a pixel per object under ${prefix}`);
      assert.deepEqual(
        frames.map((f) => f.bucketStart),
        expected.frames.map((_c, i) => expected.first + i * 3_600_000),
        `${label}: one frame per hour of the prefix's deletion`,
      );
      frames.forEach((frame, i) => assert.deepEqual(frame.counts, expected.frames[i], `${label}: the states at ${new Date(frame.bucketStart).toISOString()}`));
      assert.equal(result.events, expected.events, `${label}: the prefix's events, each once`);
      assert.equal(result.totals.gone, deleted, `${label}: truth.json's unused objects under ${prefix} are gone`);
      assert.deepEqual(result.anomalies, [], label);
      assert.ok(result.partitions.length > 0 && result.partitions.every((p) => p.firstKey!.startsWith(prefix) && p.lastKey!.startsWith(prefix)), label);
    };

    const engine = new RecordingEngine(new LocalEngine({ cacheDir: join(scratch, 'cache'), threads: 2, s3: () => s3 }));
    const localFrames: FramePatch[] = [];
    let scoped: DeletionRenderResult;
    try {
      const runner = new TemplateRunner(catalog, engine, {
        inventory: `s3://${inventoryBucket}/inventory/${bucket}/daily-full/`,
        logs: `s3://${logsBucket}/logs/`,
      });
      scoped = await renderDeletion({ ...common(), runner, prefix, onFrame: (patch) => void localFrames.push(patch) });
      assert.deepEqual(await scoped.dispose(), []);
    } finally {
      await engine.dispose();
    }
    assertScoped(localFrames, scoped, 'local');

    const { frames, result, sql } = await onAthena(engine.runs, { prefix });
    assertScoped(frames, result, 'Athena');
    assert.deepEqual(
      result.partitions.map((p) => [p.firstObject, p.endObject, p.firstKey, p.lastKey]),
      scoped.partitions.map((p) => [p.firstObject, p.endObject, p.firstKey, p.lastKey]),
    );
    // Athena was asked for the prefix's keys and events only.
    const statements = sql.flatMap((s) => splitStatements(s));
    const filter = `starts_with(key, '${prefix}')`;
    for (const table of ['keys_with_prefix', 'lifecycle_events']) {
      const created = statements.find((s) => s.startsWith(`CREATE TABLE "${table}_`));
      assert.ok(created?.includes(`'${prefix}' = '' OR ${filter}`), `${table}: ${created}`);
    }
  });

  it("looks a pixel's keys up in the render's segment table", async () => {
    const engine = new LocalEngine({ cacheDir: join(scratch, 'cache'), threads: 2 });
    try {
      const runner = new TemplateRunner(catalog, engine, { inventory: join(dir, 'inventory', bucket, 'daily-full'), logs: join(dir, 'logs') });
      const result = await renderDeletion({ ...common(), size: 32, runner });
      // 32×32 pixels in rows over more keys: pixel p covers the objects from floor(p·N/P).
      const pixels = 32 * 32;
      assert.ok(snapshotKeys.length > pixels);
      const start = (p: number) => Math.floor((p * snapshotKeys.length) / pixels);
      for (const p of [0, 1, 700, pixels - 1]) {
        const described = await result.describePixel(p % 32, Math.floor(p / 32));
        assert.ok(described, `pixel ${p}`);
        assert.equal(described.objects, start(p + 1) - start(p));
        assert.equal(described.firstKey, snapshotKeys[start(p)], `pixel ${p}'s first key`);
        assert.equal(described.lastKey, snapshotKeys[start(p + 1) - 1], `pixel ${p}'s last key`);
        assert.ok(described.firstKey.startsWith(described.segmentPrefix.split(' … ')[0]!));
      }
      assert.deepEqual(await result.dispose(), []);
      await assert.rejects(result.describePixel(5, 20), /render the deletion again/);
    } finally {
      await engine.dispose();
    }
  });

  it('the CLI writes a GIF of one frame per hour from S3, and prints the render as JSON', async () => {
    const out = join(scratch, 'deletion.gif');
    const { stdout, stderr } = await run(
      process.execPath,
      [
        CLI,
        'render',
        '--inventory',
        `s3://${inventoryBucket}/inventory/${bucket}/daily-full/`,
        '--logs',
        `s3://${logsBucket}/logs/`,
        '--out',
        out,
        '--size',
        '100',
        '--header',
        '--format',
        'json',
      ],
      {
        env: {
          ...process.env,
          S3LIFECYCLE_ENDPOINT: motoEndpoint(),
          S3LIFECYCLE_FORCE_PATH_STYLE: 'true',
          S3LIFECYCLE_CACHE_DIR: join(scratch, 'cli-cache'),
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
        },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const report = JSON.parse(stdout) as Record<string, unknown> & { totals: Record<string, number>; partitions: Record<string, unknown>[] };
    assert.equal(report.frames, truth.lifecycle.timeline.length, stderr);
    assert.equal(report.firstBucket, truth.lifecycle.timeline[0]!.bucket);
    assert.equal(report.lastBucket, truth.lifecycle.timeline.at(-1)!.bucket);
    const last = truth.lifecycle.timeline.at(-1)!;
    assert.deepEqual(report.totals, {
      present: last.current + snapshotKeys.length - truth.lifecycle.objects,
      transitioned: 0,
      deleteMarked: last.deleteMarked,
      noncurrentExpired: last.noncurrentExpired,
      gone: last.gone,
    });
    for (const field of ['out', 'gifBytes', 'bucket', 'inventoryDt', 'width', 'height', 'objects', 'events', 'anomalies', 'complete', 'estimatedEnd', 'notes'])
      assert.ok(field in report, field);
    assert.equal(report.bucket, bucket);
    assert.equal(report.complete, true);
    assert.ok(report.partitions.length > 1 && report.partitions.every((p) => typeof p.firstKey === 'string' && Array.isArray(p.phases)));

    const gif = new GifReader(readFileSync(out));
    assert.equal(gif.numFrames(), truth.lifecycle.timeline.length, 'one GIF frame per hour');
    assert.equal(gif.width, 100);
    assert.equal(gif.height, report.height);
    assert.ok((report.height as number) > 100, 'with the header band');
    assert.equal(report.gifBytes, readFileSync(out).length);
  });
});

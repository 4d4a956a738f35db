// AthenaEngine against moto's Athena API on loopback. What moto does and does not do, and how the
// tests make up for it (real HTTP to moto happens in every test):
// - Results are canned: POST /moto-api/static/athena/query-results queues them and each
//   StartQueryExecution takes the next one; the rows come back exactly as queued, so a SELECT's are
//   queued with Athena's header row first.
// - GetQueryResults ignores MaxResults and NextToken (everything in one page): a middleware slices
//   moto's answer into Athena's pages of at most MaxResults rows, with NextToken.
// - Moto writes the canned rows to `<OutputLocation>/<id>.csv` (every value quoted, NULL empty),
//   but without doubling quotes inside values; the test of escaped quotes rewrites that file as
//   Athena would.
// - Queries go QUEUED → RUNNING → SUCCEEDED, at once by default or one step per N
//   GetQueryExecution calls through /moto-api/state-manager/set-transition; StopQueryExecution
//   makes them CANCELLED. They never fail: a middleware rewrites a GetQueryExecution answer to FAILED.
// - Statistics are all zero and StatementType is DDL for ALTER/CREATE/DESCRIBE/DROP/MSCK/SHOW.
// Each run uses an account of its own (moto's x-moto-account-id header), so other test files on the
// same moto cannot take its canned results.

import { after, afterEach, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import {
  AthenaClient,
  GetDatabaseCommand,
  GetQueryExecutionCommand,
  InvalidRequestException,
  StopQueryExecutionCommand,
  type ColumnInfo,
  type GetQueryExecutionCommandOutput,
  type GetQueryResultsCommandOutput,
  type Row,
} from '@aws-sdk/client-athena';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AthenaEngine, pollDelay, type AthenaResultMode } from '../../src/engines/athena';
import { athenaCostUsd, collectRows, QueryCancelledError, QueryFailedError, type QueryValue } from '../../src/engines/engine';
import { motoEndpoint, uniqueBucketName } from './moto';

const endpoint = motoEndpoint();
const region = 'us-east-1';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const account = String(randomInt(100_000_000_000, 999_999_999_999));

interface CannedResult {
  rows: Row[];
  column_info: ColumnInfo[];
}

async function motoApi(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  assert.equal(response.status, 201, `moto-api ${path}: ${await response.text()}`);
}

const queueResults = (...results: CannedResult[]) => motoApi('static/athena/query-results', { account_id: account, region, results });
/** Each query moves one state per `times` GetQueryExecution calls (moto's setting is server-wide). */
const stepQueriesEvery = (times: number) =>
  motoApi('state-manager/set-transition', { model_name: 'athena::execution', transition: { progression: 'manual', times } });
const resetQuerySteps = () => motoApi('state-manager/unset-transition', { model_name: 'athena::execution' });

const row = (...values: (string | null)[]): Row => ({ Data: values.map((v) => (v === null ? {} : { VarCharValue: v })) });
const column = (Name: string, Type: string): ColumnInfo => ({ Name, Type, Label: Name });
/** A SELECT's result as Athena returns it: the column names first. */
const selectResult = (columns: ColumnInfo[], rows: Row[]): CannedResult => ({ column_info: columns, rows: [row(...columns.map((c) => c.Name!)), ...rows] });

type Hook = (command: string, input: Record<string, unknown>, output: Record<string, unknown>) => Promise<void> | void;

interface Instrumented<C> {
  client: C;
  /** Command names in the order they were sent, e.g. `GetQueryResultsCommand`. */
  calls: string[];
  count(command: string): number;
}

/** Sends every request in this run's account, logs commands, and lets a hook see (and change) answers. */
function instrument<C extends AthenaClient | S3Client>(client: C, hook?: Hook): Instrumented<C> {
  const calls: string[] = [];
  const stack = client.middlewareStack as AthenaClient['middlewareStack'];
  stack.add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-moto-account-id'] = account;
      return next(args);
    },
    { step: 'build', name: 'motoAccount' },
  );
  stack.add(
    (next, context) => async (args) => {
      calls.push(context.commandName ?? '?');
      const result = await next(args);
      await hook?.(context.commandName ?? '?', args.input as Record<string, unknown>, result.output as unknown as Record<string, unknown>);
      return result;
    },
    { step: 'initialize', name: 'testHook' },
  );
  return { client, calls, count: (command) => calls.filter((c) => c === command).length };
}

/** Athena's paging on top of moto's single page: at most MaxResults rows, NextToken = offset of the next. */
const athenaPaging: Hook = (command, input, output) => {
  if (command !== 'GetQueryResultsCommand') return;
  const results = output as unknown as GetQueryResultsCommandOutput;
  const rows = results.ResultSet?.Rows ?? [];
  const offset = Number(input.NextToken ?? 0);
  const end = offset + Number(input.MaxResults ?? 1000);
  results.ResultSet!.Rows = rows.slice(offset, end);
  results.NextToken = end < rows.length ? String(end) : undefined;
};

function hooks(...all: (Hook | undefined)[]): Hook {
  return async (command, input, output) => {
    for (const hook of all) await hook?.(command, input, output);
  };
}

describe('AthenaEngine against moto', () => {
  const bucket = uniqueBucketName('athena');
  const outputLocation = `s3://${bucket}/results/`;
  let s3: Instrumented<S3Client>;
  const clients: (AthenaClient | S3Client)[] = [];

  const newS3 = () => {
    const client = instrument(new S3Client({ endpoint, region, credentials, forcePathStyle: true }));
    clients.push(client.client);
    return client;
  };

  const newAthena = (hook?: Hook) => {
    const athena = instrument(new AthenaClient({ endpoint, region, credentials }), hook);
    clients.push(athena.client);
    return athena;
  };

  function newEngine(
    athena: Instrumented<AthenaClient>,
    options: { resultMode?: AthenaResultMode; outputLocation?: string; workgroup?: string; withS3?: boolean } = {},
  ) {
    return new AthenaEngine({
      client: athena.client,
      s3Client: options.withS3 === false ? undefined : s3.client,
      workgroup: options.workgroup ?? 'primary',
      outputLocation: options.outputLocation ?? outputLocation,
      database: 'default',
      catalog: 'AwsDataCatalog',
      pollIntervalMs: { initial: 1, max: 4 },
      resultMode: options.resultMode ?? 'paging',
    });
  }

  const stateOf = async (athena: Instrumented<AthenaClient>, queryId: string) =>
    (await athena.client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId }))).QueryExecution?.Status?.State;

  before(async () => {
    s3 = newS3();
    await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  afterEach(resetQuerySteps);

  after(() => {
    for (const client of clients) client.destroy();
  });

  const idColumns = [column('id', 'integer'), column('name', 'varchar')];
  const idRows = (n: number) => Array.from({ length: n }, (_, i) => row(String(i), `name ${i}`));
  const idValues = (n: number) => Array.from({ length: n }, (_, i) => [i, `name ${i}`]);

  it('pages a SELECT past 1,000 rows with NextToken, dropping only the header row', async () => {
    await queueResults(selectResult(idColumns, idRows(2500)));
    const athena = newAthena(athenaPaging);
    const result = await newEngine(athena).run({ sql: 'SELECT id, name FROM t' });
    const sizes: number[] = [];
    const rows: QueryValue[][] = [];
    for await (const batch of result.batches) {
      sizes.push(batch.length);
      rows.push(...batch);
    }
    assert.deepEqual(result.columns, [
      { name: 'id', type: 'integer' },
      { name: 'name', type: 'varchar' },
    ]);
    // Athena's first page holds the header row and 999 rows; one page is one batch.
    assert.deepEqual(sizes, [999, 1000, 501]);
    assert.deepEqual(rows, idValues(2500));
    assert.equal(athena.count('GetQueryResultsCommand'), 3);
    const stats = result.statistics();
    assert.equal(stats.engine, 'athena');
    assert.equal(stats.rows, 2500);
    assert.equal(stats.bytesScanned, 0);
    assert.equal(stats.costUsd, athenaCostUsd(0));
    assert.match(stats.queryId ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(await stateOf(athena, stats.queryId!), 'SUCCEEDED');
  });

  it("takes moto's own single page (no NextToken) as one batch", async () => {
    await queueResults(selectResult(idColumns, idRows(1200)));
    const athena = newAthena();
    const { rows } = await collectRows(await newEngine(athena, { resultMode: 'auto' }).run({ sql: 'SELECT id, name FROM t' }));
    assert.deepEqual(rows, idValues(1200));
    assert.equal(athena.count('GetQueryResultsCommand'), 1);
    assert.equal(s3.count('GetObjectCommand'), 0);
  });

  it('converts values by column type: numbers, big integers, booleans, NULL, timestamps', async () => {
    const columns = [
      column('i', 'integer'),
      column('b', 'bigint'),
      column('t', 'tinyint'),
      column('s', 'smallint'),
      column('d', 'double'),
      column('r', 'real'),
      column('dec', 'decimal'),
      column('ok', 'boolean'),
      column('v', 'varchar'),
      column('ts', 'timestamp'),
      column('day', 'date'),
      column('tags', 'array'),
    ];
    await queueResults(
      selectResult(columns, [
        row('-42', '9007199254740991', '7', '-300', '1.5', '2.5e-3', '123.45', 'true', 'plain', '2024-01-02 03:04:05.678', '2024-01-02', '[a, b]'),
        row('0', '9007199254740993', null, null, 'NaN', 'Infinity', '12345678901234567.89', 'false', '', null, null, null),
      ]),
    );
    const { rows } = await collectRows(await newEngine(newAthena(athenaPaging)).run({ sql: 'SELECT * FROM typed' }));
    assert.deepEqual(rows, [
      [-42, 9007199254740991, 7, -300, 1.5, 0.0025, 123.45, true, 'plain', '2024-01-02T03:04:05.678Z', '2024-01-02', '[a, b]'],
      // Beyond 2^53, NaN/Infinity and long decimals stay exact as text; NULL and '' stay apart.
      [0, '9007199254740993', null, null, 'NaN', 'Infinity', '12345678901234567.89', false, '', null, null, null],
    ]);
  });

  it('runs several statements in order and returns the last one’s rows; DDL costs nothing', async () => {
    const database = `s3ls_${randomInt(1e9)}`;
    await queueResults({ rows: [], column_info: [] }, selectResult(idColumns, idRows(3)));
    const athena = newAthena(athenaPaging);
    const progress: string[] = [];
    const result = await newEngine(athena).run({
      sql: `CREATE DATABASE ${database};\n-- then\nSELECT id, name FROM t;`,
      onProgress: (p) => progress.push(p.message),
    });
    const { rows, statistics } = await collectRows(result);
    assert.deepEqual(rows, idValues(3));
    assert.equal(athena.count('StartQueryExecutionCommand'), 2);
    // The first statement really ran: moto created the database.
    const created = await athena.client.send(new GetDatabaseCommand({ CatalogName: 'AwsDataCatalog', DatabaseName: database }));
    assert.equal(created.Database?.Name, database);
    // One SELECT billed at Athena's 10 MB minimum; the CREATE is free.
    assert.equal(statistics.costUsd, athenaCostUsd(0));
    assert.ok(
      progress.some((m) => m.startsWith('Athena statement 1 of 2')) && progress.some((m) => m.startsWith('Athena statement 2 of 2')),
      progress.join('\n'),
    );
  });

  it('reads rows past the first page from the result CSV moto wrote to the output location', async () => {
    const columns = [column('id', 'bigint'), column('text', 'varchar'), column('score', 'double')];
    const texts = ['comma, inside', 'line\nbreak', 'crlf\r\nbreak', 'ünïcødé €', '', null];
    const rows = Array.from({ length: 1500 }, (_, i) => row(String(i), texts[i % texts.length]!, i % 7 === 0 ? null : `${i}.5`));
    await queueResults(selectResult(columns, rows));
    const athena = newAthena(athenaPaging);
    const result = await newEngine(athena, { resultMode: 'auto' }).run({ sql: 'SELECT id, text, score FROM t' });
    const batches: QueryValue[][][] = [];
    for await (const batch of result.batches) batches.push(batch);
    const expected = Array.from({ length: 1500 }, (_, i) => [i, texts[i % texts.length]!, i % 7 === 0 ? null : i + 0.5]);
    assert.deepEqual(batches.flat(), expected);
    assert.equal(batches[0]!.length, 999, 'the first page through GetQueryResults');
    assert.equal(athena.count('GetQueryResultsCommand'), 1, 'the rest from the CSV, not from more pages');
    assert.equal(s3.count('GetObjectCommand'), 1);
    assert.deepEqual(result.statistics().notes, []);
    assert.equal(result.statistics().rows, 1500);
  });

  it('reads every row from the CSV in csv mode, with quotes doubled as Athena writes them', async () => {
    const columns = [column('id', 'integer'), column('quote', 'varchar')];
    const values = Array.from({ length: 20 }, (_, i) => [i, `she said "hi", ${i} times`]);
    await queueResults(
      selectResult(
        columns,
        values.map(([id, quote]) => row(String(id), String(quote))),
      ),
    );
    // Moto writes `"she said "hi", …"` unescaped; put the file Athena would have written in its place.
    const athenaCsv = ['"id","quote"', ...values.map(([id, quote]) => `"${id}","${String(quote).replaceAll('"', '""')}"`)].join('\n') + '\n';
    const writeAthenaCsv: Hook = async (command, _input, output) => {
      if (command !== 'StartQueryExecutionCommand') return;
      await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: `results/${String(output.QueryExecutionId)}.csv`, Body: athenaCsv }));
    };
    const athena = newAthena(hooks(writeAthenaCsv, athenaPaging));
    const getsBefore = s3.count('GetObjectCommand');
    const { rows } = await collectRows(await newEngine(athena, { resultMode: 'csv' }).run({ sql: 'SELECT id, quote FROM t' }));
    assert.deepEqual(rows, values);
    assert.equal(s3.count('GetObjectCommand') - getsBefore, 1);
    assert.equal(athena.count('GetQueryResultsCommand'), 1, 'one request, for the columns');
  });

  it('falls back to paging, with a note, when the result CSV cannot be read; csv mode says what is missing', async () => {
    const missing = `s3://${uniqueBucketName('nobucket')}/results/`;
    await queueResults(selectResult(idColumns, idRows(1500)), selectResult(idColumns, idRows(1500)));
    const athena = newAthena(athenaPaging);
    const { rows, statistics } = await collectRows(
      await newEngine(athena, { resultMode: 'auto', outputLocation: missing }).run({ sql: 'SELECT id, name FROM t' }),
    );
    assert.deepEqual(rows, idValues(1500));
    assert.equal(athena.count('GetQueryResultsCommand'), 2);
    assert.equal(statistics.notes.length, 1);
    assert.match(statistics.notes[0]!, /page by page: Athena's result file s3:\/\/s3ls-nobucket-.*\.csv could not be read \(NoSuchBucket/);

    const strict = await newEngine(athena, { resultMode: 'csv', outputLocation: missing }).run({ sql: 'SELECT id, name FROM t' });
    await assert.rejects(collectRows(strict), /Cannot read Athena's result file .*NoSuchBucket.*s3:GetObject/);
  });

  it('refuses csv mode without an S3 client to read the file with', async () => {
    await queueResults(selectResult(idColumns, idRows(1)));
    await assert.rejects(
      newEngine(newAthena(athenaPaging), { resultMode: 'csv', withS3: false }).run({ sql: 'SELECT 1' }),
      /no result CSV to read .*no S3 client/,
    );
  });

  it('stops the query and throws QueryCancelledError when cancelled right after it started', async () => {
    const controller = new AbortController();
    let queryId = '';
    const athena = newAthena((command, _input, output) => {
      if (command !== 'StartQueryExecutionCommand') return;
      queryId = String(output.QueryExecutionId);
      controller.abort();
    });
    await assert.rejects(newEngine(athena).run({ sql: 'SELECT 1', signal: controller.signal }), (error: Error) => {
      assert.ok(error instanceof QueryCancelledError);
      assert.ok(error.message.includes(queryId), error.message);
      return true;
    });
    assert.equal(athena.count('GetQueryExecutionCommand'), 0);
    assert.equal(athena.count('StopQueryExecutionCommand'), 1);
    assert.equal(await stateOf(athena, queryId), 'CANCELLED');
  });

  it('stops a queued query when cancelled between polls', async () => {
    await stepQueriesEvery(1000);
    const controller = new AbortController();
    const progress: string[] = [];
    const athena = newAthena();
    const run = newEngine(athena).run({
      sql: 'SELECT 1',
      signal: controller.signal,
      onProgress: (p) => {
        progress.push(p.message);
        if (progress.length === 3) controller.abort();
      },
    });
    await assert.rejects(run, QueryCancelledError);
    assert.equal(progress.length, 3);
    assert.ok(
      progress.every((m) => /^Athena query [0-9a-f-]+: QUEUED, 0 B scanned$/.test(m)),
      progress.join('\n'),
    );
    assert.equal(athena.count('GetQueryExecutionCommand'), 3);
    assert.equal(athena.count('StopQueryExecutionCommand'), 1);
    const queryId = /query ([0-9a-f-]+):/.exec(progress[0]!)![1]!;
    assert.equal(await stateOf(athena, queryId), 'CANCELLED');
  });

  it('polls until the query finishes, reporting each state; waits double up to the maximum', async () => {
    await stepQueriesEvery(2);
    await queueResults(selectResult(idColumns, idRows(2)));
    const athena = newAthena(athenaPaging);
    const states: string[] = [];
    const { rows } = await collectRows(
      await newEngine(athena).run({ sql: 'SELECT id, name FROM t', onProgress: (p) => states.push(/: (\w+),/.exec(p.message)![1]!) }),
    );
    assert.deepEqual(rows, idValues(2));
    // Moto moves one state per two polls: QUEUED, RUNNING (2nd), RUNNING, SUCCEEDED (4th).
    assert.deepEqual(states, ['QUEUED', 'RUNNING', 'RUNNING', 'SUCCEEDED']);
    assert.equal(athena.count('GetQueryExecutionCommand'), 4);
    assert.deepEqual(
      Array.from({ length: 6 }, (_, attempt) => pollDelay(attempt, { initial: 200, max: 2000 })),
      [200, 400, 800, 1600, 2000, 2000],
    );
  });

  it("reports a FAILED query with Athena's reason and the query id, and reads no results", async () => {
    const reason = "COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved";
    const fail: Hook = (command, _input, output) => {
      if (command !== 'GetQueryExecutionCommand') return;
      const execution = (output as unknown as GetQueryExecutionCommandOutput).QueryExecution!;
      execution.Status = { State: 'FAILED', StateChangeReason: reason, AthenaError: { ErrorCategory: 2, ErrorType: 1006, ErrorMessage: reason } };
    };
    const athena = newAthena(fail);
    await assert.rejects(newEngine(athena).run({ sql: 'SELECT nope FROM t' }), (error: Error) => {
      assert.ok(error instanceof QueryFailedError);
      assert.match(error.queryId ?? '', /^[0-9a-f-]{36}$/);
      assert.equal(error.message, `The Athena query failed: ${reason} (query id ${error.queryId}).`);
      return true;
    });
    assert.equal(athena.count('GetQueryResultsCommand'), 0);
    assert.equal(athena.count('StopQueryExecutionCommand'), 0);
  });

  it('reports a query cancelled by someone else as failed, naming the statement', async () => {
    await stepQueriesEvery(1000);
    const athena = newAthena(async (command, _input, output) => {
      if (command === 'StartQueryExecutionCommand')
        await athena.client.send(new StopQueryExecutionCommand({ QueryExecutionId: String(output.QueryExecutionId) }));
    });
    await assert.rejects(newEngine(athena).run({ sql: 'SELECT 1; SELECT 2' }), (error: Error) => {
      assert.ok(error instanceof QueryFailedError);
      assert.match(error.message, /^The Athena statement 1 of 2 was cancelled in Athena: Athena gave no reason \(query id [0-9a-f-]+\)\.$/);
      return true;
    });
    assert.equal(athena.count('StartQueryExecutionCommand'), 1);
  });

  it('stops reading when cancelled between batches: pages, and the CSV mid-stream', async () => {
    // 20,000 rows make a CSV of several chunks, so the cancel lands inside the stream.
    for (const { resultMode, abortAfter } of [
      { resultMode: 'paging', abortAfter: 1 },
      { resultMode: 'auto', abortAfter: 2 },
    ] as const) {
      await queueResults(selectResult(idColumns, idRows(20_000)));
      const controller = new AbortController();
      const athena = newAthena(athenaPaging);
      const result = await newEngine(athena, { resultMode }).run({ sql: 'SELECT id, name FROM t', signal: controller.signal });
      const seen: QueryValue[][] = [];
      let batches = 0;
      await assert.rejects(async () => {
        for await (const batch of result.batches) {
          seen.push(...batch);
          if (++batches === abortAfter) controller.abort();
        }
      }, QueryCancelledError);
      assert.equal(batches, abortAfter, resultMode);
      assert.ok(seen.length < 20_000, `${resultMode}: stopped before the end`);
      assert.deepEqual(seen, idValues(seen.length), `${resultMode}: the rows before the cancel, in order`);
      assert.equal(athena.count('GetQueryResultsCommand'), 1, resultMode);
    }
  });

  it('reads no results when cancelled after the query succeeded', async () => {
    await queueResults(selectResult(idColumns, idRows(5)));
    const controller = new AbortController();
    const athena = newAthena(athenaPaging);
    const run = newEngine(athena).run({
      sql: 'SELECT id, name FROM t',
      signal: controller.signal,
      onProgress: (p) => p.message.includes('SUCCEEDED') && controller.abort(),
    });
    await assert.rejects(run, QueryCancelledError);
    assert.equal(athena.count('GetQueryResultsCommand'), 0);
  });

  it('says which setting to change when the workgroup does not exist', async () => {
    await assert.rejects(
      newEngine(newAthena(), { workgroup: 'no-such-workgroup' }).run({ sql: 'SELECT 1' }),
      /workgroup "no-such-workgroup" does not exist .*s3lifecycle\.athena\.workgroup/,
    );
  });

  it('says to set s3lifecycle.athena.outputLocation when Athena has nowhere to write results', async () => {
    // Moto accepts queries without any output location; answer as Athena does.
    const athena = newAthena((command) => {
      if (command === 'StartQueryExecutionCommand') {
        throw new InvalidRequestException({
          message: 'No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.',
          $metadata: { httpStatusCode: 400 },
        });
      }
    });
    await assert.rejects(
      newEngine(athena, { outputLocation: '' }).run({ sql: 'SELECT 1' }),
      /workgroup "primary" has no result location\. Set the setting s3lifecycle\.athena\.outputLocation/,
    );
  });
});

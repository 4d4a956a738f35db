// The distributed engine: sends each statement to Amazon Athena, polls it with backoff until it
// finishes, and streams the last statement's rows, through GetQueryResults pages or straight from
// the result CSV that Athena wrote to S3.

import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClientConfig,
  type GetQueryResultsCommandOutput,
  type QueryExecution,
  type Row,
} from '@aws-sdk/client-athena';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatBytes } from '../core/format';
import { parseS3Uri, type S3Location } from '../core/s3uri';
import { parseCsvStream, type CsvField } from './csvStream';
import { locateInventoryReport } from './localSources';
import {
  athenaCostUsd,
  QueryCancelledError,
  QueryFailedError,
  splitStatements,
  type LocatedInventoryReport,
  type QueryColumn,
  type QueryEngine,
  type QueryRequest,
  type QueryResult,
  type QueryStatistics,
  type QueryValue,
} from './engine';

/**
 * How rows are read once the query succeeded:
 * - `paging`: GetQueryResults only, 1,000 rows per request.
 * - `csv`: the columns from one GetQueryResults request, every row from the result CSV in S3; an
 *   error when the query has no CSV (DDL) or it cannot be read.
 * - `auto` (default): the first 1,000 rows through GetQueryResults; when there are more, the rest
 *   from the result CSV, one streamed GET instead of a request per 1,000 rows. Falls back to
 *   paging (with a note) when there is no s3Client, no CSV, or the CSV cannot be read.
 */
export type AthenaResultMode = 'paging' | 'csv' | 'auto';

export interface PollInterval {
  /** The first wait, in ms, before the first GetQueryExecution. */
  initial: number;
  /** Waits double up to this. */
  max: number;
}

interface CommonOptions {
  /** Reads the result CSVs (`auto` and `csv` result modes) and inventory manifests; use credentials allowed to read the output location. */
  s3Client?: S3Client;
  /** Where manifests read from S3 are cached (by ETag); a temporary folder when unset. */
  cacheDir?: string;
  workgroup: string;
  /** `s3://bucket/prefix/`; empty or absent: the workgroup's own result location. */
  outputLocation?: string;
  database: string;
  catalog: string;
  pollIntervalMs?: PollInterval;
  resultMode?: AthenaResultMode;
}

/** Pass a client (the caller keeps and destroys it) or a config (the engine makes one and destroys it in dispose()). */
export type AthenaEngineOptions = CommonOptions & ({ client: AthenaClient } | { clientConfig: AthenaClientConfig });

export const DEFAULT_POLL_INTERVAL: PollInterval = { initial: 200, max: 2000 };
/** GetQueryResults' largest page. */
const PAGE_SIZE = 1000;

/** The wait before poll number `attempt` (0-based): doubling from `initial`, capped at `max`. */
export function pollDelay(attempt: number, interval: PollInterval): number {
  return Math.min(interval.initial * 2 ** attempt, interval.max);
}

/** What reading a succeeded query's rows starts from: its first GetQueryResults page, already read. */
interface ResultReading {
  queryId: string;
  columns: QueryColumn[];
  /** The first page's rows, header row dropped. */
  firstBatch: QueryValue[][];
  /** How many rows the first page held, header row included. */
  firstPageRows: number;
  nextToken: string | undefined;
  /** The result CSV to read the rest from, when the result mode and the query allow it. */
  csv: S3Location | undefined;
  signal: AbortSignal | undefined;
  notes: string[];
}

interface Totals {
  bytesScanned: number;
  costUsd: number;
  notes: string[];
}

export class AthenaEngine implements QueryEngine {
  readonly kind = 'athena' as const;
  private readonly client: AthenaClient;
  private readonly ownsClient: boolean;
  private readonly pollInterval: PollInterval;
  private readonly resultMode: AthenaResultMode;

  constructor(private readonly options: AthenaEngineOptions) {
    this.ownsClient = !('client' in options);
    this.client = 'client' in options ? options.client : new AthenaClient(options.clientConfig);
    this.pollInterval = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL;
    this.resultMode = options.resultMode ?? 'auto';
  }

  /** The newest inventory report at an s3:// location, its manifest read with the engine's S3 client. */
  inventoryReport(location: string, signal?: AbortSignal): Promise<LocatedInventoryReport> {
    const s3Client = this.options.s3Client;
    if (!location.startsWith('s3://'))
      return Promise.reject(new Error(`Athena reads S3 Inventory reports in S3: give the report as an s3:// location, not ${location}`));
    if (!s3Client) return Promise.reject(new Error('reading the inventory manifest needs an S3 client'));
    return locateInventoryReport(location, { s3: () => s3Client, cacheDir: this.options.cacheDir ?? join(tmpdir(), 's3-lifecycle-studio') }, signal);
  }

  async run(request: QueryRequest): Promise<QueryResult> {
    const startedAt = Date.now();
    const statements = splitStatements(request.sql);
    if (statements.length === 0) throw new Error('There is no SQL statement to run.');
    const totals: Totals = { bytesScanned: 0, costUsd: 0, notes: [] };
    let last: QueryExecution | undefined;
    for (const [index, sql] of statements.entries()) {
      const label = statements.length > 1 ? `statement ${index + 1} of ${statements.length}` : 'query';
      last = await this.execute(sql, request, label);
      addStatistics(totals, last, label);
    }
    const queryId = last!.QueryExecutionId!;
    const opened = await this.openResults(last!, request.signal, totals.notes);

    let rows = 0;
    let finishedAt: number | undefined;
    const counted = async function* (): AsyncGenerator<QueryValue[][]> {
      for await (const batch of opened.batches) {
        rows += batch.length;
        yield batch;
      }
      finishedAt = Date.now();
    };
    return {
      columns: opened.columns,
      batches: counted(),
      statistics: (): QueryStatistics => ({
        engine: 'athena',
        rows,
        bytesScanned: totals.bytesScanned,
        elapsedMs: (finishedAt ?? Date.now()) - startedAt,
        costUsd: totals.costUsd,
        queryId,
        notes: [...totals.notes],
      }),
    };
  }

  async dispose(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  /** Runs one statement to SUCCEEDED; throws QueryFailedError or QueryCancelledError otherwise. */
  private async execute(sql: string, request: QueryRequest, label: string): Promise<QueryExecution> {
    const queryId = await this.start(sql);
    return this.waitForCompletion(queryId, request, label);
  }

  private async start(sql: string): Promise<string> {
    const { workgroup, outputLocation, database, catalog } = this.options;
    try {
      // No abort signal here: were the request cut off after Athena accepted it, the query would run
      // on with no id to stop it by. A cancel is acted on right after, in waitForCompletion.
      const started = await this.client.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          WorkGroup: workgroup,
          QueryExecutionContext: { Database: database, Catalog: catalog },
          ResultConfiguration: outputLocation ? { OutputLocation: outputLocation } : undefined,
        }),
      );
      if (!started.QueryExecutionId) throw new Error('Athena accepted the query but returned no QueryExecutionId.');
      return started.QueryExecutionId;
    } catch (error) {
      throw this.explainStartError(error);
    }
  }

  /** Turns the configuration mistakes Athena reports at start into messages that name the setting to change. */
  private explainStartError(error: unknown): unknown {
    const message = error instanceof Error ? error.message : String(error);
    const { workgroup } = this.options;
    if (/output location/i.test(message)) {
      return new Error(
        `Athena has nowhere to write query results: workgroup "${workgroup}" has no result location. Set the setting s3lifecycle.athena.outputLocation to an S3 URI such as s3://my-bucket/athena-results/, or give the workgroup a query result location. (Athena: ${message})`,
        { cause: error },
      );
    }
    if (/workgroup/i.test(message) && /not (be )?found|does not exist/i.test(message)) {
      return new Error(
        `Athena workgroup "${workgroup}" does not exist in this account and region: set s3lifecycle.athena.workgroup to an existing workgroup (such as primary). (Athena: ${message})`,
        {
          cause: error,
        },
      );
    }
    return error;
  }

  private async waitForCompletion(queryId: string, request: QueryRequest, label: string): Promise<QueryExecution> {
    const { signal, onProgress } = request;
    try {
      for (let attempt = 0; ; attempt++) {
        signal?.throwIfAborted();
        await sleep(pollDelay(attempt, this.pollInterval), undefined, { signal });
        const { QueryExecution: execution } = await this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId }), { abortSignal: signal });
        const state = execution?.Status?.State ?? 'UNKNOWN';
        onProgress?.({ message: `Athena ${label} ${queryId}: ${state}, ${formatBytes(execution?.Statistics?.DataScannedInBytes ?? 0)} scanned` });
        if (state === 'SUCCEEDED') return execution!;
        if (state === 'FAILED' || state === 'CANCELLED') throw queryFailure(execution!, queryId, label);
      }
    } catch (error) {
      if (error instanceof QueryFailedError) throw error;
      // Cancelled, or we lost sight of the query (network, permissions): stop it rather than let it
      // run on, and bill, unobserved.
      const stopProblem = await this.stop(queryId);
      if (signal?.aborted) throw new QueryCancelledError(`the Athena ${label} ${queryId} was cancelled${stopProblem}`);
      throw error;
    }
  }

  /** Best effort; returns '' or a sentence fragment saying why stopping failed. */
  private async stop(queryId: string): Promise<string> {
    try {
      await this.client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryId }));
      return '';
    } catch (error) {
      return `, but stopping it failed (${error instanceof Error ? error.message : String(error)}): it may still be running in Athena`;
    }
  }

  private async openResults(
    execution: QueryExecution,
    signal: AbortSignal | undefined,
    notes: string[],
  ): Promise<{ columns: QueryColumn[]; batches: AsyncIterable<QueryValue[][]> }> {
    const queryId = execution.QueryExecutionId!;
    const csv = this.resultMode === 'paging' ? undefined : csvLocation(execution, this.options.s3Client);
    if (this.resultMode === 'csv' && !csv) {
      throw new Error(
        `Athena query ${queryId} has no result CSV to read (statement type ${execution.StatementType ?? 'unknown'}, output ${execution.ResultConfiguration?.OutputLocation ?? 'none'}${this.options.s3Client ? '' : ', and no S3 client was given'}): use the paging or auto result mode.`,
      );
    }
    // In csv mode one row is enough: the page is read for its column metadata.
    let first: GetQueryResultsCommandOutput;
    try {
      first = await this.fetchPage(queryId, undefined, this.resultMode === 'csv' ? 1 : PAGE_SIZE, signal);
    } catch (error) {
      throw signal?.aborted ? readingCancelled() : error;
    }
    const columns = (first.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => ({ name: c.Name ?? '', type: c.Type ?? 'varchar' }));
    const firstRows = first.ResultSet?.Rows ?? [];
    // Athena puts the column names in the first row of a SELECT's results (not of DDL's).
    const dataRows = execution.StatementType === 'DML' && isHeaderRow(firstRows[0], columns) ? firstRows.slice(1) : firstRows;
    const reader = this.readBatches({
      queryId,
      columns,
      firstBatch: dataRows.map((r) => convertRow(datumValues(r), columns)),
      firstPageRows: firstRows.length,
      nextToken: first.NextToken,
      csv,
      signal,
      notes,
    });
    return { columns, batches: cancellationAware(reader, signal) };
  }

  private async *readBatches(read: ResultReading): AsyncGenerator<QueryValue[][]> {
    if (read.firstBatch.length > 0) yield read.firstBatch;
    if (!read.nextToken) return;
    const body = read.csv ? await this.openCsv(read.csv, read.signal, read.notes) : undefined;
    if (body) {
      // The CSV holds the same rows as the pages, header line included: skip what the first page gave.
      yield* csvBatches(body, read.firstPageRows, read.columns, read.csv!);
      return;
    }
    for (let token: string | undefined = read.nextToken; token;) {
      const page = await this.fetchPage(read.queryId, token, PAGE_SIZE, read.signal);
      token = page.NextToken;
      const batch = (page.ResultSet?.Rows ?? []).map((r) => convertRow(datumValues(r), read.columns));
      if (batch.length > 0) yield batch;
    }
  }

  private async fetchPage(
    queryId: string,
    nextToken: string | undefined,
    maxResults: number,
    signal: AbortSignal | undefined,
  ): Promise<GetQueryResultsCommandOutput> {
    signal?.throwIfAborted();
    return this.client.send(new GetQueryResultsCommand({ QueryExecutionId: queryId, NextToken: nextToken, MaxResults: maxResults }), { abortSignal: signal });
  }

  /** The result CSV's body; in auto mode undefined (and a note) when it cannot be read, so rows come through paging instead. */
  private async openCsv(location: S3Location, signal: AbortSignal | undefined, notes: string[]): Promise<Readable | undefined> {
    const uri = `s3://${location.bucket}/${location.key}`;
    try {
      const object = await this.options.s3Client!.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }), { abortSignal: signal });
      if (!(object.Body instanceof Readable)) throw new Error('the response has no readable body');
      return object.Body;
    } catch (error) {
      if (signal?.aborted) throw error;
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      if (this.resultMode === 'csv')
        throw new Error(
          `Cannot read Athena's result file ${uri} (${reason}): check that the output location exists and that the S3 credentials may read it (s3:GetObject).`,
          { cause: error },
        );
      notes.push(`Rows were read page by page: Athena's result file ${uri} could not be read (${reason}).`);
      return undefined;
    }
  }
}

function addStatistics(totals: Totals, execution: QueryExecution, label: string): void {
  const bytes = execution.Statistics?.DataScannedInBytes ?? 0;
  totals.bytesScanned += bytes;
  // Athena bills DDL nothing; everything else at least 10 MB.
  totals.costUsd += execution.StatementType === 'DDL' ? 0 : athenaCostUsd(bytes);
  if (execution.Statistics?.ResultReuseInformation?.ReusedPreviousResult)
    totals.notes.push(`Athena reused an earlier result for the ${label}: it scanned no data.`);
}

function queryFailure(execution: QueryExecution, queryId: string, label: string): QueryFailedError {
  const status = execution.Status;
  const reasons: string[] = [];
  for (const reason of [status?.StateChangeReason, status?.AthenaError?.ErrorMessage]) {
    if (reason && !reasons.some((r) => r.includes(reason))) reasons.push(reason);
  }
  const outcome = status?.State === 'CANCELLED' ? 'was cancelled in Athena' : 'failed';
  const why = reasons.length > 0 ? reasons.join(' — ') : 'Athena gave no reason';
  const hint = /SCHEMA_NOT_FOUND|Schema '[^']*' does not exist/i.test(why) ? ' Set s3lifecycle.athena.database to an existing database.' : '';
  return new QueryFailedError(`The Athena ${label} ${outcome}: ${why} (query id ${queryId}).${hint}`, queryId);
}

/** Where the result CSV is, when there is one to read: SELECTs write `<id>.csv`; DDL writes `<id>.txt` in another layout. */
function csvLocation(execution: QueryExecution, s3Client: S3Client | undefined): S3Location | undefined {
  const uri = execution.ResultConfiguration?.OutputLocation;
  if (!s3Client || execution.StatementType !== 'DML' || !uri?.endsWith('.csv')) return undefined;
  try {
    return parseS3Uri(uri);
  } catch {
    return undefined;
  }
}

function isHeaderRow(row: Row | undefined, columns: QueryColumn[]): boolean {
  const data = row?.Data ?? [];
  return columns.length > 0 && data.length === columns.length && data.every((d, i) => d.VarCharValue === columns[i]!.name);
}

/** A missing VarCharValue is Athena's NULL. */
function datumValues(row: Row): CsvField[] {
  return (row.Data ?? []).map((d) => d.VarCharValue ?? null);
}

function convertRow(values: CsvField[], columns: QueryColumn[]): QueryValue[] {
  return columns.map((c, i) => convertAthenaValue(values[i] ?? null, c.type));
}

async function* csvBatches(body: Readable, skip: number, columns: QueryColumn[], location: S3Location): AsyncGenerator<QueryValue[][]> {
  let toSkip = skip;
  try {
    for await (const records of parseCsvStream(body, { unquotedEmptyAsNull: true })) {
      const fresh = toSkip > 0 ? records.slice(toSkip) : records;
      toSkip = Math.max(0, toSkip - records.length);
      const misfit = fresh.find((r) => r.length !== columns.length);
      if (misfit)
        throw new Error(
          `Athena's result file s3://${location.bucket}/${location.key} has a record of ${misfit.length} fields where the query has ${columns.length} columns.`,
        );
      if (fresh.length > 0) yield fresh.map((r) => convertRow(r, columns));
    }
  } finally {
    body.destroy();
  }
}

/** Stops at a cancel between batches; whatever error reading ends in after a cancel (an SDK AbortError, a destroyed stream…) is a cancel. */
async function* cancellationAware(batches: AsyncIterable<QueryValue[][]>, signal: AbortSignal | undefined): AsyncGenerator<QueryValue[][]> {
  try {
    for await (const batch of batches) {
      yield batch;
      // The consumer asks for the next batch only now: a cancel since the last one stops here.
      signal?.throwIfAborted();
    }
  } catch (error) {
    throw signal?.aborted ? readingCancelled() : error;
  }
}

function readingCancelled(): QueryCancelledError {
  return new QueryCancelledError('reading the Athena results was cancelled');
}

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'int', 'integer', 'bigint']);
const FLOAT_TYPES = new Set(['double', 'float', 'real']);

/**
 * Athena's text for a value, typed by its column: integers and floating point become numbers
 * (unless a double could not hold them exactly, or they are NaN/Infinity, which JSON cannot),
 * booleans booleans, timestamps ISO-8601 UTC strings; everything else stays text.
 */
export function convertAthenaValue(text: string | null, type: string): QueryValue {
  if (text === null) return null;
  const t = type.toLowerCase();
  if (INTEGER_TYPES.has(t)) return integerValue(text);
  if (FLOAT_TYPES.has(t)) return floatValue(text);
  if (t === 'decimal' || t.startsWith('decimal(')) return decimalValue(text);
  if (t === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  if (t === 'timestamp' || /^timestamp\(\d+\)$/.test(t)) return isoTimestamp(text);
  return text;
}

function integerValue(text: string): QueryValue {
  if (!/^-?\d+$/.test(text)) return text;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

function floatValue(text: string): QueryValue {
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : text;
}

/** Up to 15 significant digits a double holds any decimal exactly; longer ones stay strings. */
function decimalValue(text: string): QueryValue {
  const match = /^-?(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return text;
  const significant = `${match[1]}${match[2] ?? ''}`.replace(/^0+/, '').length;
  return significant <= 15 ? Number(text) : text;
}

/** Athena's `timestamp` is zone-less and written `2024-01-02 03:04:05.678`; it is UTC by convention. */
function isoTimestamp(text: string): string {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)$/.exec(text);
  return match ? `${match[1]}T${match[2]}Z` : text;
}

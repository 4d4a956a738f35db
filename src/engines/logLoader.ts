// Loading server access logs into the embedded DuckDB: our parser checks and splits each line,
// the lines go to scratch files as CSV (logCsv.ts), and DuckDB reads those in with read_csv.
//
// Why not DuckDB's appender: each value is an N-API call (28 per line), and those calls cost far
// more than parsing. Here JavaScript mostly copies lines as they are and DuckDB parses them
// natively. A batch is inserted while the next ones are parsed, DuckDB on one thread (the parser
// has the other core); batches that pile up go in together, on every thread. The thread count is
// set by the read (read_csv's serial scanner), never by SET: the engine's configuration is locked.

import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { AccessLogParser, type ParsedAccessLogRecord } from '../core/accessLog/parser';
import { QueryCancelledError } from './engine';
import { duckName, type ExternalTable } from './localCompat';
import { scratchFolder, type LoadContext, type LoadReport } from './sourceLoad';
import { AccessLogCsvRows, LOG_CSV_COLUMNS, LOG_CSV_OPTIONS, logCsvKeySql } from './logCsv';
import { LogFileSelection, logFileDt } from './logFileSelection';

/**
 * The typed columns of a loaded access-log table: what access_log_table's view presents, so the
 * view over a loaded table is simply `SELECT *`.
 */
export const ACCESS_LOG_COLUMNS: { name: string; type: string; field: keyof ParsedAccessLogRecord | 'request_time' }[] = [
  { name: 'bucket_owner', type: 'VARCHAR', field: 'bucket_owner' },
  { name: 'bucket', type: 'VARCHAR', field: 'bucket' },
  { name: 'request_time', type: 'TIMESTAMP', field: 'request_time' },
  { name: 'remote_ip', type: 'VARCHAR', field: 'remote_ip' },
  { name: 'requester', type: 'VARCHAR', field: 'requester' },
  { name: 'request_id', type: 'VARCHAR', field: 'request_id' },
  { name: 'operation', type: 'VARCHAR', field: 'operation' },
  { name: 'key', type: 'VARCHAR', field: 'key' },
  { name: 'request_uri', type: 'VARCHAR', field: 'request_uri' },
  { name: 'http_status', type: 'INTEGER', field: 'http_status' },
  { name: 'error_code', type: 'VARCHAR', field: 'error_code' },
  { name: 'bytes_sent', type: 'BIGINT', field: 'bytes_sent' },
  { name: 'object_size', type: 'BIGINT', field: 'object_size' },
  { name: 'total_time', type: 'BIGINT', field: 'total_time' },
  { name: 'turn_around_time', type: 'BIGINT', field: 'turn_around_time' },
  { name: 'referrer', type: 'VARCHAR', field: 'referrer' },
  { name: 'user_agent', type: 'VARCHAR', field: 'user_agent' },
  { name: 'version_id', type: 'VARCHAR', field: 'version_id' },
  { name: 'host_id', type: 'VARCHAR', field: 'host_id' },
  { name: 'signature_version', type: 'VARCHAR', field: 'signature_version' },
  { name: 'cipher_suite', type: 'VARCHAR', field: 'cipher_suite' },
  { name: 'authentication_type', type: 'VARCHAR', field: 'authentication_type' },
  { name: 'host_header', type: 'VARCHAR', field: 'host_header' },
  { name: 'tls_version', type: 'VARCHAR', field: 'tls_version' },
  { name: 'access_point_arn', type: 'VARCHAR', field: 'access_point_arn' },
  { name: 'acl_required', type: 'VARCHAR', field: 'acl_required' },
  { name: 'source_region', type: 'VARCHAR', field: 'source_region' },
];

export { logFileDt };

const MAX_REPORTED_MALFORMED = 20;
/** CSV bytes per batch: a statement's own cost is nothing next to this. */
const BATCH_BYTES = 16 << 20;
/** Batches written and not yet inserted before parsing waits: this much scratch space at most. */
const MAX_WAITING_BATCHES = 8;
const READ_BYTES = 1 << 20;

// The copy keeps the log's field order: the table's columns must be in it.
if (ACCESS_LOG_COLUMNS.some((c, i) => LOG_CSV_COLUMNS[i] !== c.name)) throw new Error("ACCESS_LOG_COLUMNS must follow the log's field order");

interface Batch {
  path: string;
  dt: string | null;
  /** The longest row, for read_csv's line-size limit. */
  longest: number;
  /** A quoted value holds a line break: the batch is read without the parallel scanner. */
  quotedLineBreaks: boolean;
}

/**
 * The INSERT of some batches: read_csv with the CSV's column types (the time as microseconds), and dt
 * from the batch; on one thread (the serial scanner) unless `everyThread`.
 */
function insertSql(table: string, batches: Batch[], everyThread: boolean): string {
  const types = new Map(ACCESS_LOG_COLUMNS.map((c) => [c.name, c.type === 'TIMESTAMP' ? 'BIGINT' : c.type]));
  const columns = LOG_CSV_COLUMNS.map((name) => `${sqlString(name)}: '${types.get(name) ?? 'VARCHAR'}'`);
  const dts = new Set(batches.map((b) => b.dt));
  const dt =
    dts.size === 1 ? dtLiteral(batches[0]!.dt) : `CASE filename ${batches.map((b) => `WHEN ${sqlString(b.path)} THEN ${dtLiteral(b.dt)}`).join(' ')} END`;
  const select = ACCESS_LOG_COLUMNS.map((c) =>
    c.type === 'TIMESTAMP'
      ? `make_timestamp(${duckName(c.name)})`
      : c.field === 'key'
        ? logCsvKeySql(duckName(c.name), 'key_exact', duckName('operation'))
        : duckName(c.name),
  );
  const lineSize = Math.max(2 << 20, Math.max(...batches.map((b) => b.longest)) + 1);
  const files = `[${batches.map((b) => sqlString(b.path)).join(', ')}]`;
  const serial = !everyThread || batches.some((b) => b.quotedLineBreaks) ? ', parallel = false' : '';
  const options = `${LOG_CSV_OPTIONS}, max_line_size = ${lineSize}, buffer_size = ${Math.max(32 << 20, 2 * lineSize)}${dts.size === 1 ? '' : ', filename = true'}${serial}`;
  return `INSERT INTO ${table} SELECT ${select.join(', ')}, CAST(NULL AS VARCHAR), ${dt} FROM read_csv(${files}, ${options}, columns = {${columns.join(', ')}})`;
}

/** One line of standard CSV (quotes doubled; null as an empty unquoted field). */
function csvRow(values: (string | null)[]): string {
  return `${values.map((v) => (v === null ? '' : `"${v.replace(/"/g, '""')}"`)).join(',')}\n`;
}

function dtLiteral(dt: string | null): string {
  return dt === null ? 'CAST(NULL AS VARCHAR)' : sqlString(dt);
}

function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Inserts the batches in order while the caller writes the next ones: each INSERT takes every batch
 * written by then. While the caller parses, DuckDB reads on one thread, leaving the parser a core;
 * when batches pile up (parsing waits then) or parsing has ended, it takes every core.
 */
class BatchInserter {
  private readonly waiting: Batch[] = [];
  /** The INSERT running now; it never rejects (a failure is kept in `failure`). */
  private inFlight: Promise<void> | null = null;
  private failure: { error: unknown } | null = null;
  private finishing = false;
  private sequence = 0;

  constructor(
    private readonly connection: DuckDBConnection,
    private readonly table: string,
    private readonly folder: string,
  ) {}

  /** Writes the rows to a batch file (and clears them); waits while too many batches wait. */
  async send(rows: AccessLogCsvRows, dt: string | null): Promise<void> {
    this.throwIfFailed();
    if (rows.rows === 0) return;
    const path = join(this.folder, `batch-${this.sequence++}.csv`);
    const file = await open(path, 'w');
    try {
      await file.write(rows.buffer, 0, rows.length);
    } finally {
      await file.close();
    }
    this.waiting.push({ path, dt, longest: rows.longest, quotedLineBreaks: rows.quotedLineBreaks });
    rows.clear();
    this.next();
    while (this.inFlight && this.waiting.length >= MAX_WAITING_BATCHES) await this.inFlight;
    this.throwIfFailed();
  }

  /** Inserts what still waits and returns when every batch is in. */
  async finish(): Promise<void> {
    this.finishing = true;
    this.next();
    while (this.inFlight) await this.inFlight;
    this.throwIfFailed();
  }

  /** Waits for the INSERT in flight, however it ends (the load has failed already); inserts no more. */
  async abandon(): Promise<void> {
    this.failure ??= { error: new QueryCancelledError() };
    while (this.inFlight) await this.inFlight;
  }

  private next(): void {
    if (this.inFlight || this.failure || this.waiting.length === 0) return;
    const everyCore = this.finishing || this.waiting.length >= MAX_WAITING_BATCHES;
    this.inFlight = this.insert(this.waiting.splice(0), everyCore).then(
      () => {
        this.inFlight = null;
        this.next();
      },
      (error: unknown) => {
        this.inFlight = null;
        this.failure ??= { error };
      },
    );
  }

  private async insert(batches: Batch[], everyCore: boolean): Promise<void> {
    await this.connection.run(insertSql(this.table, batches, everyCore));
    await Promise.all(batches.map((b) => rm(b.path, { force: true })));
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}

export async function loadAccessLogs(table: ExternalTable, ctx: LoadContext): Promise<LoadReport> {
  // Only the files that can hold lines of the days asked for (every file when no days are given).
  const selection = new LogFileSelection(ctx.logFileDays);
  const files = await ctx.reader.list(ctx.prefix, ctx.signal, selection);
  if (files.length === 0 && selection.filesOutside === 0 && selection.foldersOutside === 0)
    throw new Error(`no access-log files at ${ctx.reader.uri}${ctx.prefix}: give the folder S3 delivers one source bucket's logs to`);
  const name = duckName(table.name);
  // A malformed line is a row too, with only its reason, what of its bucket and key could be read, and its file's date.
  const columns = [...ACCESS_LOG_COLUMNS.map((c) => `${duckName(c.name)} ${c.type}`), 'malformed VARCHAR', 'dt VARCHAR'];
  await ctx.connection.run(`CREATE OR REPLACE TABLE ${name} (${columns.join(', ')})`);
  const notes: string[] = [];
  let malformed = 0;
  let keyUriDisagreements = 0;
  const disagreementExamples: string[] = [];
  let records = 0;
  let bytes = 0;
  const total = files.reduce((n, f) => n + f.size, 0);
  const scratch = await scratchFolder(ctx, 's3ls-logs');
  const rows = new AccessLogCsvRows(BATCH_BYTES + (1 << 20));
  const malformedRows = await open(join(scratch, 'malformed.csv'), 'w');
  const readBuffer = Buffer.allocUnsafe(READ_BYTES);
  const inserter = new BatchInserter(ctx.connection, name, scratch);
  // One transaction for every batch: a commit per batch lets DuckDB start a checkpoint after each,
  // which costs more than the insert.
  await ctx.connection.run('BEGIN TRANSACTION');
  try {
    let batchDt: string | null = null;
    for (const file of files) {
      checkAbort(ctx.signal);
      ctx.progress(`Parsing access logs: ${Math.round((bytes / Math.max(total, 1)) * 100)}%`, bytes / Math.max(total, 1));
      // A batch holds one date partition: dt is a constant of its INSERT.
      const dt = logFileDt(file.key);
      if (dt !== batchDt) await inserter.send(rows, batchDt);
      batchDt = dt;
      const pendingMalformed: string[] = [];
      const parser = new AccessLogParser(
        () => undefined,
        (problem) => {
          malformed++;
          const where = `${file.key}:${problem.line}: ${problem.reason}`;
          if (malformed <= MAX_REPORTED_MALFORMED) notes.push(where);
          pendingMalformed.push(csvRow([dt, where, problem.bucket ?? null, problem.key ?? null]));
        },
        {
          onScannedLine: (line) => rows.add(line),
          onKeyUriDisagreement: (d) => {
            keyUriDisagreements++;
            if (disagreementExamples.length < 5) disagreementExamples.push(`${file.key}:${d.line}: key field ${d.field}, request "${d.requestUri}"`);
          },
        },
      );
      const handle = await open(await ctx.reader.fetch(file, ctx.signal), 'r');
      try {
        // One buffer for every read: the parser copies what it keeps of a chunk.
        for (let read = await handle.read(readBuffer, 0, READ_BYTES); read.bytesRead > 0; read = await handle.read(readBuffer, 0, READ_BYTES)) {
          parser.push(readBuffer.subarray(0, read.bytesRead));
          if (rows.length >= BATCH_BYTES) await inserter.send(rows, dt);
        }
        parser.end();
        if (pendingMalformed.length > 0) await malformedRows.write(pendingMalformed.join(''));
      } catch (error) {
        if (error instanceof RangeError) throw new Error(`${file.key}: ${error.message}`);
        throw error;
      } finally {
        await handle.close();
      }
      records += parser.records;
      bytes += file.size;
    }
    checkAbort(ctx.signal);
    ctx.progress('Loading the access logs into the local engine', 1);
    await inserter.send(rows, batchDt);
    await inserter.finish();
    await malformedRows.close();
    if (malformed > 0) {
      await ctx.connection.run(
        `INSERT INTO ${name} (dt, malformed, bucket, key) SELECT dt, malformed, bucket, key FROM read_csv(${sqlString(join(scratch, 'malformed.csv'))}, ` +
          `header = false, delim = ',', quote = '"', escape = '"', auto_detect = false, columns = {'dt': 'VARCHAR', 'malformed': 'VARCHAR', 'bucket': 'VARCHAR', 'key': 'VARCHAR'})`,
      );
    }
    await ctx.connection.run('COMMIT');
  } catch (error) {
    await inserter.abandon();
    await ctx.connection.run('ROLLBACK').catch(() => undefined);
    if (ctx.signal?.aborted) throw new QueryCancelledError();
    throw error;
  } finally {
    await malformedRows.close().catch(() => undefined);
    await rm(scratch, { recursive: true, force: true });
  }
  const count = await ctx.connection.runAndReadAll(`SELECT count(*) AS n FROM ${name} WHERE malformed IS NULL`);
  const loaded = Number(count.getRowObjectsJS()[0]!.n);
  if (loaded !== records) throw new Error(`loading the access logs went wrong: ${records} records parsed but ${loaded} rows loaded`);
  if (malformed > MAX_REPORTED_MALFORMED) notes.push(`… and ${malformed - MAX_REPORTED_MALFORMED} more`);
  notes.unshift(
    `access logs: ${files.length} file${files.length === 1 ? '' : 's'}, ${records} records, ${malformed} malformed line${malformed === 1 ? '' : 's'} (skipped and reported)`,
  );
  notes.splice(1, 0, ...selection.notes(`${ctx.reader.uri}${ctx.prefix}`));
  if (keyUriDisagreements > 0) {
    notes.push(
      `${keyUriDisagreements} request line${keyUriDisagreements === 1 ? '' : 's'} whose key field, decoded as S3 encodes it (twice for REST.* requests), is not the object the request URI names — ` +
        `the logs were not written the way S3 writes them, or were rewritten: ${disagreementExamples.join('; ')}${keyUriDisagreements > disagreementExamples.length ? '; …' : ''}`,
    );
  }
  return { rows: records, bytes, notes };
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new QueryCancelledError();
}

// The embedded engine: DuckDB in this process, running the same template text as Athena after the
// compatibility layer (localCompat.ts), with the sources each template declares loaded on demand.

import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatBytes } from '../core/format';
import { openInMemoryDuckDb, sandboxRefusal, sandboxSettings } from './duckdb';
import {
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
import { classifyStatement, duckName, referencedTables, TRINO_MACROS, type ExternalTable } from './localCompat';
import { loadAccessLogs, loadInventory, locateInventoryReport, type LoadReport } from './localSources';
import { openLocation, type FolderWalkLimits } from './locations';

export interface LocalEngineOptions {
  /** Where S3 downloads are cached (by ETag). */
  cacheDir: string;
  /** The S3 client for s3:// locations, created when first needed. */
  s3?: () => S3Client;
  /** DuckDB's thread count; DuckDB's default (all cores) when unset. */
  threads?: number;
  /** How far a file:// location is walked (FOLDER_WALK_LIMITS when unset). */
  folderWalkLimits?: FolderWalkLimits;
}

const BATCH_ROWS = 2048;

/** A DuckDB value as a JSON-safe cell. */
export function toQueryValue(value: unknown): QueryValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Array.isArray(value)) return value.map(toQueryValue);
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

interface OpenDatabase {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  /** The one folder DuckDB may read and write: staged sources, parsed logs, spilled data. Removed on dispose. */
  sandbox: string;
}

/**
 * Template SQL runs sandboxed (see sandboxSettings): it reads only the tables the engine loads from
 * the locations it is given, and cannot write a file, load an extension or change a setting.
 */
export class LocalEngine implements QueryEngine {
  readonly kind = 'local' as const;
  private instance: Promise<OpenDatabase> | undefined;
  /** Tables loaded from access logs: a view over one of them is that table's columns as they are. */
  private readonly accessLogTables = new Set<string>();
  /** Tables loaded from sources: views over them are materialised once instead of recomputed per query. */
  private readonly loadedTables = new Set<string>();
  /** One query at a time on the shared connection. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: LocalEngineOptions) {}

  private connection(): Promise<OpenDatabase> {
    this.instance ??= (async () => {
      // DuckDB checks paths after resolving links: the folder is named by its real path.
      const sandbox = await realpath(await mkdtemp(join(tmpdir(), 's3ls-engine-')));
      const instance = await openInMemoryDuckDb();
      try {
        const connection = await instance.connect();
        // Athena works in UTC; so must the local engine, whatever this machine's zone.
        await connection.run(`SET TimeZone = 'UTC'`);
        if (this.options.threads) await connection.run(`SET threads = ${Math.max(1, Math.floor(this.options.threads))}`);
        for (const macro of TRINO_MACROS) await connection.run(macro);
        for (const setting of sandboxSettings(sandbox)) await connection.run(setting);
        return { instance, connection, sandbox };
      } catch (error) {
        instance.closeSync();
        await rm(sandbox, { recursive: true, force: true });
        throw error;
      }
    })();
    return this.instance;
  }

  /**
   * Queued like a query: run on the connection while another query's rows are still being read,
   * it would end that result early, and silently (two renders at once lost a whole answer so).
   */
  tableExists(name: string): Promise<boolean> {
    const exists = this.queue.then(async () => {
      const { connection } = await this.connection();
      const reader = await connection.runAndReadAll(`SELECT count(*) AS n FROM information_schema.tables WHERE table_name = ${stringLiteral(name)}`);
      return Number(reader.getRowObjectsJS()[0]!.n) > 0;
    });
    this.queue = exists.then(
      () => undefined,
      () => undefined,
    );
    return exists;
  }

  inventoryReport(location: string, signal?: AbortSignal): Promise<LocatedInventoryReport> {
    return locateInventoryReport(location, this.options, signal);
  }

  run(request: QueryRequest): Promise<QueryResult> {
    const result = this.queue.then(() => this.runNow(request));
    this.queue = result.then(
      (r) => r.done,
      () => undefined,
    );
    return result;
  }

  private async runNow(request: QueryRequest): Promise<QueryResult & { done: Promise<void> }> {
    const started = Date.now();
    const { connection, sandbox } = await this.connection();
    const { JSDuckDBValueConverter } = await import('@duckdb/node-api');
    const statements = splitStatements(request.sql);
    if (statements.length === 0) throw new QueryFailedError('the template has no SQL statement to run');
    const notes: string[] = [];
    let bytes = 0;
    const onAbort = () => connection.interrupt();
    request.signal?.addEventListener('abort', onAbort);
    const fail = (error: unknown): never => {
      request.signal?.removeEventListener('abort', onAbort);
      if (request.signal?.aborted || error instanceof QueryCancelledError) throw new QueryCancelledError();
      if (error instanceof QueryFailedError) throw error;
      const message = (error as Error).message;
      throw new QueryFailedError(sandboxRefusal(message) ?? message);
    };
    try {
      for (const [i, text] of statements.slice(0, -1).entries()) {
        if (request.signal?.aborted) throw new QueryCancelledError();
        request.onProgress?.({ message: `Statement ${i + 1} of ${statements.length}`, fraction: i / statements.length });
        const report = await this.execute(connection, text, request, sandbox);
        if (report) {
          bytes += report.bytes;
          notes.push(...report.notes);
        }
      }
      const last = statements[statements.length - 1]!;
      const lastStatement = classifyStatement(last);
      if (lastStatement.kind !== 'sql') {
        const report = await this.execute(connection, last, request, sandbox);
        if (report) {
          bytes += report.bytes;
          notes.push(...report.notes);
        }
        request.signal?.removeEventListener('abort', onAbort);
        const statistics: QueryStatistics = { engine: 'local', rows: 0, bytesScanned: bytes, elapsedMs: Date.now() - started, costUsd: 0, notes };
        return { columns: [], batches: (async function* () {})(), statistics: () => statistics, done: Promise.resolve() };
      }
      request.onProgress?.({
        message: statements.length > 1 ? `Statement ${statements.length} of ${statements.length}` : 'Running',
        fraction: (statements.length - 1) / statements.length,
      });
      const result = await connection.stream(lastStatement.sql);
      const columns: QueryColumn[] = result.columnNames().map((name, i) => ({ name, type: result.columnTypes()[i]!.toString() }));
      const statistics: QueryStatistics = { engine: 'local', rows: 0, bytesScanned: bytes, elapsedMs: 0, costUsd: 0, notes };
      let finish!: () => void;
      const done = new Promise<void>((resolve) => (finish = resolve));
      const signal = request.signal;
      // The next query waits for this one's rows to be read, or for it to be cancelled: a caller
      // that aborts without reading must not hold the connection.
      signal?.addEventListener('abort', () => finish(), { once: true });
      async function* batches(): AsyncGenerator<QueryValue[][]> {
        try {
          let batch: QueryValue[][] = [];
          for (;;) {
            const chunk = await result.fetchChunk().catch(fail);
            if (!chunk || chunk.rowCount === 0) break;
            for (const row of chunk.convertRows(JSDuckDBValueConverter)) batch.push(row.map(toQueryValue));
            if (batch.length >= BATCH_ROWS) {
              statistics.rows += batch.length;
              yield batch;
              batch = [];
            }
            if (signal?.aborted) throw new QueryCancelledError();
          }
          if (batch.length > 0) {
            statistics.rows += batch.length;
            yield batch;
          }
          statistics.elapsedMs = Date.now() - started;
        } finally {
          signal?.removeEventListener('abort', onAbort);
          finish();
        }
      }
      return { columns, batches: batches(), statistics: () => statistics, done };
    } catch (error) {
      return fail(error);
    }
  }

  /** Runs one statement that returns no rows the caller wants. */
  private async execute(connection: DuckDBConnection, text: string, request: QueryRequest, sandbox: string): Promise<LoadReport | undefined> {
    const statement = classifyStatement(text);
    switch (statement.kind) {
      case 'external':
        return this.load(connection, statement.table, request, sandbox);
      case 'drop': {
        const type = await this.objectType(connection, statement.name);
        if (type === undefined) {
          if (!statement.ifExists) throw new QueryFailedError(`table ${statement.name} does not exist`);
          return undefined;
        }
        await connection.run(`DROP ${type} ${duckName(statement.name)}`);
        this.accessLogTables.delete(statement.name);
        this.loadedTables.delete(statement.name);
        return undefined;
      }
      case 'view': {
        const sources = referencedTables(statement.select);
        const existing = await this.objectType(connection, statement.name);
        if (existing) await connection.run(`DROP ${existing} ${duckName(statement.name)}`);
        const logSource = sources.find((s) => this.accessLogTables.has(s));
        if (logSource) {
          // The loaded table already has the view's typed columns (our parser did what the view does).
          await connection.run(`CREATE VIEW ${duckName(statement.name)} AS SELECT * FROM ${duckName(logSource)}`);
          this.accessLogTables.add(statement.name);
        } else if (sources.some((s) => this.loadedTables.has(s))) {
          await connection.run(`CREATE TABLE ${duckName(statement.name)} AS ${statement.select}`);
          this.loadedTables.add(statement.name);
        } else {
          await connection.run(`CREATE VIEW ${duckName(statement.name)} AS ${statement.select}`);
        }
        return undefined;
      }
      case 'sql':
        await connection.run(statement.sql);
        return undefined;
    }
  }

  private async objectType(connection: DuckDBConnection, name: string): Promise<'TABLE' | 'VIEW' | undefined> {
    const reader = await connection.runAndReadAll(`SELECT table_type FROM information_schema.tables WHERE table_name = ${stringLiteral(name)}`);
    const type = reader.getRowObjectsJS()[0]?.table_type;
    return type === undefined ? undefined : type === 'VIEW' ? 'VIEW' : 'TABLE';
  }

  private async load(connection: DuckDBConnection, table: ExternalTable, request: QueryRequest, sandbox: string): Promise<LoadReport> {
    const { reader, prefix } = openLocation(table.location, this.options);
    const ctx = {
      connection,
      reader,
      prefix,
      scratch: sandbox,
      ...(request.logFileDays ? { logFileDays: request.logFileDays } : {}),
      signal: request.signal,
      progress: (message: string, fraction?: number) => request.onProgress?.({ message, ...(fraction !== undefined ? { fraction } : {}) }),
    };
    const downloadedBefore = reader.bytesDownloaded;
    const report = table.kind === 'accessLog' ? await loadAccessLogs(table, ctx) : await loadInventory(table, ctx);
    if (reader.uri.startsWith('s3://')) {
      const downloaded = reader.bytesDownloaded - downloadedBefore;
      report.notes.push(
        `${table.name}: ${formatBytes(downloaded)} downloaded, ${formatBytes(Math.max(0, report.bytes - downloaded))} from the cache (by ETag)`,
      );
    }
    this.loadedTables.add(table.name);
    if (table.kind === 'accessLog') this.accessLogTables.add(table.name);
    return report;
  }

  async dispose(): Promise<void> {
    const opened = this.instance;
    this.instance = undefined;
    if (!opened) return;
    await this.queue.catch(() => undefined);
    const { instance, connection, sandbox } = await opened;
    connection.closeSync();
    instance.closeSync();
    await rm(sandbox, { recursive: true, force: true });
  }
}

function stringLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

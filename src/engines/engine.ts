// The one interface both SQL engines implement: run a rendered template, stream its rows, report
// progress and statistics. The UI, the CLI and the tests only ever see this.

import type { LogFileDays } from '../core/retention/window';
import type { EngineKind } from '../core/settings';
import { statementSpans } from '../sql/dialect';

export type { EngineKind };

/** A cell as every consumer can use it: JSON-safe. Timestamps are ISO-8601 UTC strings; 64-bit integers beyond 2^53 are decimal strings. */
export type QueryValue = string | number | boolean | null | QueryValue[];

export interface QueryColumn {
  name: string;
  /** The engine's type name, e.g. `VARCHAR`, `BIGINT`, `varchar`. */
  type: string;
}

export interface QueryStatistics {
  engine: EngineKind;
  rows: number;
  /** Bytes the engine read to answer: Athena's DataScannedInBytes; for the local engine, the bytes of the sources it loaded. */
  bytesScanned: number;
  elapsedMs: number;
  /** US dollars; 0 for the local engine. */
  costUsd: number;
  /** Athena's QueryExecutionId, when there is one. */
  queryId?: string;
  /** Anything the user should know about the run (malformed log lines, cache hits…), one line each. */
  notes: string[];
}

export interface QueryProgress {
  message: string;
  /** 0..1 when known. */
  fraction?: number;
}

export interface QueryRequest {
  /** The rendered SQL; several statements separated by `;` run in order and the last one's rows are returned. */
  sql: string;
  /**
   * The log file dates the run needs: an engine that reads the files itself (the local engine)
   * loads an access-log table from the files dated within them and those with no date in their
   * name only. Every file when unset; Athena reads what the query's filters select.
   */
  logFileDays?: LogFileDays;
  signal?: AbortSignal;
  onProgress?: (progress: QueryProgress) => void;
}

export interface QueryResult {
  columns: QueryColumn[];
  /** Row batches in order; each row has one value per column. Iterate once. */
  batches: AsyncIterable<QueryValue[][]>;
  /** Final once `batches` is exhausted. */
  statistics(): QueryStatistics;
}

export interface QueryEngine {
  readonly kind: EngineKind;
  run(request: QueryRequest): Promise<QueryResult>;
  /** Whether a table or view of this name exists in the engine's session (the local engine); undefined when the engine cannot tell cheaply. */
  tableExists?(name: string): Promise<boolean>;
  /**
   * The newest S3 Inventory report at a location (a manifest.json, a configuration's or its hive/
   * folder, or the destination above them): its manifest, read where the engine reads S3 from.
   */
  inventoryReport?(location: string, signal?: AbortSignal): Promise<LocatedInventoryReport>;
  dispose(): Promise<void>;
}

/** An inventory report found at a location: what a template over it needs to know. */
export interface LocatedInventoryReport {
  /** Where its manifest.json is (a URI). */
  manifestUri: string;
  fileFormat: string;
  fileSchema: string;
  /** The report's `dt` partition value, yyyy-MM-dd-HH-mm. */
  dt: string;
  /** The report's hive/ folder, which an Athena table over the report reads (a URI ending in /). */
  hiveLocation: string;
  sourceBucket: string;
}

/** A query was stopped by its AbortSignal. */
export class QueryCancelledError extends Error {
  constructor(message = 'the query was cancelled') {
    super(message);
    this.name = 'QueryCancelledError';
  }
}

/** The engine ran the query and it failed: `message` carries the engine's own reason. */
export class QueryFailedError extends Error {
  constructor(
    message: string,
    readonly queryId?: string,
  ) {
    super(message);
    this.name = 'QueryFailedError';
  }
}

/** Reads a result to the end: columns and every row. For tests, the CLI and small results. */
export async function collectRows(result: QueryResult): Promise<{ columns: QueryColumn[]; rows: QueryValue[][]; statistics: QueryStatistics }> {
  const rows: QueryValue[][] = [];
  for await (const batch of result.batches) for (const row of batch) rows.push(row);
  return { columns: result.columns, rows, statistics: result.statistics() };
}

/** Athena's price: $5 per TB scanned, at least 10 MB per query (DDL and failed queries are free). */
export function athenaCostUsd(bytesScanned: number): number {
  const TB = 1024 ** 4;
  const MIN = 10 * 1024 * 1024;
  return (Math.max(bytesScanned, MIN) / TB) * 5;
}

/**
 * Splits SQL into statements at `;`, respecting quoted strings (read in each statement's dialect:
 * Hive DDL's backslash escapes, Trino's doubled quotes), quoted identifiers and comments. Empty
 * statements (and comments before a statement) are dropped.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  for (const span of statementSpans(sql)) {
    // Leading comments are dropped so a statement starts with its keyword (engines classify by it).
    const text = sql
      .slice(span.start, span.textEnd)
      .replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/, '')
      .trim();
    if (text !== '') statements.push(text);
  }
  return statements;
}

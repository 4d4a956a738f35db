// A small client of Trino's HTTP protocol for the tests against the Trino that `npm test -- trino`
// starts (S3LS_TRINO_ENDPOINT): POST the statement to /v1/statement, follow nextUri until there is
// none, collect the columns and rows; a failed query throws with Trino's own message. Statements go
// one at a time, as Trino takes them (split the way the engines split a template).

import { mkdirSync, mkdtempSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { splitStatements } from '../../src/engines/engine';

export function trinoEndpoint(): string {
  const endpoint = process.env.S3LS_TRINO_ENDPOINT;
  if (!endpoint) throw new Error('S3LS_TRINO_ENDPOINT is not set: run these tests through "npm test -- trino", which starts Trino');
  return endpoint;
}

/** The folder Trino's `local:///` URIs are paths below (its hive catalog's local.location). */
export function trinoLocalRoot(): string {
  const root = process.env.S3LS_TRINO_LOCAL_ROOT;
  if (!root) throw new Error('S3LS_TRINO_LOCAL_ROOT is not set: run these tests through "npm test -- trino", which starts Trino');
  return root;
}

/** A fresh folder below the local root, which Trino reads as local:///…. */
export function trinoScratchDir(prefix: string): string {
  const parent = join(trinoLocalRoot(), 'tests');
  mkdirSync(parent, { recursive: true });
  return mkdtempSync(join(parent, prefix));
}

/** The `local:///` URI of a path below the local root (a folder's ends in /). */
export function localUri(path: string, folder = true): string {
  const rel = relative(trinoLocalRoot(), path);
  if (rel === '' || rel.startsWith('..')) throw new Error(`${path} is not below Trino's local root ${trinoLocalRoot()}`);
  return `local:///${rel.split(sep).join('/')}${folder ? '/' : ''}`;
}

export interface TrinoColumn {
  name: string;
  type: string;
}

export interface TrinoResult {
  columns: TrinoColumn[];
  rows: unknown[][];
  /** CREATE TABLE, DROP TABLE, … for statements that change something. */
  updateType?: string;
}

interface QueryResults {
  id: string;
  nextUri?: string;
  columns?: TrinoColumn[];
  data?: unknown[][];
  updateType?: string;
  stats?: { state?: string };
  error?: { message?: string; errorName?: string; errorType?: string; errorLocation?: { lineNumber: number; columnNumber: number } };
}

export class TrinoQueryError extends Error {
  constructor(
    message: string,
    readonly sql: string,
    readonly errorName?: string,
  ) {
    super(message);
    this.name = 'TrinoQueryError';
  }
}

/** Statuses after which the protocol says to ask again (the coordinator is busy). */
const RETRY_STATUSES = new Set([429, 502, 503, 504]);

export class TrinoClient {
  constructor(
    readonly endpoint: string,
    readonly session: { catalog: string; schema: string; user?: string },
    private readonly timeoutMs = 180_000,
  ) {}

  private async request(url: string, init: RequestInit, deadline: number): Promise<QueryResults> {
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())) });
      const text = await response.text();
      if (RETRY_STATUSES.has(response.status) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
        continue;
      }
      if (!response.ok) throw new Error(`Trino answered ${response.status} ${response.statusText} at ${url}: ${text.slice(0, 500)}`);
      return JSON.parse(text) as QueryResults;
    }
  }

  /** Runs one statement to the end. */
  async query(sql: string): Promise<TrinoResult> {
    const deadline = Date.now() + this.timeoutMs;
    let results = await this.request(
      `${this.endpoint}/v1/statement`,
      {
        method: 'POST',
        body: sql,
        headers: {
          'X-Trino-User': this.session.user ?? 's3ls-tests',
          'X-Trino-Source': 's3ls-tests',
          'X-Trino-Catalog': this.session.catalog,
          'X-Trino-Schema': this.session.schema,
          'X-Trino-Time-Zone': 'UTC',
          'Content-Type': 'text/plain; charset=utf-8',
        },
      },
      deadline,
    );
    let columns: TrinoColumn[] | undefined;
    const rows: unknown[][] = [];
    let updateType: string | undefined;
    for (;;) {
      if (results.columns) columns = results.columns.map((c) => ({ name: c.name, type: c.type }));
      if (results.data) rows.push(...results.data);
      if (results.updateType) updateType = results.updateType;
      if (results.error) {
        const where = results.error.errorLocation
          ? ` (line ${results.error.errorLocation.lineNumber}, column ${results.error.errorLocation.columnNumber})`
          : '';
        throw new TrinoQueryError(
          `Trino: ${results.error.errorName ?? 'error'}: ${results.error.message ?? 'the query failed'}${where}\n--- the statement:\n${sql}`,
          sql,
          results.error.errorName,
        );
      }
      if (!results.nextUri) break;
      if (Date.now() > deadline) {
        await fetch(results.nextUri, { method: 'DELETE' }).catch(() => undefined);
        throw new TrinoQueryError(`Trino: the query did not finish within ${this.timeoutMs / 1000} s\n--- the statement:\n${sql}`, sql);
      }
      results = await this.request(results.nextUri, { method: 'GET' }, deadline);
    }
    return { columns: columns ?? [], rows, ...(updateType !== undefined ? { updateType } : {}) };
  }

  /** Runs every statement of a script in order and returns the last one's result. */
  async run(sql: string): Promise<TrinoResult> {
    const statements = splitStatements(sql);
    if (statements.length === 0) throw new Error('no statement to run');
    let last: TrinoResult | undefined;
    for (const statement of statements) last = await this.query(statement);
    return last!;
  }
}

// The tables one retention analysis makes, under names of its own: the default name and a random
// suffix. Analyses running at once on one engine (the extension keeps one DuckDB session per
// connection; Athena runs share a database) then never read or replace each other's tables, and
// each drops its own when it ends. Tables the user made and names (Athena's access-log table, an
// inventory given by name) are read as they are and never dropped.

import { randomBytes } from 'node:crypto';
import { collectRows, type EngineKind, type QueryEngine } from '../engines/engine';

export interface AnalysisTables {
  /** A built-in template's default table name → this analysis's own (TemplateRunner's `tables`). */
  readonly names: Readonly<Record<string, string>>;
  /** The statements that drop them, one a run, views before the tables they read. */
  readonly drops: readonly string[];
  /** The analysis makes the inventory table from the report's manifest (Athena, given an s3:// location). */
  readonly inventoryFromManifest: boolean;
}

/** The source tables an analysis makes on each engine, in drop order; a view on Athena is dropped as one. */
const SOURCES: Record<EngineKind, { name: string; view?: boolean; fromManifest?: boolean }[]> = {
  // The local engine loads the sources itself: every analysis loads its own.
  local: [{ name: 's3_inventory' }, { name: 's3_access_logs' }, { name: 's3_inventory_source' }, { name: 's3_access_logs_source' }],
  // Athena reads the user's access-log table; the inventory table is made only from a report's manifest.
  athena: [
    { name: 's3_inventory', view: true, fromManifest: true },
    { name: 's3_inventory_source', fromManifest: true },
  ],
};

/** The retention analysis's own result table. */
const RETENTION_RESULTS = ['unused_prefixes'];

/** A fresh suffix: 12 hex digits, so names stay plain identifiers on both engines. */
export function analysisId(): string {
  return randomBytes(6).toString('hex');
}

/**
 * The tables of one analysis on an engine of this kind; `inventoryFromManifest`: the analysis makes
 * the inventory table (Athena); `results`: the tables its templates make (the retention analysis's
 * by default), dropped first.
 */
export function analysisTables(kind: EngineKind, options: { inventoryFromManifest: boolean; id?: string; results?: readonly string[] }): AnalysisTables {
  const id = options.id ?? analysisId();
  if (!/^[a-z0-9]+$/.test(id)) throw new Error(`an analysis id is lowercase letters and digits, not "${id}"`);
  const results = (options.results ?? RETENTION_RESULTS).map((name) => ({ name, view: false }));
  const made = [...results, ...SOURCES[kind].filter((t) => !t.fromManifest || options.inventoryFromManifest)];
  const names = Object.fromEntries(made.map((t) => [t.name, `${t.name}_${id}`]));
  // Plain names (letters, digits, _): the same in Hive DDL and Trino, no quoting needed.
  const drops = made.map((t) => `DROP ${t.view ? 'VIEW' : 'TABLE'} IF EXISTS ${names[t.name]}`);
  return { names, drops, inventoryFromManifest: kind === 'athena' && options.inventoryFromManifest };
}

/**
 * Drops the analysis's tables, each on its own so one failure leaves the rest dropped. Never
 * cancelled (a cancelled analysis still cleans up). Returns a sentence for each that failed.
 */
export async function dropAnalysisTables(engine: QueryEngine, tables: AnalysisTables): Promise<string[]> {
  const problems: string[] = [];
  for (const sql of tables.drops) {
    try {
      await collectRows(await engine.run({ sql }));
    } catch (error) {
      problems.push(`${sql} failed (${error instanceof Error ? error.message : String(error)}): run it by hand to remove the table`);
    }
  }
  return problems;
}

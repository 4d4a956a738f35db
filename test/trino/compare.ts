// Results of both engines in one comparable form, and an assertion that names the differing rows
// rather than dumping thousands of equal ones.

import * as assert from 'node:assert/strict';
import type { TrinoResult } from './trino';

/** Column names, and rows with timestamps as ISO-8601 UTC, sorted. */
export interface Table {
  columns: string[];
  rows: unknown[][];
}

export function isoTimestamp(value: unknown): string {
  const text = String(value);
  // Trino writes `2026-10-31 23:45:56.000` (a timestamp without zone, UTC here); the local engine ISO-8601.
  const date = new Date(/[zZ]$|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
  if (Number.isNaN(date.getTime())) throw new Error(`"${text}" is not a timestamp`);
  return date.toISOString();
}

const rowKey = (row: unknown[]) => JSON.stringify(row);

export function comparable(columns: { name: string; type: string }[], rows: readonly (readonly unknown[])[]): Table {
  const timestamp = columns.map((c) => /^timestamp/i.test(c.type));
  const normalised = rows.map((row) => row.map((v, i) => (v === null || v === undefined ? null : timestamp[i] ? isoTimestamp(v) : v)));
  normalised.sort((a, b) => (rowKey(a) < rowKey(b) ? -1 : rowKey(a) > rowKey(b) ? 1 : 0));
  return { columns: columns.map((c) => c.name), rows: normalised };
}

export function fromTrino(result: TrinoResult): Table {
  return comparable(result.columns, result.rows);
}

/** The table without some of its columns (rows sorted again). */
export function withoutColumns(table: Table, names: string[]): Table {
  const keep = table.columns.map((c, i) => (names.includes(c) ? -1 : i)).filter((i) => i >= 0);
  return comparable(
    keep.map((i) => ({ name: table.columns[i]!, type: '' })),
    table.rows.map((row) => keep.map((i) => row[i])),
  );
}

/** The rows of one table that the other lacks (as multisets), as objects by column name. */
function missingFrom(rows: unknown[][], other: unknown[][], columns: string[]): Record<string, unknown>[] {
  const counts = new Map<string, number>();
  for (const row of other) counts.set(rowKey(row), (counts.get(rowKey(row)) ?? 0) + 1);
  const missing: Record<string, unknown>[] = [];
  for (const row of rows) {
    const n = counts.get(rowKey(row)) ?? 0;
    if (n > 0) counts.set(rowKey(row), n - 1);
    else missing.push(Object.fromEntries(columns.map((c, i) => [c, row[i]])));
  }
  return missing;
}

/** Same columns and the same rows; on a difference, the first rows found on one engine only. */
export function assertSameRows(trino: Table, local: Table, what: string, show = 8): void {
  assert.deepEqual(trino.columns, local.columns, `${what}: the same columns`);
  const onlyOnTrino = missingFrom(trino.rows, local.rows, trino.columns);
  const onlyOnLocal = missingFrom(local.rows, trino.rows, local.columns);
  assert.deepEqual(
    { onlyOnTrino: onlyOnTrino.slice(0, show), onlyOnLocal: onlyOnLocal.slice(0, show) },
    { onlyOnTrino: [], onlyOnLocal: [] },
    `${what}: ${onlyOnTrino.length} of Trino's ${trino.rows.length} rows are not among the local engine's ${local.rows.length}, and ${onlyOnLocal.length} of the local engine's not among Trino's (the first ${show} of each shown)`,
  );
}

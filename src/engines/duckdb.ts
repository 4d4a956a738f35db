// The embedded DuckDB engine's native binding, loaded only when first used: activation must not pay
// for a 60 MB native library. The LocalEngine (SQL templates) builds on this module.

import type { DuckDBInstance } from '@duckdb/node-api';

export interface LocalEngineInfo {
  /** DuckDB's own version string, e.g. `v1.5.2`. */
  version: string;
  platform: string;
}

/** Opens an in-memory DuckDB database. The caller closes it with `closeSync()`. */
export async function openInMemoryDuckDb(): Promise<DuckDBInstance> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  return DuckDBInstance.create(':memory:');
}

/** Loads the native engine and runs one query: proves the binary for this platform is present and works. */
export async function checkLocalEngine(): Promise<LocalEngineInfo> {
  const instance = await openInMemoryDuckDb();
  try {
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll('SELECT version() AS version, 6 * 7 AS answer');
      const [row] = reader.getRowObjectsJS();
      if (!row || row.answer !== 42) throw new Error('DuckDB answered a test query incorrectly');
      return { version: String(row.version), platform: `${process.platform}-${process.arch}` };
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

// What a source loader of the local engine is given and reports back: shared by the inventory and
// access-log loaders, kept apart so that neither imports the other.

import type { DuckDBConnection } from '@duckdb/node-api';
import type { LocationReader } from './locations';

export interface LoadReport {
  rows: number;
  /** Bytes of source files read. */
  bytes: number;
  notes: string[];
}

export interface LoadContext {
  connection: DuckDBConnection;
  reader: LocationReader;
  /** The location's key prefix below the reader's root. */
  prefix: string;
  signal?: AbortSignal;
  progress(message: string, fraction?: number): void;
}

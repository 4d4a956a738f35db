// What a source loader of the local engine is given and reports back: shared by the inventory and
// access-log loaders, kept apart so that neither imports the other.

import type { DuckDBConnection } from '@duckdb/node-api';
import type { LogFileDays } from '../core/retention/window';
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
  /** Read only the access-log files dated within these days (and those with no date in their name); every file when unset. */
  logFileDays?: LogFileDays;
  signal?: AbortSignal;
  progress(message: string, fraction?: number): void;
}

// What a source loader of the local engine is given and reports back: shared by the inventory and
// access-log loaders, kept apart so that neither imports the other.

import { copyFile, link, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
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
  /**
   * The only folder the connection's DuckDB may read (the engine's sandbox): a loader puts every
   * file DuckDB reads below it, and removes it when loaded. Unset: DuckDB reads files where they are.
   */
  scratch?: string;
}

/** A folder of the loader's own for files DuckDB reads: below the sandbox's folder, or the system's temporary folder. */
export function scratchFolder(ctx: LoadContext, name: string): Promise<string> {
  return mkdtemp(join(ctx.scratch ?? tmpdir(), `${name}-`));
}

/**
 * Paths DuckDB may read for these files: the files themselves when DuckDB may read anywhere, else
 * hard links to them (a copy where a link cannot be made) in a folder of the sandbox. `release`
 * removes the links; the files themselves are never touched.
 */
export async function stageForDuckDb(ctx: LoadContext, paths: string[]): Promise<{ paths: string[]; release(): Promise<void> }> {
  if (!ctx.scratch) return { paths, release: async () => undefined };
  const folder = await scratchFolder(ctx, 'staged');
  try {
    const staged: string[] = [];
    for (const [i, path] of paths.entries()) {
      // DuckDB infers the compression and format from the name: keep its ending.
      const target = join(folder, `${i}-${basename(path).slice(-80)}`);
      await link(path, target).catch(() => copyFile(path, target));
      staged.push(target);
    }
    return { paths: staged, release: () => rm(folder, { recursive: true, force: true }) };
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
}

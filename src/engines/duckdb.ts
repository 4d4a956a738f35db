// The embedded DuckDB engine's native binding, loaded only when first used: activation must not pay
// for a 60 MB native library. The LocalEngine (SQL templates) builds on this module.

import type { DuckDBInstance } from '@duckdb/node-api';
import { join, sep } from 'node:path';
import { columnOfField, parquetColumnType, parquetFileSchema } from '../core/inventory/schema';

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

/**
 * The settings that lock a DuckDB database down to what templates need, run in this order once the
 * engine's own settings are made: no file outside `directory` read or written (spilling goes there
 * too), no extension installed or loaded, and no setting changed afterwards — not even these.
 * Functions the build links in (parquet, json, icu) keep working; the caller puts the files DuckDB
 * must read (staged sources, parsed logs) in `directory` for the time they are read.
 */
export function sandboxSettings(directory: string): string[] {
  const quoted = (text: string) => `'${text.replace(/'/g, "''")}'`;
  const folder = directory.endsWith(sep) ? directory : `${directory}${sep}`;
  return [
    `SET temp_directory = ${quoted(join(directory, 'spill'))}`,
    `SET allowed_directories = [${quoted(folder)}]`,
    // Once off, DuckDB refuses to turn it on again while the database is open.
    'SET enable_external_access = false',
    'SET autoinstall_known_extensions = false',
    'SET autoload_known_extensions = false',
    'SET lock_configuration = true',
  ];
}

/** What a sandboxed DuckDB's refusal means for the template that met it, or undefined for any other error. */
export function sandboxRefusal(message: string): string | undefined {
  if (!/Permission Error|the configuration has been locked|disabled (by|through) configuration/i.test(message)) return undefined;
  return (
    `${message} — the local engine's templates run without access to files, extensions or settings: ` +
    'they read the tables the engine loads for them (CREATE EXTERNAL TABLE … LOCATION, from the inventory and logs locations) and return rows; ' +
    'export the results from the results view or with --format csv|json instead of COPY … TO'
  );
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

/**
 * Rewrites CSV inventory data files as Parquet, the way S3 writes a Parquet report: snake_case
 * columns, typed values, keys not URL-encoded. The CSV files are removed. Returns the new files.
 */
export async function convertInventoryToParquet(
  root: string,
  files: { path: string }[],
  columns: { csvField: string; parquetColumn: string; type: 'VARCHAR' | 'BOOLEAN' | 'BIGINT' | 'TIMESTAMP_MS'; decode?: boolean }[],
): Promise<{ path: string; bytes: number; md5: string }[]> {
  const { createHash } = await import('node:crypto');
  const { readFile, rm } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const instance = await openInMemoryDuckDb();
  const converted: { path: string; bytes: number; md5: string }[] = [];
  try {
    const connection = await instance.connect();
    try {
      // One thread keeps row order and bytes identical from run to run.
      await connection.run('SET threads = 1');
      await connection.run('SET preserve_insertion_order = true');
      for (const file of files) {
        const source = join(root, file.path);
        const targetPath = file.path.replace(/\.csv\.gz$/, '.parquet');
        const target = join(root, targetPath);
        const csvColumns = columns.map((_c, i) => `'c${i}': 'VARCHAR'`).join(', ');
        const select = columns
          .map((c, i) => {
            // The CSV's keys are S3's encoding (a space is `+`); Parquet reports hold keys as they are.
            const raw = c.decode ? `url_decode(replace(c${i}, '+', ' '))` : `c${i}`;
            const value =
              c.type === 'VARCHAR'
                ? `NULLIF(${raw}, '')`
                : c.type === 'TIMESTAMP_MS'
                  ? `CAST(strptime(NULLIF(${raw}, ''), '%Y-%m-%dT%H:%M:%S.%gZ') AS TIMESTAMP_MS)`
                  : `CAST(NULLIF(${raw}, '') AS ${c.type})`;
            return `${value} AS ${c.parquetColumn}`;
          })
          .join(', ');
        await connection.run(
          `COPY (SELECT ${select} FROM read_csv('${source.replace(/'/g, "''")}', header = false, quote = '"', escape = '"', columns = {${csvColumns}}, compression = 'gzip'))
           TO '${target.replace(/'/g, "''")}' (FORMAT parquet, COMPRESSION snappy)`,
        );
        await rm(source);
        const bytes = await readFile(target);
        converted.push({ path: targetPath, bytes: bytes.length, md5: createHash('md5').update(bytes).digest('hex') });
      }
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
  return converted;
}

/** GenerateOptions.convertInventory for a Parquet report written under `root`: the CSV files converted, the fileSchema in Parquet's form. */
export function parquetInventoryConverter(
  root: string,
): (
  files: { path: string }[],
  fields: readonly string[],
) => Promise<{ files: { path: string; bytes: number; md5: string }[]; fileFormat: 'Parquet'; fileSchema: string }> {
  return async (files, fields) => ({
    files: await convertInventoryToParquet(
      root,
      files,
      fields.map((f) => ({ csvField: f, parquetColumn: columnOfField(f), type: parquetColumnType(f), decode: f === 'Key' })),
    ),
    fileFormat: 'Parquet',
    fileSchema: parquetFileSchema(fields),
  });
}

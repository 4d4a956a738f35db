// Loading a template's external tables into the embedded DuckDB: an S3 Inventory report from its
// manifest.json (CSV.gz or Parquet data files) and server access logs through our own parser.

import type { DuckDBConnection } from '@duckdb/node-api';
import { readFile } from 'node:fs/promises';
import { PARQUET_COLUMNS, type InventoryManifest } from '../core/inventory/csv';
import { QueryCancelledError } from './engine';
import { duckName, type ExternalTable } from './localCompat';
import type { LocationFile, LocationReader } from './locations';

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

function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new QueryCancelledError();
}

// ---- S3 Inventory ---------------------------------------------------------------------------------

/** A report folder name `2026-10-01T01-00Z` as the `dt` partition value Athena projects: `2026-10-01-01-00`. */
export function inventoryDt(folder: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})Z$/.exec(folder);
  return match ? `${match[1]}-${match[2]}-${match[3]}` : folder;
}

export interface InventoryReport {
  manifestKey: string;
  manifest: InventoryManifest;
  dt: string;
}

/**
 * The newest report under a location: the location may name a manifest.json, a configuration's
 * folder (…/SOURCE-BUCKET/CONFIG-ID/), its hive/ folder, or the inventory destination that holds
 * configuration folders (…/SOURCE-BUCKET/CONFIG-ID/DATE/manifest.json below it) when it holds one.
 */
export async function findInventoryReport(reader: LocationReader, prefix: string, signal?: AbortSignal): Promise<InventoryReport> {
  let manifestFile: LocationFile | undefined;
  if (prefix.endsWith('manifest.json')) {
    manifestFile = (await reader.list(prefix, signal)).find((f) => f.key === prefix);
  } else {
    const config = prefix.replace(/hive\/?$/, '').replace(/([^/])$/, '$1/');
    const listed = await reader.list(config, signal);
    const newest = (files: LocationFile[]) => files.sort((a, b) => (a.key < b.key ? -1 : 1)).at(-1);
    manifestFile = newest(listed.filter((f) => /^[^/]+\/manifest\.json$/.test(f.key.slice(config.length))));
    if (!manifestFile) {
      // An inventory destination: the reports of each source bucket's configurations are two levels down.
      const byConfig = new Map<string, LocationFile[]>();
      for (const f of listed) {
        const match = /^([^/]+\/[^/]+)\/[^/]+\/manifest\.json$/.exec(f.key.slice(config.length));
        if (match) byConfig.set(match[1]!, [...(byConfig.get(match[1]!) ?? []), f]);
      }
      if (byConfig.size > 1) {
        const names = [...byConfig.keys()].sort();
        throw new Error(`${reader.uri}${config} holds the inventories of ${names.length} configurations (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}): give the one of your bucket, such as ${reader.uri}${config}${names[0]}/`);
      }
      const only = [...byConfig.values()][0];
      if (only) manifestFile = newest(only);
    }
  }
  if (!manifestFile) {
    throw new Error(`no S3 Inventory manifest.json at ${reader.uri}${prefix}: give the report's hive/ folder, its configuration folder (…/SOURCE-BUCKET/CONFIG-ID/), the inventory destination above it, or a manifest.json`);
  }
  const manifest = JSON.parse(await readFile(await reader.fetch(manifestFile, signal), 'utf8')) as InventoryManifest;
  if (!Array.isArray(manifest.files) || typeof manifest.fileFormat !== 'string') throw new Error(`${reader.uri}${manifestFile.key} is not an S3 Inventory manifest (no files or fileFormat)`);
  const parts = manifestFile.key.split('/');
  return { manifestKey: manifestFile.key, manifest, dt: inventoryDt(parts[parts.length - 2] ?? '') };
}

/**
 * The manifest names data files by their key in the destination bucket. For S3 that is the
 * reader's root; for a local folder, the root is wherever the manifest's own key begins.
 */
function dataFileKey(report: InventoryReport, fileKey: string, reader: LocationReader): string {
  if (reader.uri.startsWith('s3://')) return fileKey;
  const configKey = fileKey.slice(0, fileKey.indexOf('/data/') + 1);
  const at = report.manifestKey.lastIndexOf(configKey);
  if (configKey === '' || at < 0) throw new Error(`cannot place ${fileKey} relative to ${report.manifestKey}: keep the inventory's folder layout as S3 wrote it`);
  return report.manifestKey.slice(0, at) + fileKey;
}

export async function loadInventory(table: ExternalTable, ctx: LoadContext): Promise<LoadReport> {
  const report = await findInventoryReport(ctx.reader, ctx.prefix, ctx.signal);
  const format = report.manifest.fileFormat;
  if (format === 'ORC' || table.kind === 'orc') {
    throw new Error('the local engine cannot read ORC inventory reports (DuckDB has no ORC reader): run this template on Athena (engine "athena"), or configure the inventory report as CSV or Parquet');
  }
  const expected = table.kind === 'csv' ? 'CSV' : 'Parquet';
  if (format !== expected) throw new Error(`${table.name} is declared as ${expected} but the report at ${report.manifestKey} is ${format}: set the template's format parameter to ${format}`);
  const paths: string[] = [];
  let bytes = 0;
  // One listing per data folder (S3 writes them all to …/data/), not one per file: sizes and ETags for the cache.
  const keys = report.manifest.files.map((file) => dataFileKey(report, file.key, ctx.reader));
  const listed = new Map<string, LocationFile>();
  for (const folder of new Set(keys.map((key) => key.slice(0, key.lastIndexOf('/') + 1)))) {
    for (const file of await ctx.reader.list(folder, ctx.signal)) listed.set(file.key, file);
  }
  for (const [i, key] of keys.entries()) {
    checkAbort(ctx.signal);
    ctx.progress(`Reading inventory file ${i + 1} of ${keys.length}`, i / keys.length);
    const file = listed.get(key);
    if (!file) throw new Error(`the manifest names ${report.manifest.files[i]!.key} but it is missing at ${ctx.reader.uri}${key}`);
    paths.push(await ctx.reader.fetch(file, ctx.signal));
    bytes += file.size;
  }
  const files = `[${paths.map(sqlString).join(', ')}]`;
  const partitionValues: Record<string, string> = { dt: report.dt };
  const partitions = table.partitions.map((p) => `CAST(${sqlString(partitionValues[p.name] ?? '')} AS ${p.type}) AS ${duckName(p.name)}`);
  let select: string;
  if (format === 'CSV') {
    // The manifest's fileSchema says which field is in which position; S3 writes them in that order.
    const fields = report.manifest.fileSchema.split(',').map((f) => f.trim());
    const position = new Map(fields.map((f, i) => [PARQUET_COLUMNS[f as keyof typeof PARQUET_COLUMNS] ?? f.toLowerCase(), i]));
    const csvColumns = fields.map((_f, i) => `'c${i}': 'VARCHAR'`).join(', ');
    const columns = table.columns.map((c) => {
      const at = position.get(c.name);
      if (at === undefined) return `CAST(NULL AS ${c.type}) AS ${duckName(c.name)}`;
      // OpenCSVSerde reads an empty field as '' for strings and NULL for other types.
      return c.type === 'VARCHAR' ? `c${at} AS ${duckName(c.name)}` : `TRY_CAST(NULLIF(c${at}, '') AS ${c.type}) AS ${duckName(c.name)}`;
    });
    select = `SELECT ${[...columns, ...partitions].join(', ')} FROM read_csv(${files}, header = false, quote = '"', escape = '"', delim = ',', columns = {${csvColumns}}, compression = 'gzip', all_varchar = true)`;
  } else {
    const described = await ctx.connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${files})`);
    const present = new Set(described.getRowObjectsJS().map((r) => String(r.column_name)));
    const columns = table.columns.map((c) => (present.has(c.name) ? `CAST(${duckName(c.name)} AS ${c.type}) AS ${duckName(c.name)}` : `CAST(NULL AS ${c.type}) AS ${duckName(c.name)}`));
    select = `SELECT ${[...columns, ...partitions].join(', ')} FROM read_parquet(${files})`;
  }
  ctx.progress('Loading the inventory into the local engine');
  await ctx.connection.run(`CREATE OR REPLACE TABLE ${duckName(table.name)} AS ${select}`);
  const count = await ctx.connection.runAndReadAll(`SELECT count(*) AS n FROM ${duckName(table.name)}`);
  return { rows: Number(count.getRowObjectsJS()[0]!.n), bytes, notes: [`inventory: ${ctx.reader.uri}${report.manifestKey} (${format}, dt ${report.dt}, ${report.manifest.files.length} data file${report.manifest.files.length === 1 ? '' : 's'})`] };
}

// ---- Server access logs ---------------------------------------------------------------------------

// The loader is its own module (logLoader.ts): it is a performance-critical path of its own.
export { ACCESS_LOG_COLUMNS, loadAccessLogs, logFileDt } from './logLoader';

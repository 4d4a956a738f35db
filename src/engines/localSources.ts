// Loading a template's external tables into the embedded DuckDB: an S3 Inventory report from its
// manifest.json (CSV.gz or Parquet data files) and server access logs through our own parser.

import { readFile } from 'node:fs/promises';
import type { InventoryManifest } from '../core/inventory/inventoryCsv';
import { InventorySchemaError, parseInventorySchema, type InventorySchema } from '../core/inventory/schema';
import type { S3Client } from '@aws-sdk/client-s3';
import { QueryCancelledError, type LocatedInventoryReport } from './engine';
import { duckName, type ExternalTable } from './localCompat';
import { openLocation, type LocationFile, type LocationReader } from './locations';

export type { LoadContext, LoadReport } from './sourceLoad';
import { stageForDuckDb, type LoadContext, type LoadReport } from './sourceLoad';

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
        throw new Error(
          `${reader.uri}${config} holds the inventories of ${names.length} configurations (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}): give the one of your bucket, such as ${reader.uri}${config}${names[0]}/`,
        );
      }
      const only = [...byConfig.values()][0];
      if (only) manifestFile = newest(only);
    }
  }
  if (!manifestFile) {
    throw new Error(
      `no S3 Inventory manifest.json at ${reader.uri}${prefix}: give the report's hive/ folder, its configuration folder (…/SOURCE-BUCKET/CONFIG-ID/), the inventory destination above it, or a manifest.json`,
    );
  }
  const text = await readFile(await reader.fetch(manifestFile, signal), 'utf8');
  let manifest: InventoryManifest;
  try {
    manifest = JSON.parse(text) as InventoryManifest;
  } catch (error) {
    throw new Error(
      `${reader.uri}${manifestFile.key} is not valid JSON (${(error as Error).message}): S3 writes its manifests as JSON, so this one was changed or cut short; restore it from the inventory destination`,
    );
  }
  if (!Array.isArray(manifest.files) || typeof manifest.fileFormat !== 'string')
    throw new Error(`${reader.uri}${manifestFile.key} is not an S3 Inventory manifest (no files or fileFormat)`);
  const parts = manifestFile.key.split('/');
  const folder = parts[parts.length - 2] ?? '';
  // The dated folder S3 writes the manifest in; a report copied elsewhere still has its creation time.
  const created = Number(manifest.creationTimestamp);
  const dt =
    /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}Z$/.test(folder) || !Number.isFinite(created) || created <= 0
      ? inventoryDt(folder)
      : new Date(created).toISOString().slice(0, 16).replace('T', '-').replace(':', '-');
  return { manifestKey: manifestFile.key, manifest, dt };
}

/** The newest report at a location, read through whichever reader opens it (S3 or a folder). */
export async function locateInventoryReport(
  location: string,
  options: { s3?: () => S3Client; cacheDir: string },
  signal?: AbortSignal,
): Promise<LocatedInventoryReport> {
  const { reader, prefix } = openLocation(location, options);
  const report = await findInventoryReport(reader, prefix, signal);
  return {
    manifestUri: `${reader.uri}${report.manifestKey}`,
    fileFormat: report.manifest.fileFormat,
    fileSchema: report.manifest.fileSchema ?? '',
    dt: report.dt,
    hiveLocation: `${reader.uri}${inventoryHiveKey(report)}`,
    sourceBucket: report.manifest.sourceBucket ?? '',
  };
}

/** The report's schema, from its manifest (an unreadable one is the report's error, named). */
export function inventorySchemaOf(report: InventoryReport): InventorySchema {
  try {
    return parseInventorySchema(report.manifest.fileSchema ?? '', report.manifest.fileFormat);
  } catch (error) {
    if (error instanceof InventorySchemaError) throw new Error(`the S3 Inventory manifest ${report.manifestKey}: ${error.message}`);
    throw error;
  }
}

/** The report's hive/ folder (what an Athena table over it reads): …/SOURCE-BUCKET/CONFIG-ID/hive/ beside the dated manifest folders. */
export function inventoryHiveKey(report: InventoryReport): string {
  const parts = report.manifestKey.split('/');
  return `${parts.slice(0, -2).join('/')}${parts.length > 2 ? '/' : ''}hive/`;
}

/**
 * The manifest names data files by their key in the destination bucket. For S3 that is the
 * reader's root; for a local folder, the root is wherever the manifest's own key begins (a copy of
 * the destination, `aws s3 sync` say), or, for a report copied flat, the manifest's own folder.
 */
function dataFileKey(report: InventoryReport, fileKey: string, reader: LocationReader): string {
  if (reader.uri.startsWith('s3://')) return fileKey;
  const manifestFolder = report.manifestKey.slice(0, report.manifestKey.lastIndexOf('/') + 1);
  const configKey = fileKey.slice(0, fileKey.indexOf('/data/') + 1);
  const at = configKey === '' ? -1 : report.manifestKey.lastIndexOf(configKey);
  if (at >= 0) return report.manifestKey.slice(0, at) + fileKey;
  return manifestFolder + fileKey.slice(fileKey.lastIndexOf('/') + 1);
}

export async function loadInventory(table: ExternalTable, ctx: LoadContext): Promise<LoadReport> {
  const report = await findInventoryReport(ctx.reader, ctx.prefix, ctx.signal);
  const format = report.manifest.fileFormat;
  if (format === 'ORC' || table.kind === 'orc') {
    throw new Error(
      'the local engine cannot read ORC inventory reports (DuckDB has no ORC reader): run this template on Athena (engine "athena"), or configure the inventory report as CSV or Parquet',
    );
  }
  const expected = table.kind === 'csv' ? 'CSV' : 'Parquet';
  if (format !== expected)
    throw new Error(
      `${table.name} is declared as ${expected} but the report at ${report.manifestKey} is ${format}: set the template's format parameter to ${format}`,
    );
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
  const staged = await stageForDuckDb(ctx, paths);
  try {
    return await readInventoryFiles(table, ctx, report, staged.paths, bytes);
  } finally {
    await staged.release();
  }
}

async function readInventoryFiles(table: ExternalTable, ctx: LoadContext, report: InventoryReport, paths: string[], bytes: number): Promise<LoadReport> {
  const format = report.manifest.fileFormat;
  const files = `[${paths.map(sqlString).join(', ')}]`;
  const partitionValues: Record<string, string> = { dt: report.dt };
  const partitions = table.partitions.map((p) => `CAST(${sqlString(partitionValues[p.name] ?? '')} AS ${p.type}) AS ${duckName(p.name)}`);
  // The manifest's fileSchema says which columns the report has, and (CSV) in which position.
  const schema = inventorySchemaOf(report);
  const position = new Map(schema.columns.map((c, i) => [c.column, i]));
  const undeclared = table.columns.filter((c) => !position.has(c.name)).map((c) => c.name);
  if (undeclared.length > 0) {
    throw new Error(
      `${table.name} declares the column${undeclared.length === 1 ? '' : 's'} ${undeclared.join(', ')}, which the report at ${report.manifestKey} does not have (its fileSchema: ${report.manifest.fileSchema}): ` +
        "create the table with the report's own schema (the inventory_table template's schema parameter, filled in from the manifest when it is left unset)",
    );
  }
  let select: string;
  if (format === 'CSV') {
    const csvColumns = schema.columns.map((_c, i) => `'c${i}': 'VARCHAR'`).join(', ');
    const columns = table.columns.map((c) => {
      const at = position.get(c.name)!;
      // OpenCSVSerde reads an empty field as '' for strings and NULL for other types.
      return c.type === 'VARCHAR' ? `c${at} AS ${duckName(c.name)}` : `TRY_CAST(NULLIF(c${at}, '') AS ${c.type}) AS ${duckName(c.name)}`;
    });
    select = `SELECT ${[...columns, ...partitions].join(', ')} FROM read_csv(${files}, header = false, quote = '"', escape = '"', delim = ',', columns = {${csvColumns}}, compression = 'gzip', all_varchar = true)`;
  } else {
    // Parquet columns are read by name.
    const described = await ctx.connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${files})`);
    const present = new Set(described.getRowObjectsJS().map((r) => String(r.column_name)));
    const absent = table.columns.filter((c) => !present.has(c.name)).map((c) => c.name);
    if (absent.length > 0)
      throw new Error(
        `the Parquet files of ${report.manifestKey} have no column ${absent.join(', ')} although the manifest's fileSchema names ${absent.length === 1 ? 'it' : 'them'}`,
      );
    const columns = table.columns.map((c) => `CAST(${duckName(c.name)} AS ${c.type}) AS ${duckName(c.name)}`);
    select = `SELECT ${[...columns, ...partitions].join(', ')} FROM read_parquet(${files})`;
  }
  ctx.progress('Loading the inventory into the local engine');
  await ctx.connection.run(`CREATE OR REPLACE TABLE ${duckName(table.name)} AS ${select}`);
  const count = await ctx.connection.runAndReadAll(`SELECT count(*) AS n FROM ${duckName(table.name)}`);
  return {
    rows: Number(count.getRowObjectsJS()[0]!.n),
    bytes,
    notes: [
      `inventory: ${ctx.reader.uri}${report.manifestKey} (${format}, dt ${report.dt}, ${report.manifest.files.length} data file${report.manifest.files.length === 1 ? '' : 's'})`,
    ],
  };
}

// ---- Server access logs ---------------------------------------------------------------------------

// The loader is its own module (logLoader.ts): it is a performance-critical path of its own.
export { ACCESS_LOG_COLUMNS, loadAccessLogs, logFileDt } from './logLoader';

// Loading a template's external tables into the embedded DuckDB: an S3 Inventory report from its
// manifest.json (CSV.gz or Parquet data files) and server access logs through our own parser.

import type { DuckDBConnection } from '@duckdb/node-api';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { AccessLogParser, type ParsedAccessLogRecord } from '../core/accessLog/parser';
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
 * folder (…/SOURCE-BUCKET/CONFIG-ID/) or its hive/ folder.
 */
export async function findInventoryReport(reader: LocationReader, prefix: string, signal?: AbortSignal): Promise<InventoryReport> {
  let manifestFile: LocationFile | undefined;
  if (prefix.endsWith('manifest.json')) {
    manifestFile = (await reader.list(prefix, signal)).find((f) => f.key === prefix);
  } else {
    const config = prefix.replace(/hive\/?$/, '').replace(/([^/])$/, '$1/');
    const manifests = (await reader.list(config, signal)).filter((f) => /^[^/]+\/manifest\.json$/.test(f.key.slice(config.length)));
    manifestFile = manifests.sort((a, b) => (a.key < b.key ? -1 : 1)).at(-1);
  }
  if (!manifestFile) {
    throw new Error(`no S3 Inventory manifest.json at ${reader.uri}${prefix}: give the report's hive/ folder, its configuration folder (…/SOURCE-BUCKET/CONFIG-ID/) or a manifest.json`);
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

/**
 * The typed columns of a loaded access-log table: what access_log_table's view presents, so the
 * view over a loaded table is simply `SELECT *`.
 */
export const ACCESS_LOG_COLUMNS: { name: string; type: string; field: keyof ParsedAccessLogRecord | 'request_time' }[] = [
  { name: 'bucket_owner', type: 'VARCHAR', field: 'bucket_owner' },
  { name: 'bucket', type: 'VARCHAR', field: 'bucket' },
  { name: 'request_time', type: 'TIMESTAMP', field: 'request_time' },
  { name: 'remote_ip', type: 'VARCHAR', field: 'remote_ip' },
  { name: 'requester', type: 'VARCHAR', field: 'requester' },
  { name: 'request_id', type: 'VARCHAR', field: 'request_id' },
  { name: 'operation', type: 'VARCHAR', field: 'operation' },
  { name: 'key', type: 'VARCHAR', field: 'key' },
  { name: 'request_uri', type: 'VARCHAR', field: 'request_uri' },
  { name: 'http_status', type: 'INTEGER', field: 'http_status' },
  { name: 'error_code', type: 'VARCHAR', field: 'error_code' },
  { name: 'bytes_sent', type: 'BIGINT', field: 'bytes_sent' },
  { name: 'object_size', type: 'BIGINT', field: 'object_size' },
  { name: 'total_time', type: 'BIGINT', field: 'total_time' },
  { name: 'turn_around_time', type: 'BIGINT', field: 'turn_around_time' },
  { name: 'referrer', type: 'VARCHAR', field: 'referrer' },
  { name: 'user_agent', type: 'VARCHAR', field: 'user_agent' },
  { name: 'version_id', type: 'VARCHAR', field: 'version_id' },
  { name: 'host_id', type: 'VARCHAR', field: 'host_id' },
  { name: 'signature_version', type: 'VARCHAR', field: 'signature_version' },
  { name: 'cipher_suite', type: 'VARCHAR', field: 'cipher_suite' },
  { name: 'authentication_type', type: 'VARCHAR', field: 'authentication_type' },
  { name: 'host_header', type: 'VARCHAR', field: 'host_header' },
  { name: 'tls_version', type: 'VARCHAR', field: 'tls_version' },
  { name: 'access_point_arn', type: 'VARCHAR', field: 'access_point_arn' },
  { name: 'acl_required', type: 'VARCHAR', field: 'acl_required' },
  { name: 'source_region', type: 'VARCHAR', field: 'source_region' },
];

/** The date partition of a log file: the PartitionedPrefix path `…/YYYY/MM/DD/…`, or the simple layout's `YYYY-MM-DD-hh-mm-ss-ID` name. */
export function logFileDt(key: string): string | null {
  const partitioned = /(\d{4})\/(\d{2})\/(\d{2})\/[^/]+$/.exec(key);
  if (partitioned) return `${partitioned[1]}/${partitioned[2]}/${partitioned[3]}`;
  const simple = /(\d{4})-(\d{2})-(\d{2})-\d{2}-\d{2}-\d{2}-[0-9A-Za-z]+$/.exec(key);
  return simple ? `${simple[1]}/${simple[2]}/${simple[3]}` : null;
}

const MAX_REPORTED_MALFORMED = 20;

export async function loadAccessLogs(table: ExternalTable, ctx: LoadContext): Promise<LoadReport> {
  const { DuckDBTimestampValue } = await import('@duckdb/node-api');
  const files = await ctx.reader.list(ctx.prefix, ctx.signal);
  if (files.length === 0) throw new Error(`no access-log files at ${ctx.reader.uri}${ctx.prefix}: give the folder S3 delivers one source bucket's logs to`);
  const name = duckName(table.name);
  const columns = [...ACCESS_LOG_COLUMNS.map((c) => `${duckName(c.name)} ${c.type}`), 'dt VARCHAR'];
  await ctx.connection.run(`CREATE OR REPLACE TABLE ${name} (${columns.join(', ')})`);
  const appender = await ctx.connection.createAppender(table.name);
  const notes: string[] = [];
  let malformed = 0;
  let rows = 0;
  let bytes = 0;
  const total = files.reduce((n, f) => n + f.size, 0);
  try {
    for (const file of files) {
      checkAbort(ctx.signal);
      ctx.progress(`Parsing access logs: ${Math.round((bytes / Math.max(total, 1)) * 100)}%`, bytes / Math.max(total, 1));
      const dt = logFileDt(file.key);
      const parser = new AccessLogParser(
        (r) => {
          appendText(r.bucket_owner);
          appendText(r.bucket);
          appender.appendTimestamp(new DuckDBTimestampValue(BigInt(r.time) * 1000n));
          appendText(r.remote_ip);
          appendText(r.requester);
          appendText(r.request_id);
          appendText(r.operation);
          appendText(r.key);
          appendText(r.request_uri);
          if (r.http_status === null) appender.appendNull();
          else appender.appendInteger(r.http_status);
          appendText(r.error_code);
          appendNumber(r.bytes_sent);
          appendNumber(r.object_size);
          appendNumber(r.total_time);
          appendNumber(r.turn_around_time);
          appendText(r.referrer);
          appendText(r.user_agent);
          appendText(r.version_id);
          appendText(r.host_id);
          appendText(r.signature_version);
          appendText(r.cipher_suite);
          appendText(r.authentication_type);
          appendText(r.host_header);
          appendText(r.tls_version);
          appendText(r.access_point_arn);
          appendText(r.acl_required);
          appendText(r.source_region);
          appendText(dt);
          appender.endRow();
          rows++;
        },
        (problem) => {
          malformed++;
          if (malformed <= MAX_REPORTED_MALFORMED) notes.push(`${file.key}:${problem.line}: ${problem.reason}`);
        },
      );
      const path = await ctx.reader.fetch(file, ctx.signal);
      for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) parser.push(chunk as Buffer);
      parser.end();
      bytes += file.size;
    }
  } finally {
    appender.closeSync();
  }
  if (malformed > MAX_REPORTED_MALFORMED) notes.push(`… and ${malformed - MAX_REPORTED_MALFORMED} more`);
  notes.unshift(`access logs: ${files.length} file${files.length === 1 ? '' : 's'}, ${rows} records, ${malformed} malformed line${malformed === 1 ? '' : 's'} (skipped and reported)`);
  return { rows, bytes, notes };

  function appendText(value: string | null): void {
    if (value === null) appender.appendNull();
    else appender.appendVarchar(value);
  }
  function appendNumber(value: number | null): void {
    if (value === null) appender.appendNull();
    else appender.appendBigInt(BigInt(value));
  }
}

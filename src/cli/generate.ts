// `s3-lifecycle generate`: a deterministic synthetic estate (inventory, access logs, lifecycle
// deletion, truth.json) in a folder, and optionally on an S3 server.

import { formatCount } from '../core/format';
import { cliPaths, ConnectionScope } from '../app/scope';
import { describeS3Error } from '../aws/errors';
import { uploadEstate, type EstateUploadResult } from '../aws/estateUpload';
import { APPEND_ONLY_TRUTH_FILE, DEFAULT_APPEND_ONLY, generateAppendOnlyData, type AppendOnlyOptions, type AppendOnlyTruth } from '../core/estate/appendOnly';
import { generateEstate, inventoryReportFields, OPTIONAL_INVENTORY_FIELDS, type GenerateOptions } from '../core/estate/generate';
import { FolderOutput } from '../core/estate/output';
import { parseDay } from '../core/time';
import { DEFAULT_INVENTORY_FIELDS, VERSION_FIELDS } from '../core/inventory/schema';
import { isValidBucketName } from '../core/s3uri';
import { parquetInventoryConverter } from '../engines/duckdb';
import { CONNECTION_OPTIONS, settingsFromCommandLine } from './connection';
import { CliFailure, EXIT_OK, integerOption, stringOption, UsageError, type CliCommand } from './framework';
import { mkdir, readdir } from 'node:fs/promises';
import { resolve } from 'node:path';

export const DEFAULT_AS_OF = '2026-09-30';

function bucketOption(value: string | undefined, name: string, fallback: string): string {
  const bucket = value ?? fallback;
  if (!isValidBucketName(bucket)) throw new UsageError(`--${name} "${bucket}" is not a valid bucket name (3–63 lowercase letters, digits, dots or hyphens)`);
  return bucket;
}

/** The optional fields the generator writes unless told otherwise: every one this product reads. */
const DEFAULT_OPTIONAL_FIELDS = DEFAULT_INVENTORY_FIELDS.filter((f) => f !== 'Bucket' && f !== 'Key' && !(VERSION_FIELDS as readonly string[]).includes(f));

export const generate: CliCommand = {
  name: 'generate',
  summary: 'Write a synthetic S3 estate: inventory report, access logs, lifecycle deletion, truth.json',
  usage: '--out DIR',
  options: {
    out: { type: 'string', description: 'Folder to write (created; must be empty)', valueName: 'dir' },
    objects: { type: 'string', description: 'Current objects to generate (default 50000)', valueName: 'n' },
    seed: { type: 'string', description: 'Random seed: the same seed gives the same bytes (default 1)', valueName: 'n' },
    'as-of': { type: 'string', description: `Last day of the access window, UTC (default ${DEFAULT_AS_OF})`, valueName: 'YYYY-MM-DD' },
    days: { type: 'string', description: 'Days in the access window, ending with --as-of (default 30)', valueName: 'n' },
    'inventory-format': { type: 'string', description: 'csv (default) or parquet', valueName: 'csv|parquet' },
    'inventory-versions': {
      type: 'string',
      description: "The versions the inventory lists: all (default; with VersionId, IsLatest, IsDeleteMarker) or current (S3's default: no version fields)",
      valueName: 'all|current',
    },
    'inventory-fields': {
      type: 'string',
      description: `The inventory's optional fields, in order (default ${DEFAULT_OPTIONAL_FIELDS.join(',')})`,
      valueName: 'LIST',
    },
    'log-layout': { type: 'string', description: 'partitioned (PartitionedPrefix, default) or simple', valueName: 'partitioned|simple' },
    bucket: { type: 'string', description: 'Source bucket name (default example-estate)', valueName: 'name' },
    'inventory-bucket': { type: 'string', description: 'Inventory destination bucket (default BUCKET-inventory)', valueName: 'name' },
    'logs-bucket': { type: 'string', description: 'Access-log target bucket (default BUCKET-logs)', valueName: 'name' },
    'upload-objects': { type: 'string', description: 'With --endpoint: real objects to create, at most (default 2000)', valueName: 'n' },
    'rows-per-file': { type: 'string', description: 'Inventory rows per data file (default 200000)', valueName: 'n' },
    'append-only-data': { type: 'boolean', description: 'Also write append-only data files of `uuid-unixtime, payload` lines (for s3-lifecycle index)' },
    'data-prefix': {
      type: 'string',
      description: `With --append-only-data: their key prefix in the source bucket (default ${DEFAULT_APPEND_ONLY.prefix})`,
      valueName: 'prefix/',
    },
    'data-files': { type: 'string', description: `With --append-only-data: data files (default ${DEFAULT_APPEND_ONLY.files})`, valueName: 'n' },
    'data-writers': {
      type: 'string',
      description: `With --append-only-data: writers, one file each per window (default ${DEFAULT_APPEND_ONLY.writers})`,
      valueName: 'n',
    },
    'data-lines': { type: 'string', description: `With --append-only-data: records per file (default ${DEFAULT_APPEND_ONLY.linesPerFile})`, valueName: 'n' },
    'data-payload-bytes': {
      type: 'string',
      description: `With --append-only-data: payload bytes per record (default ${DEFAULT_APPEND_ONLY.payloadBytes})`,
      valueName: 'n',
    },
    'data-window': {
      type: 'string',
      description: `With --append-only-data: seconds per window (default ${DEFAULT_APPEND_ONLY.windowSeconds})`,
      valueName: 's',
    },
    'data-late': {
      type: 'string',
      description: `With --append-only-data: share of records from earlier windows, 0–1 (default ${DEFAULT_APPEND_ONLY.lateFraction})`,
      valueName: 'fraction',
    },
    'data-samples': {
      type: 'string',
      description: `With --append-only-data: present keys listed in the truth, about (default ${DEFAULT_APPEND_ONLY.samples})`,
      valueName: 'n',
    },
    ...CONNECTION_OPTIONS,
  },
  details: [
    "Writes DIR/inventory/… (the inventory destination bucket's keys), DIR/logs/… (the log bucket's keys) and DIR/truth.json.",
    'With --endpoint (or S3LIFECYCLE_ENDPOINT) it also uploads them to their buckets and creates real objects for a subset of the keys.',
    `With --append-only-data it also writes DIR/<data-prefix>… (the source bucket's keys; uploaded there with --endpoint) and DIR/${APPEND_ONLY_TRUTH_FILE}:`,
    'where a sample of keys is (object, offset, length, record) and keys that are absent. The first window starts at --as-of, 00:00 UTC.',
  ],
  async run(args, io) {
    const out = stringOption(args, 'out');
    if (!out) throw new UsageError('--out DIR is required');
    const asOfText = stringOption(args, 'as-of') ?? DEFAULT_AS_OF;
    let asOfDay: number;
    try {
      asOfDay = parseDay(asOfText);
    } catch (error) {
      throw new UsageError(`--as-of: ${(error as Error).message}`);
    }
    const inventoryFormat = stringOption(args, 'inventory-format') ?? 'csv';
    if (inventoryFormat !== 'csv' && inventoryFormat !== 'parquet') throw new UsageError(`--inventory-format must be csv or parquet, not "${inventoryFormat}"`);
    const inventoryVersions = stringOption(args, 'inventory-versions') ?? 'all';
    if (inventoryVersions !== 'all' && inventoryVersions !== 'current')
      throw new UsageError(`--inventory-versions must be all or current, not "${inventoryVersions}"`);
    const optionalFields = (stringOption(args, 'inventory-fields') ?? DEFAULT_OPTIONAL_FIELDS.join(','))
      .split(',')
      .map((f) => f.trim())
      .filter((f) => f !== '');
    const notOptional = optionalFields.filter((f) => !OPTIONAL_INVENTORY_FIELDS.includes(f));
    if (notOptional.length > 0)
      throw new UsageError(
        `--inventory-fields: ${notOptional.join(', ')} ${notOptional.length === 1 ? 'is not an' : 'are not'} optional S3 Inventory field${notOptional.length === 1 ? '' : 's'}; choose from ${OPTIONAL_INVENTORY_FIELDS.join(', ')} (Bucket and Key are always there, the version fields with --inventory-versions all)`,
      );
    if (new Set(optionalFields).size !== optionalFields.length) throw new UsageError('--inventory-fields names a field twice');
    const logLayout = stringOption(args, 'log-layout') ?? 'partitioned';
    if (logLayout !== 'partitioned' && logLayout !== 'simple') throw new UsageError(`--log-layout must be partitioned or simple, not "${logLayout}"`);
    const bucket = bucketOption(stringOption(args, 'bucket'), 'bucket', 'example-estate');
    const { settings, warnings } = settingsFromCommandLine(args, io.env);
    for (const warning of warnings) io.err(`warning: ${warning}\n`);

    const outDir = resolve(out);
    await mkdir(outDir, { recursive: true });
    if ((await readdir(outDir)).length > 0)
      throw new CliFailure(`${outDir} is not empty: choose a new folder, or empty this one first (generated files are never overwritten in place)`);

    const interactive = process.stderr.isTTY === true && args.format !== 'json';
    const options: GenerateOptions = {
      objects: integerOption(args, 'objects', { min: 1, max: 1_000_000_000 }) ?? 50_000,
      seed: integerOption(args, 'seed', { min: 0, max: 2 ** 31 - 1 }) ?? 1,
      asOfDay,
      days: integerOption(args, 'days', { min: 1, max: 3650 }) ?? 30,
      bucket,
      inventoryBucket: bucketOption(stringOption(args, 'inventory-bucket'), 'inventory-bucket', `${bucket}-inventory`),
      logsBucket: bucketOption(stringOption(args, 'logs-bucket'), 'logs-bucket', `${bucket}-logs`),
      logLayout,
      region: settings.connection.region || 'us-east-1',
      rowsPerInventoryFile: integerOption(args, 'rows-per-file', { min: 1, max: 100_000_000 }) ?? 200_000,
      inventoryVersions,
      inventoryFields: inventoryReportFields(inventoryVersions, optionalFields),
      onProgress: interactive ? (phase, done, total) => io.err(`\r${phase}: ${formatCount(done)} / ${formatCount(total)}   `) : undefined,
    };
    if (inventoryFormat === 'parquet') options.convertInventory = parquetInventoryConverter(outDir);
    const maxUpload = integerOption(args, 'upload-objects', { min: 0, max: 10_000_000 }) ?? 2000;
    const appendOnly = args.values['append-only-data'] === true ? appendOnlyOptions(args, options.seed, bucket, asOfDay) : undefined;
    if (!appendOnly) {
      const stray = Object.keys(args.values).find((name) => name.startsWith('data-'));
      if (stray) throw new UsageError(`--${stray} needs --append-only-data`);
    }

    const folder = new FolderOutput(outDir);
    const result = await generateEstate(options, folder);
    let appendOnlyTruth: AppendOnlyTruth | undefined;
    if (appendOnly) {
      try {
        appendOnlyTruth = await generateAppendOnlyData(appendOnly, folder);
      } catch (error) {
        throw new CliFailure(`--append-only-data: ${(error as Error).message}`);
      }
    }
    if (interactive) io.err('\n');
    const peakRssMb = Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
    let upload: EstateUploadResult | undefined;
    if (settings.connection.endpoint !== '' || stringOption(args, 'endpoint') !== undefined) {
      const scope = new ConnectionScope(settings, cliPaths(io.env), io.env);
      const client = scope.s3Service().client;
      try {
        upload = await uploadEstate(client, result.plan, {
          outDir,
          sourceBucket: options.bucket,
          inventoryBucket: options.inventoryBucket,
          logsBucket: options.logsBucket,
          maxObjects: maxUpload,
          appendOnlyKeys: appendOnlyTruth?.files.map((f) => f.key),
          signal: io.signal,
          onProgress: options.onProgress,
        });
        if (interactive) io.err('\n');
      } catch (error) {
        throw new CliFailure(describeS3Error(error, { endpoint: settings.connection.endpoint }).message);
      } finally {
        await scope.dispose();
      }
    }

    const { truth } = result;
    const summary = {
      out: outDir,
      objects: options.objects,
      versions: truth.inventory.versions,
      prefixes: truth.summary.prefixes,
      inventoryFiles: result.files.inventory.length,
      manifest: result.files.manifest,
      logFiles: truth.logs.files,
      logLines: truth.logs.lines,
      unusedPrefixes: truth.summary.unusedPrefixes,
      lifecycleEvents: truth.lifecycle.events,
      seconds: Math.round(result.seconds * 100) / 100,
      phaseSeconds: result.phaseSeconds,
      objectsPerSecond: Math.round(options.objects / Math.max(result.seconds, 0.001)),
      peakRssMb,
      upload: upload ?? null,
      ...(appendOnlyTruth
        ? {
            appendOnly: {
              dataUri: appendOnlyTruth.dataUri,
              files: appendOnlyTruth.files.length,
              records: appendOnlyTruth.records,
              lateRecords: appendOnlyTruth.lateRecords,
              bytes: appendOnlyTruth.files.reduce((n, f) => n + f.bytes, 0),
              truth: APPEND_ONLY_TRUTH_FILE,
            },
          }
        : {}),
    };
    if (args.format === 'json') {
      io.out(JSON.stringify(summary) + '\n');
    } else {
      const n = (v: number) => formatCount(v);
      io.out(
        `Generated ${n(summary.objects)} objects (${n(summary.versions)} versions in ${n(summary.prefixes)} prefixes) in ${summary.seconds} s: ` +
          `${n(summary.objectsPerSecond)} objects/s, peak memory ${summary.peakRssMb} MB ` +
          `(inventory ${result.phaseSeconds.inventory} s, access logs ${result.phaseSeconds.accessLogs} s, lifecycle ${result.phaseSeconds.lifecycle} s)\n` +
          `  inventory  ${result.files.manifest} (${summary.inventoryFiles} data files, ${truth.inventory.fileFormat})\n` +
          `  logs       ${n(summary.logFiles)} files, ${n(summary.logLines)} lines (${n(truth.logs.dropped)} dropped, ${n(truth.logs.duplicated)} duplicated, ${n(truth.logs.late)} late)\n` +
          `  truth      ${n(summary.unusedPrefixes)} unused prefixes (${n(truth.summary.unusedObjects)} objects), ${n(truth.summary.exemptObjects)} exempt objects, ${n(summary.lifecycleEvents)} lifecycle events\n` +
          (summary.appendOnly
            ? `  data       ${n(summary.appendOnly.files)} append-only files, ${n(summary.appendOnly.records)} records (${n(summary.appendOnly.lateRecords)} late) for ${summary.appendOnly.dataUri} (truth in ${APPEND_ONLY_TRUTH_FILE})\n`
            : '') +
          `  folder     ${outDir}\n` +
          (upload
            ? `  uploaded   ${upload.inventoryFiles} inventory files to s3://${options.inventoryBucket}, ${upload.logFiles} log files to s3://${options.logsBucket}, ${n(upload.objects)} objects to s3://${options.bucket}\n`
            : ''),
      );
    }
    return EXIT_OK;
  },
};

function fractionOption(args: Parameters<CliCommand['run']>[0], name: string): number | undefined {
  const raw = stringOption(args, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !(value >= 0 && value <= 1)) throw new UsageError(`--${name} must be a number from 0 to 1, not "${raw}"`);
  return value;
}

/** The append-only data's options from the --data-* flags; its first window starts on the as-of day. */
function appendOnlyOptions(args: Parameters<CliCommand['run']>[0], seed: number, bucket: string, asOfDay: number): AppendOnlyOptions {
  const prefix = stringOption(args, 'data-prefix') ?? DEFAULT_APPEND_ONLY.prefix;
  if (!/^([^/]+\/)+$/.test(prefix)) throw new UsageError(`--data-prefix must be one or more folder names ending with '/', such as data/, not "${prefix}"`);
  if (/^(inventory|logs)\//.test(prefix) || prefix === `${APPEND_ONLY_TRUTH_FILE}/`)
    throw new UsageError(`--data-prefix "${prefix}" would mix the data with the estate's own files: choose another, such as data/`);
  return {
    ...DEFAULT_APPEND_ONLY,
    seed,
    bucket,
    prefix,
    startSeconds: asOfDay * 86_400,
    files: integerOption(args, 'data-files', { min: 1, max: 1_000_000 }) ?? DEFAULT_APPEND_ONLY.files,
    writers: integerOption(args, 'data-writers', { min: 1, max: 1000 }) ?? DEFAULT_APPEND_ONLY.writers,
    linesPerFile: integerOption(args, 'data-lines', { min: 1, max: 100_000_000 }) ?? DEFAULT_APPEND_ONLY.linesPerFile,
    payloadBytes: integerOption(args, 'data-payload-bytes', { min: 0, max: 1_000_000 }) ?? DEFAULT_APPEND_ONLY.payloadBytes,
    windowSeconds: integerOption(args, 'data-window', { min: 1, max: 31 * 86_400 }) ?? DEFAULT_APPEND_ONLY.windowSeconds,
    lateFraction: fractionOption(args, 'data-late') ?? DEFAULT_APPEND_ONLY.lateFraction,
    samples: integerOption(args, 'data-samples', { min: 0, max: 1_000_000 }) ?? DEFAULT_APPEND_ONLY.samples,
  };
}

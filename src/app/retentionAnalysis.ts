// The access-based retention analysis end to end on either engine: check the window's log
// coverage, find the unused prefixes, look up when each was last read, price what expiring them
// saves. The CLI's `retention` command and the extension's "Find Unused Prefixes" both call this.

import { exemptKeyRegex } from '../core/retention/exemptions';
import type { RetentionReport, TagSpec, UnusedPrefix } from '../core/retention/report';
import { monthlySavings, roundUsd, storagePrices, unpricedClassesNote, type BasePrices } from '../core/retention/savings';
import {
  accessWindow,
  checkMalformedLines,
  describeDays,
  LATE_DELIVERY_DAYS,
  logCoverage,
  logFileDays,
  MAX_WINDOW_DAYS,
  RetentionInputError,
} from '../core/retention/window';
import { formatDay, parseDay } from '../core/time';
import type { TemplateCatalog } from '../sql/catalog';
import {
  hasField,
  InventorySchemaError,
  listsAllVersions,
  missingFields,
  parseInventorySchema,
  REQUIRED_FOR_RETENTION,
  type InventorySchema,
} from '../core/inventory/schema';
import { collectRows, type LocatedInventoryReport, type QueryEngine, type QueryValue } from '../engines/engine';
import { toLocationUri } from '../engines/locations';
import { formatStatistics } from '../engines/resultFormat';
import { TemplateRunner } from '../engines/runner';
import { analysisTables, dropAnalysisTables, type AnalysisTables } from './analysisTables';

export interface RetentionOptions {
  /** Only this source bucket; every bucket in the sources when unset. */
  bucket?: string;
  /** The S3 Inventory report (local engine: a location; Athena: a label for the report, the tables are read). */
  inventory: string;
  /** The server access logs of the bucket (as for `inventory`). */
  logs: string;
  /** Last day of the window, YYYY-MM-DD (UTC). */
  asOf: string;
  windowDays: number;
  /** Days ending with asOf searched for each unused prefix's last read (at least windowDays). */
  lookbackDays: number;
  exemptGlobs: string[];
  /**
   * Objects carrying this tag are kept (value '' = any value). An inventory has no tags, so the
   * analysis cannot see it: it is recorded in the report and the tagging run skips such objects.
   */
  keepTag: TagSpec | null;
  maxMissingLogDays: number;
  allowMissingLogs: boolean;
  /** Days with under a tenth of the median log lines tolerated before they count as missing (default 0). */
  maxSuspectLogDays?: number;
  /** Malformed log lines tolerated, in percent of the window's lines (default 0.1); one naming a key always stops the analysis. */
  maxMalformedLogLinesPercent?: number;
  /** Go on although there are more malformed lines than allowed. */
  allowMalformedLogs?: boolean;
  /** For the built-in prices. */
  region: string;
  /** USD per GB-month by storage class, over the built-in prices. */
  priceOverrides: Record<string, number>;
  /** The region's prices, read from the Price List API (resolveBasePrices), in place of the built-in ones. */
  basePrices?: BasePrices;
  /** Notes of the price lookup, for the report. */
  priceNotes?: string[];
  /** What counts as a read; the templates' defaults (GET, HEAD, copy source; 200, 206, 304; not AmazonS3) when unset. */
  operations?: string[];
  statuses?: number[];
  excludedRequesters?: string[];
}

export interface RetentionControl {
  signal?: AbortSignal;
  onProgress?(step: string): void;
}

/** The malformed log lines tolerated by default, in percent of the window's lines. */
export const DEFAULT_MAX_MALFORMED_PERCENT = 0.1;

type Row = Record<string, QueryValue>;

function isoTime(value: QueryValue): string {
  const text = String(value);
  // Athena writes a zone-less `2024-01-02 03:04:05.678` (UTC by convention); the local engine ISO-8601.
  const date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
  if (Number.isNaN(date.getTime())) throw new Error(`the engine returned "${text}" where a timestamp was expected`);
  return date.toISOString();
}

/** `GLACIER=123,STANDARD=456` → { GLACIER: 123, STANDARD: 456 }. */
export function parseBytesByStorageClass(text: string): Record<string, number> {
  const result: Record<string, number> = {};
  for (const part of text.split(',')) {
    if (part === '') continue;
    const eq = part.lastIndexOf('=');
    result[part.slice(0, eq)] = (result[part.slice(0, eq)] ?? 0) + Number(part.slice(eq + 1));
  }
  return result;
}

export function formatKeepTag(tag: TagSpec | null): string | null {
  if (!tag) return null;
  return tag.value === '' ? tag.key : `${tag.key}=${tag.value}`;
}

function checkOptions(options: RetentionOptions): void {
  if (!Number.isInteger(options.lookbackDays) || options.lookbackDays < options.windowDays || options.lookbackDays > MAX_WINDOW_DAYS) {
    throw new RetentionInputError(
      `the lookback for last access must be a whole number of days from the window's ${options.windowDays} to ${MAX_WINDOW_DAYS}, not ${options.lookbackDays}`,
    );
  }
  if (options.keepTag && (options.keepTag.key === '' || options.keepTag.key.length > 128))
    throw new RetentionInputError('the keep tag needs a key of 1 to 128 characters');
}

/**
 * The inventory report at the analysis's inventory location, when the engine can read its manifest
 * (the local engine: any location; Athena: an s3:// one; on Athena a plain label names the tables
 * already made): its schema, checked for what the analysis needs, and what the report says of its
 * fields. Throws RetentionInputError for a report the analysis cannot use.
 */
async function locateInventory(
  engine: QueryEngine,
  location: string,
  signal?: AbortSignal,
): Promise<{ report: LocatedInventoryReport; schema: InventorySchema; notes: string[] } | undefined> {
  if (!engine.inventoryReport) return undefined;
  if (engine.kind === 'athena' && !location.startsWith('s3://')) return undefined;
  const report = await engine.inventoryReport(toLocationUri(location), signal);
  let schema: InventorySchema;
  try {
    schema = parseInventorySchema(report.fileSchema, report.fileFormat);
  } catch (error) {
    if (error instanceof InventorySchemaError) throw new RetentionInputError(`the S3 Inventory manifest ${report.manifestUri}: ${error.message}`);
    throw error;
  }
  const missing = missingFields(schema, REQUIRED_FOR_RETENTION);
  if (missing.length > 0) {
    throw new RetentionInputError(
      `the S3 Inventory report ${report.manifestUri} has no ${missing.join(' or ')} field, which the analysis needs (an object's size for the savings, its last-modified date to keep objects younger than the window): ` +
        `add ${missing.join(' and ')} to the inventory configuration's optional fields (S3 console: the bucket's Management tab → Inventory configurations → Edit → Additional metadata fields; ` +
        `API: PutBucketInventoryConfiguration OptionalFields) and analyse the next report S3 delivers`,
    );
  }
  const notes = [`inventory fields: ${schema.columns.map((c) => c.field).join(', ')} (${report.fileFormat}, report ${report.dt})`];
  if (!listsAllVersions(schema))
    notes.push(
      "the inventory lists current versions only (S3's default, no VersionId, IsLatest or IsDeleteMarker): every row is a current version, none a delete marker",
    );
  const noLock = missingFields(schema, ['ObjectLockRetainUntilDate', 'ObjectLockLegalHoldStatus']);
  if (noLock.length > 0) {
    notes.push(
      `the inventory report has no ${noLock.join(' or ')} field: Object Lock retention and legal holds could not be checked here, so locked objects may be listed; Tag for expiration reads each object's lock in a bucket with Object Lock and leaves locked objects alone`,
    );
  }
  return { report, schema, notes };
}

/**
 * Runs the analysis on `engine` with the templates of `catalog` (built-ins and workspace
 * overrides). Throws LogCoverageError (before the inventory is read) when the window's logs have
 * more gaps than allowed and the user has not overridden the check.
 */
export async function analyzeRetention(
  engine: QueryEngine,
  catalog: TemplateCatalog,
  options: RetentionOptions,
  control: RetentionControl = {},
): Promise<RetentionReport> {
  // Everything a user can get wrong is checked before the engine does any work.
  const window = accessWindow(options.asOf, options.windowDays);
  checkOptions(options);
  const checked: CheckedInputs = {
    window,
    exemptRegex: exemptKeyRegex(options.exemptGlobs),
    prices: storagePrices(options.region, options.priceOverrides, options.basePrices),
  };
  // Tables of its own, so analyses at once on one engine never mix; dropped however it ends.
  const makesInventoryTable = engine.kind === 'athena' && engine.inventoryReport !== undefined && options.inventory.startsWith('s3://');
  const tables = analysisTables(engine.kind, { inventoryFromManifest: makesInventoryTable });
  let report: RetentionReport;
  try {
    report = await analyzeOnTables(engine, catalog, options, control, checked, tables);
  } catch (error) {
    await dropAnalysisTables(engine, tables);
    throw error;
  }
  control.onProgress?.("Dropping the analysis's tables");
  report.notes.push(...(await dropAnalysisTables(engine, tables)));
  return report;
}

interface CheckedInputs {
  window: ReturnType<typeof accessWindow>;
  exemptRegex: string;
  prices: ReturnType<typeof storagePrices>;
}

async function analyzeOnTables(
  engine: QueryEngine,
  catalog: TemplateCatalog,
  options: RetentionOptions,
  control: RetentionControl,
  { window, exemptRegex, prices }: CheckedInputs,
  tables: AnalysisTables,
): Promise<RetentionReport> {
  const { signal } = control;
  // The logs are read for the lookback (the window and the days before it searched for a last
  // read), from the files that can hold its lines: not the years of logs that may lie beside them.
  const lookbackStart = formatDay(parseDay(window.asOf) - options.lookbackDays + 1);
  const runner = new TemplateRunner(
    catalog,
    engine,
    {
      inventory: options.inventory,
      logs: options.logs,
      logFileDays: logFileDays(lookbackStart, window.asOf),
    },
    tables.names,
  );
  const notes: string[] = [...(options.priceNotes ?? [])];
  const common = { bucket: options.bucket ?? '', as_of: options.asOf };
  const standardPrice = prices.perGbMonth.STANDARD;
  const counting: Record<string, string> = {};
  if (options.operations) counting.operations = options.operations.join(',');
  if (options.statuses) counting.statuses = options.statuses.join(',');
  if (options.excludedRequesters) counting.excluded_requesters = options.excludedRequesters.join(',');
  const run = async (step: string, name: string, values: Record<string, string>): Promise<Row[]> => {
    control.onProgress?.(step);
    const entry = catalog.get(name);
    if (!entry) throw new Error(`the ${name} template is missing from the catalog: reinstall, or restore .s3-lifecycle/templates/${name}.sql`);
    const result = await runner.run({ template: entry.template, values, signal, onProgress: (p) => control.onProgress?.(`${step}: ${p.message}`) });
    const { columns, rows, statistics: stats } = await collectRows(result);
    for (const note of stats.notes) if (!notes.includes(note)) notes.push(note);
    if (stats.engine === 'athena') notes.push(`${name}: ${formatStatistics(stats)}`);
    return rows.map((r) => Object.fromEntries(columns.map((c, i) => [c.name, r[i]!])));
  };

  // 0. The inventory report's own fields decide what the analysis can see (see inventoryFacts).
  const inventory = await locateInventory(engine, options.inventory, signal);
  if (inventory) {
    notes.push(...inventory.notes);
    common.bucket ||= inventory.report.sourceBucket;
  }
  if (inventory && tables.inventoryFromManifest) {
    // On Athena the inventory table is made from the report's manifest, so its columns are the report's own.
    await run("Creating the inventory table from the report's manifest", 'inventory_table', {
      location: inventory.report.hiveLocation,
      format: inventory.report.fileFormat,
      schema: inventory.report.fileSchema,
    });
  }
  const inventoryDt: Record<string, string> = inventory ? { inventory_dt: inventory.report.dt } : {};

  // 1. Coverage first: on the local engine it loads only the logs, and a gap stops everything.
  const days = await run('Checking the access logs cover the window', 'log_coverage', { ...common, days: String(window.days) });
  const coverage = logCoverage(window, Object.fromEntries(days.map((d) => [String(d.day).slice(0, 10), Number(d.lines)])), {
    maxMissingDays: options.maxMissingLogDays,
    maxSuspectDays: options.maxSuspectLogDays ?? 0,
    override: options.allowMissingLogs,
  });
  if (coverage.overridden) {
    const suspect = coverage.suspectDays.length > 0 ? ` and few on ${coverage.suspectDays.length} more` : '';
    notes.push(
      `WARNING: no access logs for ${coverage.missingDays.length} of ${coverage.days} days${suspect}, analysed anyway: prefixes read only on those days are listed as unused`,
    );
  } else if (coverage.suspectDays.length > 0)
    notes.push(`few log lines (under a tenth of the window's median) on ${describeDays(coverage.suspectDays)}: allowed by the suspect-day setting`);
  // A malformed line may be a read the analysis does not see: too many of them (or one naming a key) stop it too.
  const lastLogDay = formatDay(parseDay(window.asOf) + LATE_DELIVERY_DAYS);
  const malformedRows = await run('Checking for log lines that could not be read', 'malformed_log_lines', {
    bucket: common.bucket,
    first_day: window.start.replace(/-/g, '/'),
    last_day: lastLogDay.replace(/-/g, '/'),
  }).catch((error: unknown) => {
    // An access-log view made by an older access_log_table has no malformed column.
    if (engine.kind === 'athena' && /malformed/i.test((error as Error).message)) {
      throw new Error(
        `${(error as Error).message} — the s3_access_logs view predates the malformed column: create it again with the access_log_table template (DDL only, nothing is scanned)`,
      );
    }
    throw error;
  });
  coverage.malformed = checkMalformedLines(
    {
      lines: malformedRows.reduce((n, r) => n + Number(r.lines), 0),
      withKey: malformedRows.reduce((n, r) => n + Number(r.lines_with_key), 0),
      examples: malformedRows.flatMap((r) => (Array.isArray(r.examples) ? r.examples.map(String) : [])).slice(0, 10),
    },
    Object.values(coverage.linesPerDay).reduce((n, lines) => n + lines, 0),
    { maxPercent: options.maxMalformedLogLinesPercent ?? DEFAULT_MAX_MALFORMED_PERCENT, override: options.allowMalformedLogs ?? false },
  );
  if (coverage.malformed.overridden)
    notes.push(
      `WARNING: ${coverage.malformed.lines} malformed log lines (${coverage.malformed.withKey} naming a key), analysed anyway: a read among them is not counted`,
    );

  // 2. The unused prefixes.
  const unusedRows = await run('Finding unused prefixes', 'unused_prefixes', {
    ...common,
    ...inventoryDt,
    days: String(window.days),
    exempt_key_regex: exemptRegex,
    ...counting,
  });
  const byClass = unusedRows.length === 0 || 'bytes_by_storage_class' in unusedRows[0]!;
  if (!byClass)
    notes.push(
      'the unused_prefixes template in use has no bytes_by_storage_class column (a workspace copy from an older version?): its bytes are counted as storage class UNKNOWN',
    );

  // 3. When each was last read, looking back further than the window.
  const accessRows = await run('Looking up last access', 'access_by_prefix', { ...common, days: String(options.lookbackDays), ...counting });
  const lastAccess = new Map<string, string>();
  for (const row of accessRows) if (row.last_access !== null) lastAccess.set(String(row.prefix), isoTime(row.last_access!));

  // 4. Savings and totals.
  control.onProgress?.('Pricing the savings');
  const unpriced = new Set<string>();
  const noStorageClass = inventory !== undefined && !hasField(inventory.schema, 'StorageClass');
  const prefixes: UnusedPrefix[] = unusedRows.map((row) => {
    const prefix = String(row.prefix ?? '');
    const bytesByStorageClass = byClass ? parseBytesByStorageClass(String(row.bytes_by_storage_class ?? '')) : { UNKNOWN: Number(row.bytes) };
    const savings = monthlySavings(bytesByStorageClass, prices);
    // Without the field every class is UNKNOWN, priced as STANDARD: the inventory's note says so.
    savings.unpricedClasses.filter((c) => !(noStorageClass && c === 'UNKNOWN')).forEach((c) => unpriced.add(c));
    return {
      prefix,
      objects: Number(row.objects),
      bytes: Number(row.bytes),
      storageClasses: String(row.storage_classes ?? '')
        .split(',')
        .filter((c) => c !== ''),
      bytesByStorageClass,
      newestLastModified: isoTime(row.newest_last_modified!),
      lastAccess: lastAccess.get(prefix) ?? null,
      monthlySavingsUsd: roundUsd(savings.usd),
    };
  });
  prefixes.sort((a, b) => b.bytes - a.bytes || (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
  if (unpriced.size > 0) notes.push(unpricedClassesNote([...unpriced].sort(), prices));
  const keepTag = formatKeepTag(options.keepTag);
  if (keepTag) notes.push(`objects tagged ${keepTag} are kept: S3 Inventory carries no tags, so they are counted here and skipped when tagging`);

  if (noStorageClass)
    notes.push(
      `the inventory report has no StorageClass field: every object is priced at STANDARD's $${standardPrice} per GB-month (add StorageClass to the inventory configuration's optional fields for prices by class)`,
    );

  return {
    bucket: common.bucket,
    engine: engine.kind,
    sources: { inventory: options.inventory, logs: options.logs },
    window,
    lookbackDays: options.lookbackDays,
    coverage,
    exemptions: { globs: [...options.exemptGlobs], keepTag },
    prices,
    prefixes,
    totals: {
      prefixes: prefixes.length,
      objects: prefixes.reduce((n, p) => n + p.objects, 0),
      bytes: prefixes.reduce((n, p) => n + p.bytes, 0),
      monthlySavingsUsd: roundUsd(prefixes.reduce((n, p) => n + p.monthlySavingsUsd, 0)),
    },
    notes,
    generatedAt: new Date().toISOString(),
  };
}

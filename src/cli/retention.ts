// `s3-lifecycle retention`: the access-based retention analysis from the terminal — the unused
// prefixes of a bucket with their objects, bytes, last access and monthly savings.

import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { retentionOptions, runRetention } from '../app/findUnusedPrefixes';
import { formatBytes, formatCount, formatUsd } from '../core/format';
import { GlobError } from '../core/retention/exemptions';
import type { RetentionReport, UnusedPrefix } from '../core/retention/report';
import { TagArgError } from '../core/retention/tagSet';
import { parsePriceOverride, PriceError } from '../core/retention/savings';
import { describeCoverage, describeLinesPerDay, LogCoverageError, MalformedLogLinesError, RetentionInputError } from '../core/retention/window';
import { QueryCancelledError } from '../engines/engine';
import { csvLine } from '../engines/resultFormat';
import { retentionCatalog, WORKSPACE_TEMPLATE_FOLDER, type TemplateCatalog } from '../sql/catalog';
import { TemplateError } from '../sql/template';
import { checkPriceSource, CONNECTION_OPTIONS, openScope, PRICE_LIST_OPTIONS } from './connection';
import { CliFailure, EXIT_OK, EXIT_USAGE, integerOption, stringOption, UsageError, type CliCommand, type CliIo, type ParsedCommandLine } from './framework';

const PROGRAM = 's3-lifecycle';

function listOption(args: ParsedCommandLine, name: string): string[] {
  const raw = args.values[name];
  return (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String);
}

/** A prefix as one line of text: control characters made visible, the root named. */
function displayPrefix(prefix: string): string {
  if (prefix === '') return '(bucket root)';
  return prefix.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export const CSV_COLUMNS = ['prefix', 'objects', 'bytes', 'storageClasses', 'newestLastModified', 'lastAccess', 'monthlySavingsUsd'] as const;

function csvRow(p: UnusedPrefix): string {
  return csvLine([p.prefix, p.objects, p.bytes, p.storageClasses.join(';'), p.newestLastModified, p.lastAccess, p.monthlySavingsUsd]);
}

function printText(report: RetentionReport, io: CliIo): void {
  const { window, totals, prices } = report;
  const classes = [...new Set(report.prefixes.flatMap((p) => Object.keys(p.bytesByStorageClass)))].sort();
  const priceList = (classes.length > 0 ? classes : ['STANDARD'])
    .map((c) => `${c} ${prices.perGbMonth[c] ?? `${prices.perGbMonth.STANDARD} (as STANDARD)`}`)
    .join(', ');
  const exemptions = [
    report.exemptions.globs.length > 0 ? `globs ${report.exemptions.globs.join(', ')}` : 'no globs',
    report.exemptions.keepTag ? `keep tag ${report.exemptions.keepTag} (skipped when tagging)` : 'no keep tag',
  ];
  const header: [string, string][] = [
    ['bucket', report.bucket === '' ? 'every bucket in the inventory' : `s3://${report.bucket}`],
    ['window', `${window.start} … ${window.asOf} (${window.days} days, UTC); last access looked up over ${report.lookbackDays} days`],
    ['log coverage', describeCoverage(report.coverage)],
    ['lines a day', describeLinesPerDay(report.coverage)],
    ['exemptions', `${exemptions.join('; ')}; object lock, legal hold and objects younger than the window`],
    ['prices', `USD per GB-month: ${priceList} — ${prices.source}`],
    [
      'total',
      `${formatCount(totals.prefixes)} unused prefix${totals.prefixes === 1 ? '' : 'es'} · ${formatCount(totals.objects)} objects · ${formatBytes(totals.bytes)} · ${formatUsd(totals.monthlySavingsUsd)} per month`,
    ],
  ];
  for (const [label, value] of header) io.out(`${label.padEnd(13)}${value}\n`);
  if (report.prefixes.length === 0) {
    io.out('\nNo unused prefixes.\n');
    return;
  }
  const names = ['PREFIX', 'OBJECTS', 'BYTES', 'STORAGE CLASSES', 'NEWEST OBJECT', 'LAST ACCESS', '$/MONTH'];
  const rightAligned = new Set([1, 2, 6]);
  const rows = report.prefixes.map((p) => [
    displayPrefix(p.prefix),
    formatCount(p.objects),
    formatBytes(p.bytes),
    p.storageClasses.join(','),
    p.newestLastModified.slice(0, 10),
    p.lastAccess === null ? 'never seen' : p.lastAccess.slice(0, 19).replace('T', ' '),
    formatUsd(p.monthlySavingsUsd),
  ]);
  const widths = names.map((n, i) => Math.min(i === 0 ? 80 : 64, Math.max(n.length, ...rows.map((r) => r[i]!.length))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => {
        const cell = c.length > widths[i]! ? `${c.slice(0, widths[i]! - 1)}…` : c;
        return rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
      })
      .join('  ')
      .trimEnd() + '\n';
  io.out('\n' + line(names));
  for (const row of rows) io.out(line(row));
}

export const retention: CliCommand = {
  name: 'retention',
  summary: 'Find the prefixes nobody read in a window of access logs, with their size, last access and monthly savings',
  usage: '--inventory LOC --logs LOC --as-of DATE --window-days N',
  options: {
    ...CONNECTION_OPTIONS,
    inventory: {
      type: 'string',
      description: 'The S3 Inventory report: hive/ or configuration folder, or manifest.json; s3:// or a local path (env S3LIFECYCLE_INVENTORY)',
      valueName: 'location',
    },
    logs: { type: 'string', description: 'The server access logs of the bucket, s3:// or a local path (env S3LIFECYCLE_LOGS)', valueName: 'location' },
    'as-of': { type: 'string', description: 'Last day of the window, UTC (required)', valueName: 'YYYY-MM-DD' },
    'window-days': { type: 'string', description: 'Days in the window, ending with --as-of (default 30)', valueName: 'n' },
    exempt: {
      type: 'string',
      multiple: true,
      description: 'Keys matching this glob never expire: * within a segment, ** across, ? one character, [a-z] (repeat for more)',
      valueName: 'glob',
    },
    engine: { type: 'string', description: 'local (default) or athena (env S3LIFECYCLE_ENGINE)', valueName: 'local|athena' },
    format: { type: 'string', description: 'Output format: text (default), json (the whole report) or csv (one row per prefix)', valueName: 'text|json|csv' },
    bucket: { type: 'string', description: 'Only this source bucket (default: every bucket in the inventory)', valueName: 'name' },
    'lookback-days': { type: 'string', description: "Days ending with --as-of searched for each prefix's last access (default 365)", valueName: 'n' },
    'keep-tag': {
      type: 'string',
      description: "Objects with this tag are kept (recorded in the report; the tagging run skips them). Default s3-lifecycle-studio:keep; '' for none",
      valueName: 'k[=v]',
    },
    'max-missing-log-days': {
      type: 'string',
      description: 'Days of the window that may lack access logs before the analysis stops (default 0)',
      valueName: 'n',
    },
    'allow-missing-logs': {
      type: 'boolean',
      description: 'Analyse even when more log days are missing (or suspect): prefixes read only on those days will look unused',
    },
    'max-suspect-log-days': {
      type: 'string',
      description: 'Days with under a tenth of the median log lines that are only reported; more and they count as missing (default 0)',
      valueName: 'n',
    },
    'max-malformed-log-percent': {
      type: 'string',
      description: "Malformed log lines tolerated, in percent of the window's lines (default 0.1); one naming a key always stops the analysis",
      valueName: 'p',
    },
    'allow-malformed-logs': { type: 'boolean', description: 'Analyse even with more malformed log lines than allowed: a read among them is not counted' },
    price: {
      type: 'string',
      multiple: true,
      description: "A storage price in USD per GB-month over the region's prices, e.g. GLACIER=0.0036 (repeat for more)",
      valueName: 'CLASS=USD',
    },
    templates: {
      type: 'string',
      description:
        'A folder of .sql templates used in place of the built-ins of the same name (default: the built-ins; ./.s3-lifecycle/templates/ only when named here)',
      valueName: 'dir',
    },
    ...PRICE_LIST_OPTIONS,
  },
  details: [
    'The window is the N days that end with --as-of, in UTC, both ends included. A prefix is unused when it holds objects older than the window',
    '(current versions, no object lock or legal hold, not exempt) and none of the keys immediately under it was read in the window.',
    'If the window has more days without access logs than --max-missing-log-days allows, nothing is analysed: exit code 2 and the missing days on stderr.',
    "A day with under a tenth of the window's median lines is suspect and counts as missing beyond --max-suspect-log-days. Malformed log lines above",
    "--max-malformed-log-percent of the window's lines, or one whose key can be made out, stop the analysis the same way (--allow-malformed-logs goes on).",
    "Coverage counts the source bucket's lines only: --bucket, or the inventory's source bucket.",
    'Savings are bytes per storage class × the price per GB-month: us-east-1 list prices are built in; another region on AWS reads its prices from the',
    "AWS Price List API (pricing:GetProducts; kept 30 days in the cache folder), and falls back to us-east-1's with a note; --price overrides, --region picks the region.",
    'CSV columns: prefix, objects, bytes, storageClasses (separated by ;), newestLastModified, lastAccess (empty when never seen in the lookback), monthlySavingsUsd.',
    'On --engine athena, --inventory and --logs only label the report: the tables made by the inventory_table and access_log_table templates are read.',
    'Notes (malformed log lines, downloads, Athena cost) go to stderr.',
  ],
  async run(args, io) {
    const format = stringOption(args, 'format') ?? 'text';
    if (!['text', 'csv', 'json'].includes(format)) throw new UsageError(`--format must be text, csv or json, not "${format}"`, retention);
    if (args.positionals.length > 0) throw new UsageError(`retention takes no positional arguments (got "${args.positionals[0]}")`, retention);
    checkPriceSource(args, retention);
    const scope = openScope(args, io);
    const { settings } = scope;
    const asOf = stringOption(args, 'as-of');
    if (!asOf) throw new UsageError('--as-of DATE is required: the last day of the window (UTC), e.g. yesterday', retention);
    const athena = settings.engine === 'athena';
    const inventory = settings.query.inventoryLocation || (athena ? 'Athena table s3_inventory' : '');
    const logs = settings.query.logsLocation || (athena ? 'Athena table s3_access_logs' : '');
    if (!inventory)
      throw new UsageError(
        "--inventory is required (or S3LIFECYCLE_INVENTORY): the S3 Inventory report's hive/ or configuration folder, or its manifest.json",
        retention,
      );
    if (!logs) throw new UsageError("--logs is required (or S3LIFECYCLE_LOGS): the folder the bucket's server access logs are delivered to", retention);
    const windowDays = integerOption(args, 'window-days', { min: 1, max: 3650 }) ?? settings.retention.windowDays;
    const priceOverrides: Record<string, number> = {};
    for (const item of listOption(args, 'price')) {
      try {
        const [storageClass, usd] = parsePriceOverride(item);
        priceOverrides[storageClass] = usd;
      } catch (error) {
        throw new UsageError(`--price: ${(error as Error).message}`, retention);
      }
    }
    const allowMissingLogs = args.values['allow-missing-logs'] === true;
    const allowMalformedLogs = args.values['allow-malformed-logs'] === true;
    const malformedPercentText = stringOption(args, 'max-malformed-log-percent');
    const maxMalformedLogLinesPercent = malformedPercentText === undefined ? undefined : Number(malformedPercentText);
    if (maxMalformedLogLinesPercent !== undefined && !(maxMalformedLogLinesPercent >= 0 && maxMalformedLogLinesPercent <= 100)) {
      throw new UsageError(`--max-malformed-log-percent takes a percentage from 0 to 100, not "${malformedPercentText}"`, retention);
    }
    const keepTagText = stringOption(args, 'keep-tag');
    const lookbackDays = integerOption(args, 'lookback-days', { min: 1, max: 3650 });
    const maxMissingLogDays = integerOption(args, 'max-missing-log-days', { min: 0, max: 3650 });
    const maxSuspectLogDays = integerOption(args, 'max-suspect-log-days', { min: 0, max: 3650 });
    const connection = scope.defaultConnection;
    let options;
    try {
      options = retentionOptions(
        settings,
        connection,
        { ...(stringOption(args, 'bucket') ? { bucket: stringOption(args, 'bucket')! } : {}), inventory, logs, asOf, windowDays },
        {
          ...(lookbackDays !== undefined ? { lookbackDays } : {}),
          exemptGlobs: listOption(args, 'exempt'),
          ...(keepTagText !== undefined ? { keepTag: { text: keepTagText, source: '--keep-tag' } } : {}),
          ...(maxMissingLogDays !== undefined ? { maxMissingLogDays } : {}),
          allowMissingLogs,
          ...(maxSuspectLogDays !== undefined ? { maxSuspectLogDays } : {}),
          ...(maxMalformedLogLinesPercent !== undefined ? { maxMalformedLogLinesPercent } : {}),
          allowMalformedLogs,
          priceOverrides,
        },
      );
    } catch (error) {
      if (error instanceof TagArgError) throw new UsageError(error.message, retention);
      throw error;
    }

    const templatesFolder = stringOption(args, 'templates') ?? settings.retention.templatesFolder;
    let catalog: TemplateCatalog;
    try {
      catalog = retentionCatalog(templatesFolder === '' ? '' : resolve(templatesFolder));
    } catch (error) {
      throw new UsageError(`--templates: ${(error as Error).message}`, retention);
    }
    for (const problem of catalog.problems) io.err(`warning: ${problem}\n`);
    const workspaceTemplates = join(process.cwd(), WORKSPACE_TEMPLATE_FOLDER);
    if (templatesFolder === '' && existsSync(workspaceTemplates) && readdirSync(workspaceTemplates).some((f) => f.endsWith('.sql'))) {
      io.err(
        `note: the analysis runs the built-in templates, not those in ./${WORKSPACE_TEMPLATE_FOLDER}/: to use yours, pass --templates ${WORKSPACE_TEMPLATE_FOLDER}\n`,
      );
    }
    let report: RetentionReport;
    let engineKind: string = settings.engine;
    try {
      const engine = await scope.queryEngine();
      engineKind = engine.kind;
      report = await runRetention(scope, engine, catalog, connection, options, { signal: io.signal });
    } catch (error) {
      if (error instanceof LogCoverageError || error instanceof MalformedLogLinesError) {
        io.err(`${PROGRAM} retention: ${error.message}\n`);
        return EXIT_USAGE;
      }
      if (error instanceof RetentionInputError || error instanceof GlobError || error instanceof PriceError || error instanceof TemplateError)
        throw new UsageError(error.message, retention);
      if (error instanceof QueryCancelledError || io.signal.aborted) throw new CliFailure('cancelled');
      throw new CliFailure(`the analysis failed on the ${engineKind} engine: ${(error as Error).message}`);
    } finally {
      await scope.dispose();
    }

    if (allowMalformedLogs) {
      const { malformed } = report.coverage;
      io.err(
        malformed.overridden
          ? `WARNING: ANALYSED WITH MALFORMED ACCESS-LOG LINES — ${malformed.lines} line${malformed.lines === 1 ? '' : 's'} could not be read (${malformed.withKey} naming a key). A read among them is not counted: check the prefixes they name before you expire anything.\n`
          : `WARNING: --allow-malformed-logs was given; it was not needed this time (${malformed.lines} malformed lines).\n`,
      );
    }
    if (allowMissingLogs) {
      const { coverage } = report;
      io.err(
        coverage.overridden
          ? `WARNING: ANALYSED WITH MISSING ACCESS LOGS — ${describeCoverage(coverage)}. Prefixes read only on the missing days are listed as unused: check them before you expire anything.\n`
          : `WARNING: --allow-missing-logs was given; it was not needed this time (log coverage ${describeCoverage(coverage)}).\n`,
      );
    }
    if (format === 'json') io.out(JSON.stringify(report, null, 2) + '\n');
    else if (format === 'csv') {
      io.out(csvLine([...CSV_COLUMNS]));
      for (const p of report.prefixes) io.out(csvRow(p));
    } else printText(report, io);
    for (const note of report.notes) io.err(`  ${note}\n`);
    if (format !== 'text')
      io.err(
        `${report.totals.prefixes} unused prefixes · ${report.totals.objects} objects · ${formatBytes(report.totals.bytes)} · ${formatUsd(report.totals.monthlySavingsUsd)} per month · log coverage ${describeCoverage(report.coverage)}\n`,
      );
    return EXIT_OK;
  },
};

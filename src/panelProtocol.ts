// The typed messages between the extension host and the lifecycle panel's webview, on the webview
// kit (src/webviewKit). Imported by both sides. The webview is untrusted: the host validates every
// inbound message with `parseWebviewMessage` before acting on it; the webview checks what the host
// sends with `parseHostMessage` before rendering it. Requests and their answers travel as the kit's
// channel envelopes.

import type { RetentionReport, RetentionTotals, UnusedPrefix } from './core/retention/report';
import { isValidBucketName } from './core/s3uri';
import { parseRequest, parseResponse, type AnyRequest, type ParamsParsers, type ResponseMessage } from './webviewKit/channel';
import { hasOnlyKeys, isAmount, isCount, isOneOf, isRecord, isStringList } from './webviewKit/guards';
import { stringTable } from './webviewKit/strings';
import {
  DELETION_PARAMS,
  DELETION_STRING_KEYS,
  parseDeletionMessage,
  type DeletionEventMessage,
  type DeletionRequests,
  type DeletionStrings,
} from './deletionProtocol';

export type { ResponseMessage, RetentionReport, RetentionTotals, UnusedPrefix };
export * from './deletionProtocol';

// ---- Shared values -------------------------------------------------------------------------

/** Where the panel's requests go, without credentials. */
export interface ConnectionSummary {
  /** One line such as `http://127.0.0.1:5000 (default credential chain, us-east-1, path-style)`. */
  description: string;
  engine: 'local' | 'athena';
}

export interface BucketSummary {
  name: string;
  /** ISO-8601 creation time, when S3 reported one. */
  createdAt: string | null;
}

/** User-facing strings, localised on the host with `vscode.l10n.t` and sent once in `init` (the deletion player's among them). */
export interface PanelStrings extends DeletionStrings {
  title: string;
  connectionLabel: string;
  engineLabel: string;
  engineLocal: string;
  engineAthena: string;
  listBuckets: string;
  bucketsHeading: string;
  bucketColumn: string;
  createdColumn: string;
  noBuckets: string;
  loading: string;
  // The unused-prefix list. `{0}`, `{1}` … are placeholders (see `formatString`).
  unusedHeading: string;
  findUnused: string;
  /** Shown before any report: what the analysis does. */
  findUnusedIntro: string;
  finding: string;
  noUnusedPrefixes: string;
  noMatches: string;
  bucketLabel: string;
  /** The report covered every bucket of the inventory. */
  everyBucket: string;
  windowLabel: string;
  /** `{0} days to {1}` (days, as-of date). */
  windowValue: string;
  coverageLabel: string;
  /** `{0} of {1} days` (days with logs, days). */
  coverageValue: string;
  /** `missing: {0}`. */
  coverageMissing: string;
  /** Said loudly when the user went on despite missing log days. */
  coverageOverridden: string;
  /** `suspect (few lines): {0}`. */
  coverageSuspect: string;
  /** `{0} malformed lines ({1} naming a key)`. */
  coverageMalformed: string;
  /** Said loudly when the user went on despite malformed log lines. */
  malformedOverridden: string;
  /** The heading of the lines-per-day list. */
  linesPerDayHeading: string;
  /** `{0} lines` (a day's count, as the meter's label). */
  linesPerDayValue: string;
  exemptionsLabel: string;
  exemptionsNone: string;
  /** `objects tagged {0}`. */
  exemptionsKeepTag: string;
  pricesLabel: string;
  /** `{0} ({1})` (region, source). */
  pricesValue: string;
  /** `{0}: {1}/GB-month` (storage class, price). */
  pricePerGbMonth: string;
  notesHeading: string;
  totalsShown: string;
  totalsSelected: string;
  prefixesColumn: string;
  prefixColumn: string;
  objectsColumn: string;
  bytesColumn: string;
  storageClassesColumn: string;
  lastAccessColumn: string;
  newestColumn: string;
  savingsColumn: string;
  selectColumn: string;
  actionColumn: string;
  /** The last access of a prefix never read in the lookback. */
  never: string;
  /** How the prefix '' reads. */
  bucketRoot: string;
  filterLabel: string;
  filterPlaceholder: string;
  storageClassFilterLabel: string;
  anyStorageClass: string;
  /** `{0} of {1} prefixes shown`. */
  shownCount: string;
  selectAll: string;
  /** `Select {0}`. */
  selectRow: string;
  tagForExpiration: string;
  /** `Tag for expiration: {0}` — the accessible name of a row's button. */
  tagForExpirationLabel: string;
  /** `Tag selected for expiration ({0})`. */
  tagSelected: string;
  /** `Tag at most {0} prefixes at a time: …`. */
  tooManyPrefixes: string;
  /** Tagging needs the report of one bucket. */
  tagNeedsBucket: string;
  statusTagging: string;
  statusTagged: string;
  statusFailed: string;
  /** The grid's keyboard help, read by screen readers. */
  gridHelp: string;
}

// ---- Requests the webview makes of the host -------------------------------------------------

/** Each request method with its parameters and its result (the deletion player's among them). */
export interface PanelRequests extends DeletionRequests {
  /** The buckets of the current connection. */
  listBuckets: { params: Record<string, never>; result: BucketSummary[] };
  /**
   * Tag the objects of these prefixes for expiration (the host shows its dry-run preview first).
   * `tagged` lists the prefixes that were tagged: [] when the user cancelled in the preview.
   */
  tagForExpiration: { params: { bucket: string; prefixes: string[] }; result: TagForExpirationResult };
  /** Run "Find Unused Prefixes" (the host asks what it needs); the report arrives as a `retentionReport` message. */
  findUnusedPrefixes: { params: { bucket?: string }; result: null };
}

export interface TagForExpirationResult {
  tagged: string[];
}

export type PanelMethod = keyof PanelRequests;

/** At most this many prefixes in one request: a bound on what an untrusted webview can make the host do at once. */
export const MAX_REQUEST_PREFIXES = 100_000;
/** S3 keys are at most 1024 bytes, so a longer prefix cannot exist. */
export const MAX_PREFIX_LENGTH = 1024;

/** Where a prefix is in tagging for expiration; `untagged` clears what the row shows. */
export type PrefixTagStatus = 'tagging' | 'tagged' | 'failed' | 'untagged';
export const PREFIX_TAG_STATUSES: readonly PrefixTagStatus[] = ['tagging', 'tagged', 'failed', 'untagged'];

// ---- Webview → host -------------------------------------------------------------------------

/** The webview has loaded its script and listens: the host answers with `init`. */
export interface ReadyMessage {
  type: 'ready';
}

/** A request of any method; the host answers with a `response` carrying the same `requestId`. */
export type PanelRequestMessage = AnyRequest<PanelRequests>;

export type WebviewToHostMessage = ReadyMessage | PanelRequestMessage;

// ---- Host → webview -------------------------------------------------------------------------

/** Everything the panel needs to render, sent once after `ready`. */
export interface InitMessage {
  type: 'init';
  strings: PanelStrings;
  connection: ConnectionSummary;
}

/** The settings changed: the panel shows the new connection and forgets results of the old one. */
export interface ConnectionChangedMessage {
  type: 'connectionChanged';
  connection: ConnectionSummary;
}

/** An analysis finished (or the panel reloaded): the list shows this report. */
export interface RetentionReportMessage {
  type: 'retentionReport';
  report: RetentionReport;
}

/** Prefixes of a bucket changed their tagging state; `detail` says why one failed. */
export interface PrefixStatusMessage {
  type: 'prefixStatus';
  bucket: string;
  prefixes: string[];
  status: PrefixTagStatus;
  detail?: string;
}

export type PrefixStatusUpdate = Omit<PrefixStatusMessage, 'type'>;

/** What the host sends besides answers. */
export type HostEventMessage = InitMessage | ConnectionChangedMessage | RetentionReportMessage | PrefixStatusMessage | DeletionEventMessage;

export type HostToWebviewMessage = HostEventMessage | ResponseMessage;

// ---- Validation -----------------------------------------------------------------------------

/**
 * The prefixes of a request: 1 to MAX_REQUEST_PREFIXES strings, none longer than a key can be,
 * no duplicates. Returns a copy, or undefined.
 */
export function parsePrefixList(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_REQUEST_PREFIXES) return undefined;
  const seen = new Set<string>();
  for (const prefix of value) {
    if (typeof prefix !== 'string' || prefix.length > MAX_PREFIX_LENGTH || seen.has(prefix)) return undefined;
    seen.add(prefix);
  }
  return [...seen];
}

/** The check of each request's parameters. */
const PANEL_PARAMS: ParamsParsers<PanelRequests> = {
  ...DELETION_PARAMS,
  listBuckets: (params) => (params === undefined || (isRecord(params) && Object.keys(params).length === 0) ? {} : undefined),
  tagForExpiration: (params) => {
    if (!isRecord(params) || !hasOnlyKeys(params, ['bucket', 'prefixes'])) return undefined;
    if (typeof params.bucket !== 'string' || !isValidBucketName(params.bucket)) return undefined;
    const prefixes = parsePrefixList(params.prefixes);
    return prefixes ? { bucket: params.bucket, prefixes } : undefined;
  },
  findUnusedPrefixes: (params) => {
    if (params === undefined) return {};
    if (!isRecord(params) || !hasOnlyKeys(params, ['bucket'])) return undefined;
    if (params.bucket === undefined) return {};
    return typeof params.bucket === 'string' && isValidBucketName(params.bucket) ? { bucket: params.bucket } : undefined;
  },
};

/** Validates a message from the webview; anything malformed or unknown yields undefined. Extra fields are dropped. */
export function parseWebviewMessage(raw: unknown): WebviewToHostMessage | undefined {
  if (!isRecord(raw)) return undefined;
  switch (raw.type) {
    case 'ready':
      return { type: 'ready' };
    case 'request':
      return parseRequest(raw, PANEL_PARAMS);
    default:
      return undefined;
  }
}

/** Every `PanelStrings` key: the compiler checks this table against the interface. */
const PANEL_STRINGS = stringTable<PanelStrings>({
  title: true,
  connectionLabel: true,
  engineLabel: true,
  engineLocal: true,
  engineAthena: true,
  listBuckets: true,
  bucketsHeading: true,
  bucketColumn: true,
  createdColumn: true,
  noBuckets: true,
  loading: true,
  unusedHeading: true,
  findUnused: true,
  findUnusedIntro: true,
  finding: true,
  noUnusedPrefixes: true,
  noMatches: true,
  bucketLabel: true,
  everyBucket: true,
  windowLabel: true,
  windowValue: true,
  coverageLabel: true,
  coverageValue: true,
  coverageMissing: true,
  coverageOverridden: true,
  coverageSuspect: true,
  coverageMalformed: true,
  malformedOverridden: true,
  linesPerDayHeading: true,
  linesPerDayValue: true,
  exemptionsLabel: true,
  exemptionsNone: true,
  exemptionsKeepTag: true,
  pricesLabel: true,
  pricesValue: true,
  notesHeading: true,
  totalsShown: true,
  totalsSelected: true,
  prefixesColumn: true,
  prefixColumn: true,
  pricePerGbMonth: true,
  objectsColumn: true,
  bytesColumn: true,
  storageClassesColumn: true,
  lastAccessColumn: true,
  newestColumn: true,
  savingsColumn: true,
  selectColumn: true,
  actionColumn: true,
  never: true,
  bucketRoot: true,
  filterLabel: true,
  filterPlaceholder: true,
  storageClassFilterLabel: true,
  anyStorageClass: true,
  shownCount: true,
  selectAll: true,
  selectRow: true,
  tagForExpiration: true,
  tagForExpirationLabel: true,
  tagSelected: true,
  tooManyPrefixes: true,
  tagNeedsBucket: true,
  statusTagging: true,
  statusTagged: true,
  statusFailed: true,
  gridHelp: true,
  ...DELETION_STRING_KEYS,
});

export const PANEL_STRING_KEYS: readonly (keyof PanelStrings)[] = PANEL_STRINGS.keys;
export const isPanelStrings = PANEL_STRINGS.is;

/** A copy of a record of finite, non-negative amounts (by storage class), or undefined. */
function parseAmounts(value: unknown): Record<string, number> | undefined {
  if (!isRecord(value)) return undefined;
  const amounts: Record<string, number> = {};
  for (const key of Object.keys(value)) {
    const amount = value[key];
    if (!isAmount(amount)) return undefined;
    // An assignment to "__proto__" would set the prototype: define it as the plain key it is.
    if (key === '__proto__') Object.defineProperty(amounts, key, { value: amount, enumerable: true, writable: true, configurable: true });
    else amounts[key] = amount;
  }
  return amounts;
}

function parseUnusedPrefix(value: unknown): UnusedPrefix | undefined {
  if (!isRecord(value)) return undefined;
  const { prefix, objects, bytes, storageClasses, bytesByStorageClass, newestLastModified, lastAccess, monthlySavingsUsd } = value;
  if (typeof prefix !== 'string' || !isCount(objects) || !isAmount(bytes) || !isStringList(storageClasses)) return undefined;
  const byClass = parseAmounts(bytesByStorageClass);
  if (!byClass) return undefined;
  if (typeof newestLastModified !== 'string' || (lastAccess !== null && typeof lastAccess !== 'string')) return undefined;
  if (typeof monthlySavingsUsd !== 'number' || !Number.isFinite(monthlySavingsUsd)) return undefined;
  return {
    prefix,
    objects,
    bytes,
    storageClasses: [...storageClasses],
    bytesByStorageClass: byClass,
    newestLastModified,
    lastAccess,
    monthlySavingsUsd,
  };
}

/**
 * Checks a report field by field (strings, finite numbers, arrays, no duplicate prefix) and
 * returns a copy holding only the known fields, or undefined when anything is malformed.
 */
export function parseRetentionReport(raw: unknown): RetentionReport | undefined {
  if (!isRecord(raw)) return undefined;
  const { bucket, engine, sources, window, lookbackDays, coverage, exemptions, prices, prefixes, totals, notes, generatedAt } = raw;
  if (typeof bucket !== 'string' || (engine !== 'local' && engine !== 'athena') || typeof generatedAt !== 'string' || !isStringList(notes)) return undefined;
  if (!isRecord(sources) || typeof sources.inventory !== 'string' || typeof sources.logs !== 'string') return undefined;
  if (!isRecord(window) || typeof window.asOf !== 'string' || !isCount(window.days) || typeof window.start !== 'string') return undefined;
  if (!isCount(lookbackDays)) return undefined;
  if (
    !isRecord(coverage) ||
    !isCount(coverage.days) ||
    !isCount(coverage.daysWithLogs) ||
    !isStringList(coverage.missingDays) ||
    typeof coverage.overridden !== 'boolean'
  )
    return undefined;
  if (!isStringList(coverage.suspectDays) || !isRecord(coverage.linesPerDay) || !Object.values(coverage.linesPerDay).every(isCount)) return undefined;
  const malformed = coverage.malformed;
  if (
    !isRecord(malformed) ||
    !isCount(malformed.lines) ||
    !isCount(malformed.withKey) ||
    !isStringList(malformed.examples) ||
    typeof malformed.overridden !== 'boolean'
  )
    return undefined;
  if (!isRecord(exemptions) || !isStringList(exemptions.globs) || (exemptions.keepTag !== null && typeof exemptions.keepTag !== 'string')) return undefined;
  if (!isRecord(prices) || typeof prices.region !== 'string' || typeof prices.source !== 'string') return undefined;
  const perGbMonth = parseAmounts(prices.perGbMonth);
  if (!perGbMonth) return undefined;
  if (!isRecord(totals) || !isCount(totals.prefixes) || !isCount(totals.objects) || !isAmount(totals.bytes)) return undefined;
  if (typeof totals.monthlySavingsUsd !== 'number' || !Number.isFinite(totals.monthlySavingsUsd)) return undefined;
  if (!Array.isArray(prefixes)) return undefined;
  const rows: UnusedPrefix[] = [];
  const seen = new Set<string>();
  for (const entry of prefixes) {
    const row = parseUnusedPrefix(entry);
    // Rows are identified by their prefix (selection, status): two rows with one prefix is a broken report.
    if (!row || seen.has(row.prefix)) return undefined;
    seen.add(row.prefix);
    rows.push(row);
  }
  const reportTotals: RetentionTotals = {
    prefixes: totals.prefixes,
    objects: totals.objects,
    bytes: totals.bytes,
    monthlySavingsUsd: totals.monthlySavingsUsd,
  };
  return {
    bucket,
    engine,
    sources: { inventory: sources.inventory, logs: sources.logs },
    window: { asOf: window.asOf, days: window.days, start: window.start },
    lookbackDays,
    coverage: {
      days: coverage.days,
      daysWithLogs: coverage.daysWithLogs,
      missingDays: [...coverage.missingDays],
      overridden: coverage.overridden,
      linesPerDay: Object.fromEntries(Object.entries(coverage.linesPerDay as Record<string, number>)),
      suspectDays: [...coverage.suspectDays],
      malformed: { lines: malformed.lines, withKey: malformed.withKey, examples: [...malformed.examples], overridden: malformed.overridden },
    },
    exemptions: { globs: [...exemptions.globs], keepTag: exemptions.keepTag },
    prices: { region: prices.region, perGbMonth, source: prices.source },
    prefixes: rows,
    totals: reportTotals,
    notes: [...notes],
    generatedAt,
  };
}

function parsePrefixStatus(raw: Record<string, unknown>): PrefixStatusMessage | undefined {
  const { bucket, prefixes, status, detail } = raw;
  if (typeof bucket !== 'string' || !isStringList(prefixes)) return undefined;
  if (!isOneOf(status, PREFIX_TAG_STATUSES)) return undefined;
  if (detail !== undefined && typeof detail !== 'string') return undefined;
  const message: PrefixStatusMessage = { type: 'prefixStatus', bucket, prefixes: [...prefixes], status };
  if (detail !== undefined) message.detail = detail;
  return message;
}

/** Validates a message from the host (the webview trusts only what it can check). */
export function parseHostMessage(raw: unknown): HostToWebviewMessage | undefined {
  if (!isRecord(raw)) return undefined;
  switch (raw.type) {
    case 'init':
      return isPanelStrings(raw.strings) && isConnectionSummary(raw.connection)
        ? { type: 'init', strings: raw.strings, connection: raw.connection }
        : undefined;
    case 'connectionChanged':
      return isConnectionSummary(raw.connection) ? { type: 'connectionChanged', connection: raw.connection } : undefined;
    case 'response':
      return parseResponse(raw);
    case 'retentionReport': {
      const report = parseRetentionReport(raw.report);
      return report ? { type: 'retentionReport', report } : undefined;
    }
    case 'prefixStatus':
      return parsePrefixStatus(raw);
    case 'deletionPreparing':
    case 'deletionStart':
    case 'deletionFrames':
    case 'deletionEnd':
      return parseDeletionMessage(raw);
    default:
      return undefined;
  }
}

function isConnectionSummary(value: unknown): value is ConnectionSummary {
  return isRecord(value) && typeof value.description === 'string' && (value.engine === 'local' || value.engine === 'athena');
}

export function isBucketSummaryList(value: unknown): value is BucketSummary[] {
  return Array.isArray(value) && value.every((b) => isRecord(b) && typeof b.name === 'string' && (b.createdAt === null || typeof b.createdAt === 'string'));
}

export function isTagForExpirationResult(value: unknown): value is TagForExpirationResult {
  return isRecord(value) && isStringList(value.tagged);
}

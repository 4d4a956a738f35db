// "Find unused prefixes" as one flow for both shells: the analysis's options from the settings and
// what the caller gave (flags in the CLI, answers in VS Code), the region's storage prices, the
// analysis on the chosen engine, and a report narrowed to one prefix. The shells only ask, show
// progress and print.

import { asksPriceList, resolveBasePrices } from '../aws/priceList';
import type { ConnectionConfig } from '../core/connections';
import { isPrefixUnder } from '../core/prefix';
import type { RetentionReport } from '../core/retention/report';
import { roundUsd } from '../core/retention/savings';
import { keepTagSpec, parseKeepTagSetting } from '../core/retention/tagSet';
import type { StudioSettings } from '../core/settings';
import type { QueryEngine } from '../engines/engine';
import { overrideNote, type TemplateCatalog } from '../sql/catalog';
import { analyzeRetention, type RetentionOptions } from './retentionAnalysis';
import type { ConnectionScope } from './scope';

/** What one analysis is about; every other option has a setting. */
export interface RetentionInputs {
  /** Only this source bucket; every bucket in the inventory when unset. */
  bucket?: string;
  inventory: string;
  logs: string;
  /** Last day of the window, YYYY-MM-DD (UTC). */
  asOf: string;
  windowDays: number;
}

/** What the caller sets over the settings for this analysis. */
export interface RetentionOverrides {
  lookbackDays?: number;
  /** Globs added to the setting's. */
  exemptGlobs?: string[];
  /** `key`, `key=value`, or '' for none; where it came from names it in errors. */
  keepTag?: { text: string; source: string };
  maxMissingLogDays?: number;
  allowMissingLogs?: boolean;
  maxSuspectLogDays?: number;
  maxMalformedLogLinesPercent?: number;
  allowMalformedLogs?: boolean;
  /** USD per GB-month by storage class, over the setting's. */
  priceOverrides?: Record<string, number>;
}

/** The region whose prices the savings use: the pricing setting, else the connection's, else us-east-1. */
export function pricingRegion(settings: StudioSettings, connection: ConnectionConfig): string {
  return settings.retention.pricingRegion || connection.region || 'us-east-1';
}

/**
 * The analysis's options: the settings, then the caller's overrides. The last access is looked for
 * at least over the window itself. Throws TagArgError for a keep tag that is not one.
 */
export function retentionOptions(
  settings: StudioSettings,
  connection: ConnectionConfig,
  inputs: RetentionInputs,
  overrides: RetentionOverrides = {},
): RetentionOptions {
  const r = settings.retention;
  const keepTag = overrides.keepTag ?? { text: r.keepTag, source: 's3lifecycle.retention.keepTag' };
  return {
    ...(inputs.bucket ? { bucket: inputs.bucket } : {}),
    inventory: inputs.inventory,
    logs: inputs.logs,
    asOf: inputs.asOf,
    windowDays: inputs.windowDays,
    lookbackDays: overrides.lookbackDays ?? Math.max(inputs.windowDays, r.lookbackDays),
    exemptGlobs: [...r.exemptGlobs, ...(overrides.exemptGlobs ?? [])],
    // The analysis only names it in the report ('' value: any value keeps); the tagging run skips such objects.
    keepTag: keepTagSpec(parseKeepTagSetting(keepTag.text, keepTag.source)),
    maxMissingLogDays: overrides.maxMissingLogDays ?? r.maxMissingLogDays,
    allowMissingLogs: overrides.allowMissingLogs === true,
    maxSuspectLogDays: overrides.maxSuspectLogDays ?? r.maxSuspectLogDays,
    maxMalformedLogLinesPercent: overrides.maxMalformedLogLinesPercent ?? r.maxMalformedLogLinesPercent,
    allowMalformedLogs: overrides.allowMalformedLogs === true,
    region: pricingRegion(settings, connection),
    priceOverrides: { ...r.storagePrices, ...(overrides.priceOverrides ?? {}) },
  };
}

export interface RetentionRunControl {
  signal?: AbortSignal;
  /** A step of the analysis, for a progress line. */
  onProgress?(step: string): void;
  /** The Price List API is asked for the region's prices (a request to AWS; the shell may say so). */
  onPriceLookup?(region: string): void;
  /** Notes of the price lookup (a fallback to us-east-1's prices, say), before the analysis starts. */
  onPriceNote?(note: string): void;
}

/** The region's storage prices (the Price List API when the settings allow), then the analysis on `engine`. */
export async function runRetention(
  scope: ConnectionScope,
  engine: QueryEngine,
  catalog: TemplateCatalog,
  connection: ConnectionConfig,
  options: RetentionOptions,
  control: RetentionRunControl = {},
): Promise<RetentionReport> {
  const lookup = { ...scope.priceLookup(connection, control.signal), region: options.region };
  if (asksPriceList(lookup)) control.onPriceLookup?.(options.region);
  const pricing = await resolveBasePrices(lookup);
  for (const note of pricing.notes) control.onPriceNote?.(note);
  const report = await analyzeRetention(
    engine,
    catalog,
    { ...options, ...(pricing.base ? { basePrices: pricing.base } : {}), priceNotes: pricing.notes },
    control,
  );
  // A template of the user's own decides what is listed as unused: the report says so.
  const note = overrideNote(catalog);
  if (note) report.notes.unshift(note);
  return report;
}

/** The report's prefixes at or under `under` only, with totals to match (the tree's menu on a prefix). */
export function reportUnder(report: RetentionReport, under: string): RetentionReport {
  const prefixes = report.prefixes.filter((p) => isPrefixUnder(p.prefix, under));
  return {
    ...report,
    prefixes,
    totals: {
      prefixes: prefixes.length,
      objects: prefixes.reduce((n, p) => n + p.objects, 0),
      bytes: prefixes.reduce((n, p) => n + p.bytes, 0),
      monthlySavingsUsd: roundUsd(prefixes.reduce((n, p) => n + p.monthlySavingsUsd, 0)),
    },
  };
}

// The access window of a retention analysis (N days ending with the as-of date, UTC, both ends
// included) and the check that refuses to analyse a window whose access logs have gaps.

import { formatDay, parseDay } from '../estate/time';
import type { AccessWindow, LogCoverage } from './report';

export const MAX_WINDOW_DAYS = 3650;

/** A window or coverage setting the user can correct. */
export class RetentionInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetentionInputError';
  }
}

function checkDays(days: number, what: string): void {
  if (!Number.isInteger(days) || days < 1 || days > MAX_WINDOW_DAYS) {
    throw new RetentionInputError(`${what} must be a whole number of days from 1 to ${MAX_WINDOW_DAYS}, not ${days}`);
  }
}

/** The `days` days that end with `asOf` (YYYY-MM-DD, UTC). */
export function accessWindow(asOf: string, days: number): AccessWindow {
  let last: number;
  try {
    last = parseDay(asOf);
  } catch (error) {
    throw new RetentionInputError(`the as-of date ${(error as Error).message}`);
  }
  checkDays(days, 'the window');
  return { asOf, days, start: formatDay(last - days + 1) };
}

/** Every day of the window, YYYY-MM-DD, oldest first. */
export function windowDays(window: AccessWindow): string[] {
  const first = parseDay(window.start);
  return Array.from({ length: window.days }, (_, i) => formatDay(first + i));
}

/** Days as short runs: `2026-09-03…2026-09-05, 2026-09-09`. */
export function describeDays(days: string[]): string {
  const sorted = [...new Set(days)].sort();
  const runs: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && parseDay(sorted[j + 1]!) === parseDay(sorted[j]!) + 1) j++;
    runs.push(j === i ? sorted[i]! : `${sorted[i]}…${sorted[j]}`);
    i = j + 1;
  }
  return runs.join(', ');
}

/**
 * The window's days without logs are too many: stopping is the only safe answer, because a prefix
 * read only on a missing day would look unused and be expired.
 */
export class LogCoverageError extends Error {
  constructor(
    readonly coverage: LogCoverage,
    readonly window: AccessWindow,
    readonly maxMissingDays: number,
  ) {
    const missing = coverage.missingDays.length;
    super(
      `No access logs for ${missing} of the ${coverage.days} days in the window ${window.start}…${window.asOf}: ${describeDays(coverage.missingDays)} ` +
        `(at most ${maxMissingDays} allowed). Missing logs make live data look unused: a prefix read only on those days would be listed as unused and could be expired. ` +
        (coverage.daysWithLogs === 0
          ? `Not one day of the window has a log line: check the logs location, the bucket name and the as-of date. `
          : `Check that server access logging was on and the logs location is right, or move the window to days with logs. `) +
        `To go on anyway, accepting that risk: --allow-missing-logs on the command line, or "Analyse Anyway" in VS Code.`,
    );
    this.name = 'LogCoverageError';
  }
}

export interface CoverageRules {
  /** Missing days tolerated without an override (0 or more). */
  maxMissingDays: number;
  /** Go on although more days are missing: the report then says so. */
  override: boolean;
}

/**
 * How many days of the window have logs. `daysWithLogs` may hold days outside the window (they
 * are ignored) and duplicates. Throws LogCoverageError when more days are missing than allowed
 * and the user has not overridden the check.
 */
export function logCoverage(window: AccessWindow, daysWithLogs: string[], rules: CoverageRules): LogCoverage {
  if (!Number.isInteger(rules.maxMissingDays) || rules.maxMissingDays < 0) {
    throw new RetentionInputError(`the missing log days allowed must be a whole number, 0 or more, not ${rules.maxMissingDays}`);
  }
  const present = new Set(daysWithLogs.map((d) => d.slice(0, 10)));
  const days = windowDays(window);
  const missingDays = days.filter((d) => !present.has(d));
  const tooMany = missingDays.length > rules.maxMissingDays;
  const coverage: LogCoverage = { days: days.length, daysWithLogs: days.length - missingDays.length, missingDays, overridden: tooMany && rules.override };
  if (tooMany && !rules.override) throw new LogCoverageError(coverage, window, rules.maxMissingDays);
  return coverage;
}

/** `30 of 30 days`, `27 of 30 days (missing: …; overridden)`. */
export function describeCoverage(coverage: LogCoverage): string {
  const base = `${coverage.daysWithLogs} of ${coverage.days} days`;
  if (coverage.missingDays.length === 0) return base;
  return `${base} (missing: ${describeDays(coverage.missingDays)}${coverage.overridden ? '; analysed anyway, by override' : ''})`;
}

// The access window of a retention analysis (N days ending with the as-of date, UTC, both ends
// included) and the check that refuses to analyse a window whose access logs have gaps.

import { formatCount } from '../format';
import { formatDay, parseDay } from '../time';
import type { AccessWindow, LogCoverage, MalformedLogLines } from './report';

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

/**
 * S3 delivers log lines best-effort, most within hours but some later: log files dated up to this
 * many days after a day may hold its lines (the malformed-line check looks that far, and the local
 * engine reads that far).
 */
export const LATE_DELIVERY_DAYS = 7;

/** Log file dates (yyyy/MM/dd, both ends included): what the dates in log object keys are compared with. */
export interface LogFileDays {
  first: string;
  last: string;
}

/**
 * The log file dates that may hold lines of the requests from `firstDay` to `lastDay` (YYYY-MM-DD,
 * UTC). A file's date is its delivery time (the simple layout's name, PartitionedPrefix with
 * DeliveryTime) or its lines' day (EventTime): never before a line's request, so a day before the
 * first is margin only (a file named on a clock's edge); lines arrive late, so LATE_DELIVERY_DAYS
 * after the last.
 */
export function logFileDays(firstDay: string, lastDay: string): LogFileDays {
  const slashed = (day: number) => formatDay(day).replace(/-/g, '/');
  return { first: slashed(parseDay(firstDay) - 1), last: slashed(parseDay(lastDay) + LATE_DELIVERY_DAYS) };
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

/** A day is suspect below this share of the median lines per day (of the days with logs). */
export const SUSPECT_DAY_SHARE = 0.1;

/**
 * The window's days without logs (or with suspiciously few) are too many: stopping is the only
 * safe answer, because a prefix read only on such a day would look unused and be expired.
 */
export class LogCoverageError extends Error {
  constructor(
    readonly coverage: LogCoverage,
    readonly window: AccessWindow,
    readonly maxMissingDays: number,
    /** The suspect days that count as missing here (all of them, when more than allowed). */
    readonly suspectCounted: string[] = [],
  ) {
    const missing = coverage.missingDays.length;
    const median = medianLines(coverage);
    const suspect =
      suspectCounted.length > 0
        ? `${missing > 0 ? ' Also,' : ''} ${suspectCounted.length} day${suspectCounted.length === 1 ? ' has' : 's have'} under a tenth of the window's median of ${formatCount(Math.round(median))} lines a day, as if delivery failed: ` +
          `${suspectCounted.map((d) => `${d} (${formatCount(coverage.linesPerDay[d] ?? 0)})`).join(', ')}; they count as missing (allow them with --max-suspect-log-days / s3lifecycle.retention.maxSuspectLogDays).`
        : '';
    super(
      (missing > 0
        ? `No access logs for ${missing} of the ${coverage.days} days in the window ${window.start}…${window.asOf}: ${describeDays(coverage.missingDays)} (at most ${maxMissingDays} allowed).`
        : `The access logs of the window ${window.start}…${window.asOf} look incomplete.`) +
        `${suspect} Missing logs make live data look unused: a prefix read only on those days would be listed as unused and could be expired. ` +
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
  /** Suspect days tolerated before they count as missing (0 or more). */
  maxSuspectDays: number;
  /** Go on although more days are missing: the report then says so. */
  override: boolean;
}

/** The median lines per day of the days with logs; 0 when there are none. */
export function medianLines(coverage: Pick<LogCoverage, 'linesPerDay'>): number {
  const counts = Object.values(coverage.linesPerDay)
    .filter((n) => n > 0)
    .sort((a, b) => a - b);
  if (counts.length === 0) return 0;
  const middle = Math.floor(counts.length / 2);
  return counts.length % 2 === 1 ? counts[middle]! : (counts[middle - 1]! + counts[middle]!) / 2;
}

/**
 * How well the logs cover the window, from the source bucket's lines per day (days outside the
 * window are ignored). A day without lines is missing; a day with under a tenth of the median is
 * suspect, and suspect days beyond those allowed count as missing. Throws LogCoverageError when
 * more days are missing than allowed and the user has not overridden the check.
 */
export function logCoverage(window: AccessWindow, linesByDay: Record<string, number>, rules: CoverageRules): LogCoverage {
  for (const [name, value] of [
    ['missing', rules.maxMissingDays],
    ['suspect', rules.maxSuspectDays],
  ] as const) {
    if (!Number.isInteger(value) || value < 0) throw new RetentionInputError(`the ${name} log days allowed must be a whole number, 0 or more, not ${value}`);
  }
  const days = windowDays(window);
  const linesPerDay: Record<string, number> = {};
  for (const day of days) linesPerDay[day] = 0;
  for (const [day, lines] of Object.entries(linesByDay)) {
    const key = day.slice(0, 10);
    if (key in linesPerDay) linesPerDay[key]! += lines;
  }
  const missingDays = days.filter((d) => linesPerDay[d] === 0);
  const median = medianLines({ linesPerDay });
  const suspectDays = days.filter((d) => linesPerDay[d]! > 0 && linesPerDay[d]! < median * SUSPECT_DAY_SHARE);
  const suspectCounted = suspectDays.length > rules.maxSuspectDays ? suspectDays : [];
  const tooMany = missingDays.length + suspectCounted.length > rules.maxMissingDays;
  const coverage: LogCoverage = {
    days: days.length,
    daysWithLogs: days.length - missingDays.length,
    missingDays,
    overridden: tooMany && rules.override,
    linesPerDay,
    suspectDays,
    malformed: { lines: 0, withKey: 0, examples: [], overridden: false },
  };
  if (tooMany && !rules.override) throw new LogCoverageError(coverage, window, rules.maxMissingDays, suspectCounted);
  return coverage;
}

/**
 * Too many malformed log lines in the window, or one whose key could be made out: each is a read
 * the analysis may not have seen, so stopping is the safe answer here too.
 */
export class MalformedLogLinesError extends Error {
  constructor(
    readonly malformed: MalformedLogLines,
    readonly windowLines: number,
    readonly maxPercent: number,
  ) {
    const share = percentOf(malformed.lines, windowLines + malformed.lines);
    super(
      `${formatCount(malformed.lines)} access-log line${malformed.lines === 1 ? '' : 's'} of the window could not be read (${share}% of its lines; at most ${maxPercent}% allowed)` +
        (malformed.withKey > 0 ? `, ${formatCount(malformed.withKey)} of them naming a key (a read of it would not be counted)` : '') +
        `${malformed.examples.length > 0 ? `: ${malformed.examples.join('; ')}${malformed.lines > malformed.examples.length ? '; …' : ''}` : ''}. ` +
        'A line the analysis cannot read may be a read of a prefix it would then list as unused. Repair or remove those lines, or raise the allowed share ' +
        '(--max-malformed-log-percent, s3lifecycle.retention.maxMalformedLogLinesPercent). To go on anyway, accepting that risk: --allow-malformed-logs, or "Analyse Anyway" in VS Code.',
    );
    this.name = 'MalformedLogLinesError';
  }
}

function percentOf(part: number, whole: number): string {
  if (whole === 0) return '0';
  const percent = (part / whole) * 100;
  return percent >= 1 ? percent.toFixed(1) : percent.toPrecision(2);
}

/**
 * The malformed-line check: stops (MalformedLogLinesError) when a malformed line names a key, or
 * malformed lines are more than `maxPercent` % of the window's lines, unless overridden.
 */
export function checkMalformedLines(
  malformed: Omit<MalformedLogLines, 'overridden'>,
  windowLines: number,
  rules: { maxPercent: number; override: boolean },
): MalformedLogLines {
  if (!(rules.maxPercent >= 0 && rules.maxPercent <= 100))
    throw new RetentionInputError(`the share of malformed log lines allowed must be a percentage from 0 to 100, not ${rules.maxPercent}`);
  const tooMany = malformed.withKey > 0 || malformed.lines > ((windowLines + malformed.lines) * rules.maxPercent) / 100;
  const result = { ...malformed, examples: [...malformed.examples], overridden: tooMany && rules.override };
  if (tooMany && !rules.override) throw new MalformedLogLinesError(result, windowLines, rules.maxPercent);
  return result;
}

/** `30 of 30 days`, `27 of 30 days (missing: …; overridden)`, with suspect days and malformed lines when there are any. */
export function describeCoverage(coverage: LogCoverage): string {
  const parts: string[] = [];
  if (coverage.missingDays.length > 0) parts.push(`missing: ${describeDays(coverage.missingDays)}`);
  if (coverage.suspectDays.length > 0) parts.push(`suspect (under a tenth of the median lines): ${describeDays(coverage.suspectDays)}`);
  if (coverage.overridden) parts.push('analysed anyway, by override');
  const malformed = coverage.malformed;
  if (malformed.lines > 0)
    parts.push(
      `${malformed.lines} malformed line${malformed.lines === 1 ? '' : 's'}${malformed.withKey > 0 ? ` (${malformed.withKey} naming a key)` : ''}${malformed.overridden ? ', analysed anyway, by override' : ''}`,
    );
  const base = `${coverage.daysWithLogs} of ${coverage.days} days`;
  return parts.length === 0 ? base : `${base} (${parts.join('; ')})`;
}

/** Lines per day as text: `2026-09-01 1,204 · 2026-09-02 1,180 · …`. */
export function describeLinesPerDay(coverage: LogCoverage): string {
  return Object.entries(coverage.linesPerDay)
    .map(([day, lines]) => `${day} ${formatCount(lines)}`)
    .join(' · ');
}

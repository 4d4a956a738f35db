// The shapes of access-based retention shared by the analysis, the tagging run, the CLI and the
// panel: what an analysis reports, what a tagging run is asked to do and how far it got.

/** The N days that end with the as-of date, in UTC, both ends included. */
export interface AccessWindow {
  /** Last day of the window, YYYY-MM-DD. */
  asOf: string;
  days: number;
  /** First day of the window, YYYY-MM-DD. */
  start: string;
}

/** How well the access logs cover the window: the days with logs, their lines, the lines that could not be read. */
export interface LogCoverage {
  days: number;
  daysWithLogs: number;
  /** YYYY-MM-DD, ascending. */
  missingDays: string[];
  /** The user chose to go on although more days were missing (or suspect) than allowed. */
  overridden: boolean;
  /** Log lines of the source bucket per day of the window (YYYY-MM-DD → lines; 0 for a missing day), by request time. */
  linesPerDay: Record<string, number>;
  /** Days with far fewer lines than the window's median (under a tenth of it): delivery may have failed on them. */
  suspectDays: string[];
  /** Malformed lines in the window's log files (each may be a read the analysis did not see). */
  malformed: MalformedLogLines;
}

export interface MalformedLogLines {
  lines: number;
  /** Of them, lines whose key could still be made out. */
  withKey: number;
  /** Where some of them are (`file:line: reason`). */
  examples: string[];
  /** The user chose to go on although there were more than allowed. */
  overridden: boolean;
}

/** Storage prices the savings were computed with, USD per GB-month (GB = 2^30 bytes) by storage class. */
export interface StoragePrices {
  region: string;
  perGbMonth: Record<string, number>;
  /** Where the numbers came from, for the report: built-in list prices or the user's setting. */
  source: string;
}

export interface UnusedPrefix {
  /** The prefix (no trailing '/'; '' is the bucket root). It covers only the keys immediately under it. */
  prefix: string;
  objects: number;
  bytes: number;
  /** Storage classes present, sorted. */
  storageClasses: string[];
  bytesByStorageClass: Record<string, number>;
  /** ISO-8601 UTC. */
  newestLastModified: string;
  /** Last counted read in the lookback before the window (ISO-8601 UTC), or null when never seen. */
  lastAccess: string | null;
  monthlySavingsUsd: number;
}

export interface RetentionTotals {
  prefixes: number;
  objects: number;
  bytes: number;
  monthlySavingsUsd: number;
}

export interface RetentionReport {
  /** The source bucket analysed ('' when the inventory's every bucket was). */
  bucket: string;
  engine: 'local' | 'athena';
  sources: { inventory: string; logs: string };
  window: AccessWindow;
  lookbackDays: number;
  coverage: LogCoverage;
  exemptions: { globs: string[]; keepTag: string | null };
  prices: StoragePrices;
  prefixes: UnusedPrefix[];
  totals: RetentionTotals;
  /** Engine notes (malformed log lines, downloads, cost) worth showing the user. */
  notes: string[];
  /** ISO-8601 time the analysis finished. */
  generatedAt: string;
}

/** The tag that marks an object for expiration, and the one that exempts it. */
export interface TagSpec {
  key: string;
  value: string;
}

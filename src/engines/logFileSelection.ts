// Which access-log files a load reads: with log file dates to cover (an analysis's days, with
// margins for late delivery), only the files and date folders that can hold their lines; files
// whose names carry no date are always read, since a log file missed makes live data look unused.

import type { LogFileDays } from '../core/retention/window';
import type { FileSelection } from './locations';

/** The date partition of a log file: the PartitionedPrefix path `…/YYYY/MM/DD/…`, or the simple layout's `YYYY-MM-DD-hh-mm-ss-ID` name. */
export function logFileDt(key: string): string | null {
  const partitioned = /(\d{4})\/(\d{2})\/(\d{2})\/[^/]+$/.exec(key);
  if (partitioned) return `${partitioned[1]}/${partitioned[2]}/${partitioned[3]}`;
  const simple = /(\d{4})-(\d{2})-(\d{2})-\d{2}-\d{2}-\d{2}-[0-9A-Za-z]+$/.exec(key);
  return simple ? `${simple[1]}/${simple[2]}/${simple[3]}` : null;
}

/** Whether `yyyy/MM/dd` is a calendar date (`2024/13/45` is a name that only looks like one). */
function isCalendarDate(dt: string): boolean {
  const [y, m, d] = dt.split('/').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** A folder of the PartitionedPrefix layout, by its last names: `…/YYYY/MM/DD/` or `…/YYYY/MM/`. */
const DAY_FOLDER = /(?:^|\/)(\d{4})\/(\d{2})\/(\d{2})\/$/;
const MONTH_FOLDER = /(?:^|\/)(\d{4})\/(\d{2})\/$/;

/** How many examples of links not followed a note names. */
const LINK_EXAMPLES = 3;

/**
 * The access-log files to read: with `days`, those dated within them and those with no date in
 * their name; without, every file. Counts what it leaves out, for the load's notes.
 *
 * A date folder (`…/YYYY/MM/DD/`, or a whole month `…/YYYY/MM/`) outside the days is not even
 * listed: S3's PartitionedPrefix layout puts only that day's log files in it.
 */
export class LogFileSelection implements FileSelection {
  filesOutside = 0;
  foldersOutside = 0;
  linksNotFollowed = 0;
  private readonly linkExamples: string[] = [];

  constructor(readonly days?: LogFileDays) {}

  get prunesFolders(): boolean {
    return this.days !== undefined;
  }

  wantsFolder(folder: string): boolean {
    if (!this.days) return true;
    const day = DAY_FOLDER.exec(folder);
    if (day) {
      const dt = `${day[1]}/${day[2]}/${day[3]}`;
      if (!isCalendarDate(dt) || this.within(dt)) return true;
      this.foldersOutside++;
      return false;
    }
    const month = MONTH_FOLDER.exec(folder);
    if (month && isCalendarDate(`${month[1]}/${month[2]}/01`)) {
      // Any day of the month inside the days: the month's first day up to its 31st (as text, after its last).
      if (`${month[1]}/${month[2]}/01` <= this.days.last && `${month[1]}/${month[2]}/31` >= this.days.first) return true;
      this.foldersOutside++;
      return false;
    }
    return true;
  }

  wantsFile(key: string): boolean {
    if (!this.days) return true;
    const dt = logFileDt(key);
    if (dt === null || !isCalendarDate(dt) || this.within(dt)) return true;
    this.filesOutside++;
    return false;
  }

  skippedLink(key: string): void {
    this.linksNotFollowed++;
    if (this.linkExamples.length < LINK_EXAMPLES) this.linkExamples.push(key);
  }

  /** What was left out, one note each, for the load's report. */
  notes(uri: string): string[] {
    const notes: string[] = [];
    if (this.days && (this.filesOutside > 0 || this.foldersOutside > 0)) {
      const files = this.filesOutside > 0 ? `${this.filesOutside} log file${this.filesOutside === 1 ? '' : 's'}` : '';
      const folders = this.foldersOutside > 0 ? `${this.foldersOutside} date folder${this.foldersOutside === 1 ? '' : 's'}` : '';
      notes.push(
        `access logs: ${[files, folders].filter((s) => s !== '').join(' and ')} dated outside ${this.days.first}…${this.days.last} not read ` +
          `(the analysed days, with a day before and a week after for lines S3 delivers late; files with no date in their name are read)`,
      );
    }
    if (this.linksNotFollowed > 0) {
      notes.push(
        `access logs: ${this.linksNotFollowed} symbolic link${this.linksNotFollowed === 1 ? '' : 's'} under ${uri} leading out of the folder (or nowhere) not followed: ` +
          `${this.linkExamples.join(', ')}${this.linksNotFollowed > this.linkExamples.length ? ', …' : ''} — copy the logs they lead to into the folder to have them read`,
      );
    }
    return notes;
  }

  private within(dt: string): boolean {
    return dt >= this.days!.first && dt <= this.days!.last;
  }
}

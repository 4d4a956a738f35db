// UTC day arithmetic and the timestamp formats S3 writes, without Date-parsing surprises.

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

/** Days since 1970-01-01 of a `YYYY-MM-DD` date; throws on anything else. */
export function parseDay(text: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) throw new Error(`"${text}" is not a date: write it as YYYY-MM-DD`);
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  const day = ms / DAY_MS;
  if (formatDay(day) !== text) throw new Error(`"${text}" is not a calendar date`);
  return day;
}

export function formatDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** The access-log time field: `[06/Feb/2019:00:00:38 +0000]`. */
export function formatLogTime(ms: number): string {
  const d = new Date(ms);
  return `[${pad2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} +0000]`;
}

/** The time in a log object's name: `2019-02-06-00-00-38`. */
export function formatLogKeyTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}-${pad2(d.getUTCHours())}-${pad2(d.getUTCMinutes())}-${pad2(d.getUTCSeconds())}`;
}

/** ISO-8601 with milliseconds, as inventory reports write LastModifiedDate. */
export function formatIso(ms: number): string {
  return new Date(ms).toISOString();
}

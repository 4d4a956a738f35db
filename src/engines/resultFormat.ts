// Results as text for people and files: CSV (RFC 4180), statistics lines. Shared by the CLI and
// the results view's export.

import { formatBytes, formatCount, formatDecimal, formatUsd } from '../core/format';
import type { QueryStatistics, QueryValue } from './engine';

/** A text a spreadsheet would run as a formula (OWASP's CSV injection list); a plain number is not one. */
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * One CSV field: quoted when it holds a comma, quote, CR or LF (quotes doubled); arrays as JSON;
 * null empty. Text that starts like a formula (=, +, -, @, tab, CR) gets a leading apostrophe, so
 * that opening the file in a spreadsheet shows it instead of running it; numbers stay as they are.
 */
export function csvField(value: QueryValue): string {
  if (value === null) return '';
  let text = Array.isArray(value) ? JSON.stringify(value) : String(value);
  if (typeof value === 'string' && FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: QueryValue[]): string {
  return values.map(csvField).join(',') + '\r\n';
}

/**
 * The words of a statistics line, with `{0}` for the value. The CLI keeps English; the extension
 * passes them through vscode.l10n.t so the results view shows the display language's.
 */
export interface StatisticsWords {
  row: string;
  rows: string;
  scanned: string;
  read: string;
  seconds: string;
  query: string;
}

export const ENGLISH_STATISTICS_WORDS: StatisticsWords = {
  row: '{0} row',
  rows: '{0} rows',
  scanned: '{0} scanned',
  read: '{0} read',
  seconds: '{0} s',
  query: 'query {0}',
};

function fill(template: string, value: string): string {
  return template.replace('{0}', value);
}

/** `1,234 rows · 12.3 MiB scanned · 1.2 s · $0.000057` */
export function formatStatistics(s: QueryStatistics, words: StatisticsWords = ENGLISH_STATISTICS_WORDS): string {
  const parts = [
    fill(s.rows === 1 ? words.row : words.rows, formatCount(s.rows)),
    fill(s.engine === 'athena' ? words.scanned : words.read, formatBytes(s.bytesScanned)),
    fill(words.seconds, formatDecimal(s.elapsedMs / 1000, 1)),
  ];
  if (s.engine === 'athena') parts.push(formatUsd(s.costUsd));
  if (s.queryId) parts.push(fill(words.query, s.queryId));
  return parts.join(' · ');
}

/** A cell for a text table: timestamps and numbers as they are, arrays as JSON, null as empty. */
export function displayValue(value: QueryValue): string {
  if (value === null) return '';
  return Array.isArray(value) ? JSON.stringify(value) : String(value);
}

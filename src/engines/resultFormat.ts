// Results as text for people and files: CSV (RFC 4180), statistics lines. Shared by the CLI and
// the results view's export.

import { formatBytes, formatCount, formatDecimal, formatUsd } from '../core/format';
import type { QueryStatistics, QueryValue } from './engine';

/** One CSV field: quoted when it holds a comma, quote, CR or LF (quotes doubled); arrays as JSON; null empty. */
export function csvField(value: QueryValue): string {
  if (value === null) return '';
  const text = Array.isArray(value) ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: QueryValue[]): string {
  return values.map(csvField).join(',') + '\r\n';
}

/** `1,234 rows · 12.3 MB scanned · 1.2 s · $0.000057` */
export function formatStatistics(s: QueryStatistics): string {
  const parts = [`${formatCount(s.rows)} row${s.rows === 1 ? '' : 's'}`, `${formatBytes(s.bytesScanned)} ${s.engine === 'athena' ? 'scanned' : 'read'}`, `${formatDecimal(s.elapsedMs / 1000, 1)} s`];
  if (s.engine === 'athena') parts.push(formatUsd(s.costUsd));
  if (s.queryId) parts.push(`query ${s.queryId}`);
  return parts.join(' · ');
}

/** A cell for a text table: timestamps and numbers as they are, arrays as JSON, null as empty. */
export function displayValue(value: QueryValue): string {
  if (value === null) return '';
  return Array.isArray(value) ? JSON.stringify(value) : String(value);
}

// The unused-prefix list's model: sorting, filtering, totals and selection over a report's prefixes.
// Pure (no DOM, no editor) so the panel's behaviour is tested in Node; the webview only renders it.

import type { RetentionTotals, UnusedPrefix } from './report';

export type PrefixSortKey = 'prefix' | 'objects' | 'bytes' | 'storageClasses' | 'lastAccess' | 'newestLastModified' | 'monthlySavingsUsd';
export const PREFIX_SORT_KEYS: readonly PrefixSortKey[] = [
  'prefix',
  'objects',
  'bytes',
  'storageClasses',
  'lastAccess',
  'newestLastModified',
  'monthlySavingsUsd',
];

export type SortDirection = 'ascending' | 'descending';

export interface PrefixSort {
  key: PrefixSortKey;
  direction: SortDirection;
}

/** The biggest savings first: what a user looking for money wants to see. */
export const DEFAULT_PREFIX_SORT: PrefixSort = { key: 'monthlySavingsUsd', direction: 'descending' };

export interface PrefixFilter {
  /** Case-insensitive substring of the prefix; '' shows every prefix. */
  text: string;
  /** Only prefixes holding objects of this storage class; null for any. */
  storageClass: string | null;
}

export const NO_PREFIX_FILTER: PrefixFilter = { text: '', storageClass: null };

export function isPrefixSortKey(value: unknown): value is PrefixSortKey {
  return typeof value === 'string' && (PREFIX_SORT_KEYS as readonly string[]).includes(value);
}

// ---- Sort and filter ------------------------------------------------------------------------

/** Code-unit order: deterministic, locale-independent and fast enough for 100k rows. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A time for sorting; "never" (null) and anything unparseable sort as the oldest. */
function timeKey(iso: string | null): number {
  if (iso === null) return -Infinity;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? -Infinity : t;
}

function sortKeyOf(row: UnusedPrefix, key: PrefixSortKey): number | string {
  switch (key) {
    case 'prefix':
      return row.prefix;
    case 'objects':
      return row.objects;
    case 'bytes':
      return row.bytes;
    case 'storageClasses':
      return row.storageClasses.join(',');
    case 'lastAccess':
      return timeKey(row.lastAccess);
    case 'newestLastModified':
      return timeKey(row.newestLastModified);
    case 'monthlySavingsUsd':
      return row.monthlySavingsUsd;
  }
}

/**
 * The rows in a new array, ordered by one column; ties are always broken by the prefix in
 * ascending order, whatever the direction, so the order never depends on the input order.
 */
export function sortPrefixes(rows: readonly UnusedPrefix[], sort: PrefixSort): UnusedPrefix[] {
  const sign = sort.direction === 'ascending' ? 1 : -1;
  // Decorate once: a comparator that recomputes keys (Date.parse, join) is slow at 100k rows.
  const decorated = rows.map((row) => ({ row, key: sortKeyOf(row, sort.key) }));
  decorated.sort((a, b) => {
    const byKey =
      typeof a.key === 'number' && typeof b.key === 'number' ? (a.key === b.key ? 0 : a.key < b.key ? -1 : 1) : compareText(String(a.key), String(b.key));
    return byKey !== 0 ? sign * byKey : compareText(a.row.prefix, b.row.prefix);
  });
  return decorated.map((d) => d.row);
}

/** The rows that pass the filter, in their input order. */
export function filterPrefixes(rows: readonly UnusedPrefix[], filter: PrefixFilter): UnusedPrefix[] {
  const needle = filter.text.trim().toLowerCase();
  const storageClass = filter.storageClass;
  if (needle === '' && storageClass === null) return rows.slice();
  return rows.filter(
    (row) => (needle === '' || row.prefix.toLowerCase().includes(needle)) && (storageClass === null || row.storageClasses.includes(storageClass)),
  );
}

/** What the list shows: the filtered rows in the chosen order. */
export function visiblePrefixes(rows: readonly UnusedPrefix[], filter: PrefixFilter, sort: PrefixSort): UnusedPrefix[] {
  return sortPrefixes(filterPrefixes(rows, filter), sort);
}

/**
 * A click on a column header: the same column flips its direction; another column starts with
 * the direction a user most likely wants (names A→Z, amounts and dates largest or newest first).
 */
export function nextSort(current: PrefixSort, key: PrefixSortKey): PrefixSort {
  if (current.key === key) return { key, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
  return { key, direction: key === 'prefix' || key === 'storageClasses' ? 'ascending' : 'descending' };
}

/** The storage classes present in any row, sorted: the choices of the storage-class filter. */
export function storageClassesOf(rows: readonly UnusedPrefix[]): string[] {
  const classes = new Set<string>();
  for (const row of rows) for (const storageClass of row.storageClasses) classes.add(storageClass);
  return [...classes].sort(compareText);
}

// ---- Totals ---------------------------------------------------------------------------------

export function totalsOf(rows: Iterable<UnusedPrefix>): RetentionTotals {
  const totals: RetentionTotals = { prefixes: 0, objects: 0, bytes: 0, monthlySavingsUsd: 0 };
  for (const row of rows) {
    totals.prefixes++;
    totals.objects += row.objects;
    totals.bytes += row.bytes;
    totals.monthlySavingsUsd += row.monthlySavingsUsd;
  }
  return totals;
}

// ---- Selection ------------------------------------------------------------------------------
// The selection is a set of prefixes. It survives a filter change (clearing the filter brings the
// ticks back), but everything that acts on it — totals, "Tag selected" — takes only the selected
// rows the filter shows: the user tags what they can see.

/** The selected rows among the visible ones, in visible order. */
export function selectedVisible(visible: readonly UnusedPrefix[], selected: ReadonlySet<string>): UnusedPrefix[] {
  return visible.filter((row) => selected.has(row.prefix));
}

/** The header checkbox: none, some (indeterminate) or all of the visible rows selected. */
export function selectionState(visible: readonly UnusedPrefix[], selected: ReadonlySet<string>): 'none' | 'some' | 'all' {
  if (visible.length === 0 || selected.size === 0) return 'none';
  let count = 0;
  for (const row of visible) if (selected.has(row.prefix)) count++;
  return count === 0 ? 'none' : count === visible.length ? 'all' : 'some';
}

/** A new selection with the given prefixes selected or cleared. */
export function withSelected(selected: ReadonlySet<string>, prefixes: Iterable<string>, value: boolean): Set<string> {
  const next = new Set(selected);
  for (const prefix of prefixes) {
    if (value) next.add(prefix);
    else next.delete(prefix);
  }
  return next;
}

/** The header checkbox was clicked: select every visible row, or clear them all when all were selected. */
export function toggleAllVisible(visible: readonly UnusedPrefix[], selected: ReadonlySet<string>): Set<string> {
  const select = selectionState(visible, selected) !== 'all';
  return withSelected(
    selected,
    visible.map((row) => row.prefix),
    select,
  );
}

/**
 * A shift-click: every visible row from the anchor (the last row clicked) to the target takes the
 * target's new state. Without a visible anchor it toggles the target alone.
 */
export function selectRange(visible: readonly UnusedPrefix[], selected: ReadonlySet<string>, anchor: string | null, target: string): Set<string> {
  const value = !selected.has(target);
  const to = visible.findIndex((row) => row.prefix === target);
  const from = anchor === null ? -1 : visible.findIndex((row) => row.prefix === anchor);
  if (to < 0) return new Set(selected);
  if (from < 0) return withSelected(selected, [target], value);
  const [lo, hi] = from <= to ? [from, to] : [to, from];
  return withSelected(
    selected,
    visible.slice(lo, hi + 1).map((row) => row.prefix),
    value,
  );
}

/**
 * What "Tag selected for expiration" sends: the selected visible prefixes, minus those already
 * tagged or being tagged (tagging them again would only repeat requests).
 */
export function tagTargets(visible: readonly UnusedPrefix[], selected: ReadonlySet<string>, settled: (prefix: string) => boolean): string[] {
  return selectedVisible(visible, selected)
    .map((row) => row.prefix)
    .filter((prefix) => !settled(prefix));
}

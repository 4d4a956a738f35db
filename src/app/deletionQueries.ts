// The deletion player's side of the engine: runs the segmentation and lifecycle templates on
// tables of the render's own, reads their answers (the local engine's and Athena's text alike),
// and looks keys up by object ordinal. What it reads goes to SegmentTable and EventOrder; the
// pictures are deletionRender's.

import type { EventOrder } from '../core/deletion/eventOrder';
import { eventKindFromName, type EventKind, type SegmentInterval } from '../core/deletion/model';
import { SegmentTable } from '../core/deletion/segments';
import { collectRows, type QueryColumn, type QueryEngine, type QueryResult, type QueryValue } from '../engines/engine';
import type { TemplateRunner } from '../engines/runner';

export type Granularity = 'minute' | 'hour' | 'day';
export const GRANULARITIES: readonly Granularity[] = ['minute', 'hour', 'day'];
export const BUCKET_MS: Record<Granularity, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export type SegmentBy = { by: 'characters'; length: number } | { by: 'path'; depth: number };

/** The tables a render makes with its templates (besides the sources), dropped first when it ends. */
export const DELETION_TABLES = ['key_prefix_segment', 'keys_with_prefix', 'lifecycle_events'] as const;

/** Bad input to a render (no snapshot before the deletion, no lifecycle events, a template without a column it needs): the message says what to do. */
export class DeletionInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeletionInputError';
  }
}

type Row = Record<string, QueryValue>;

/** A timestamp cell as ms since the epoch: ISO-8601 (the local engine) or Athena's zone-less `2024-01-02 03:04:05.678`, UTC by convention. */
export function timestampMs(value: QueryValue, what: string): number {
  const text = String(value);
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
  if (value === null || Number.isNaN(ms)) throw new Error(`the engine returned "${text}" where ${what} (a timestamp) was expected`);
  return ms;
}

/** An inventory report's dt (yyyy-MM-dd-HH-mm) as ms since the epoch, UTC; NaN when it is not one. */
export function inventoryDtMs(dt: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})$/.exec(dt);
  return match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), Number(match[4]), Number(match[5])) : NaN;
}

/** The `since` value of grouped_events for a time: `yyyy-MM-dd HH:mm:ss`, UTC. */
export function sqlTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * An `indexes` cell: a list from the local engine, Athena's text for an array (`[1, 2, 3]`), or
 * JSON. Only whole numbers; anything else is the template's error.
 */
export function parseIndexes(value: QueryValue): number[] {
  if (Array.isArray(value)) {
    return value.map((v) => {
      const n = typeof v === 'number' ? v : Number(v);
      if (!Number.isSafeInteger(n)) throw new Error(`grouped_events gave the index "${String(v)}": indexes are whole numbers`);
      return n;
    });
  }
  if (typeof value !== 'string') throw new Error(`grouped_events gave ${JSON.stringify(value)} where a list of indexes was expected`);
  const indexes: number[] = [];
  let current = -1;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57) current = (current < 0 ? 0 : current * 10) + (c - 48);
    else if (c === 44 /* , */ || c === 93 /* ] */) {
      if (current >= 0) indexes.push(current);
      current = -1;
    } else if (!(c === 91 /* [ */ || c === 32 || c === 34 /* " */)) {
      throw new Error(`grouped_events gave "${value.slice(0, 80)}" where a list of indexes was expected`);
    }
  }
  if (current >= 0) indexes.push(current);
  return indexes;
}

function rowsOf(columns: QueryColumn[], rows: QueryValue[][]): Row[] {
  return rows.map((r) => Object.fromEntries(columns.map((c, i) => [c.name, r[i]!])));
}

function requireColumns(template: string, columns: QueryColumn[], needed: string[]): void {
  const missing = needed.filter((n) => !columns.some((c) => c.name === n));
  if (missing.length > 0) {
    throw new DeletionInputError(
      `the ${template} template in use gives no ${missing.join(' or ')} column (a workspace copy from an older version?): update it from the built-in one, or delete .s3-lifecycle/templates/${template}.sql to use the built-in`,
    );
  }
}

/** Runs a template by name on the runner and reads every row. */
export async function runTemplate(
  runner: TemplateRunner,
  name: string,
  values: Record<string, string>,
  signal?: AbortSignal,
): Promise<{ columns: QueryColumn[]; rows: Row[]; notes: string[] }> {
  const template = runner.template(name);
  if (!template) throw new DeletionInputError(`the ${name} template is missing from the catalog: reinstall, or restore .s3-lifecycle/templates/${name}.sql`);
  const { columns, rows, statistics } = await collectRows(await runner.run({ template, values, signal }));
  return { columns, rows: rowsOf(columns, rows), notes: statistics.notes };
}

/** lifecycle_events' summary: events per kind and operation, with their first and last times. */
export interface LifecycleSummaryRow {
  kind: string | null;
  operation: string;
  events: number;
  firstEvent: number;
  lastEvent: number;
}

export function lifecycleSummary(columns: QueryColumn[], rows: Row[]): LifecycleSummaryRow[] {
  requireColumns('lifecycle_events', columns, ['kind', 'operation', 'events', 'first_event', 'last_event']);
  return rows.map((r) => ({
    kind: r.kind === null ? null : String(r.kind),
    operation: String(r.operation),
    events: Number(r.events),
    firstEvent: timestampMs(r.first_event!, 'first_event'),
    lastEvent: timestampMs(r.last_event!, 'last_event'),
  }));
}

/** ordered_segment_intervals' rows as the segment table. */
export function segmentTable(columns: QueryColumn[], rows: Row[]): SegmentTable {
  requireColumns('ordered_segment_intervals', columns, ['segment', 'keys', 'first_pixel']);
  const intervals: SegmentInterval[] = rows
    .map((r) => ({
      segment: Number(r.segment),
      prefix: r.segment_prefix === undefined || r.segment_prefix === null ? '' : String(r.segment_prefix),
      keys: Number(r.keys),
      first: Number(r.first_pixel),
      ...(r.first_key === undefined || r.first_key === null ? {} : { firstKey: String(r.first_key) }),
      ...(r.last_key === undefined || r.last_key === null ? {} : { lastKey: String(r.last_key) }),
    }))
    // Not trusting the engine's order: the intervals in first-object order.
    .sort((a, b) => a.first - b.first);
  return new SegmentTable(intervals);
}

/** What feeding grouped_events' rows found besides events. */
export interface GroupedEventsStats {
  rows: number;
  events: number;
  /** Events of an operation with no kind the player knows (NULL or a name), by name. */
  otherKinds: Record<string, number>;
  /** Indexes that name no key of the segment table (the templates disagree). */
  unplaced: number;
}

/** Streams grouped_events' rows, in whatever order they come, into the event order as object ordinals. */
export async function feedGroupedEvents(
  result: QueryResult,
  segments: SegmentTable,
  order: EventOrder,
  bucketMs: number,
  signal?: AbortSignal,
): Promise<GroupedEventsStats> {
  requireColumns('grouped_events', result.columns, ['time_bucket', 'kind', 'segment', 'indexes']);
  const at = (name: string) => result.columns.findIndex((c) => c.name === name);
  const [timeAt, kindAt, segmentAt, indexesAt] = [at('time_bucket'), at('kind'), at('segment'), at('indexes')];
  const stats: GroupedEventsStats = { rows: 0, events: 0, otherKinds: {}, unplaced: 0 };
  for await (const batch of result.batches) {
    signal?.throwIfAborted();
    for (const row of batch) {
      stats.rows++;
      const indexes = parseIndexes(row[indexesAt]!);
      const kindName = row[kindAt] === null ? '(none)' : String(row[kindAt]);
      const kind: EventKind | undefined = eventKindFromName(kindName);
      if (kind === undefined) {
        stats.otherKinds[kindName] = (stats.otherKinds[kindName] ?? 0) + indexes.length;
        continue;
      }
      const segment = Number(row[segmentAt]);
      // On the frame grid whatever the engine's own truncation wrote.
      const bucketStart = Math.floor(timestampMs(row[timeAt]!, 'time_bucket') / bucketMs) * bucketMs;
      const objects = new Uint32Array(indexes.length);
      let placed = 0;
      for (const index of indexes) {
        const ordinal = segments.ordinal(segment, index);
        if (ordinal < 0) stats.unplaced++;
        else objects[placed++] = ordinal;
      }
      stats.events += placed;
      await order.add({ bucketStart, kind, segment, objects: placed === objects.length ? objects : objects.slice(0, placed) });
    }
  }
  return stats;
}

/**
 * The keys at some object ordinals, read from the render's key_prefix_segment table (a segment's
 * first and last keys are known without asking). One query for them all.
 */
export async function keysAt(
  engine: QueryEngine,
  segmentsTable: string,
  segments: SegmentTable,
  ordinals: readonly number[],
  signal?: AbortSignal,
): Promise<Map<number, string>> {
  const keys = new Map<number, string>();
  const asked = new Map<number, Set<number>>();
  for (const ordinal of new Set(ordinals)) {
    const located = segments.locate(ordinal);
    if (!located) continue;
    const { interval, index } = located;
    if (index === 1 && interval.firstKey !== undefined) keys.set(ordinal, interval.firstKey);
    else if (index === interval.keys && interval.lastKey !== undefined) keys.set(ordinal, interval.lastKey);
    else asked.set(interval.segment, (asked.get(interval.segment) ?? new Set()).add(index));
  }
  if (asked.size === 0) return keys;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(segmentsTable)) throw new Error(`"${segmentsTable}" is not a plain table name`);
  const conditions = [...asked].map(([segment, indexes]) => `(segment = ${segment} AND segment_index IN (${[...indexes].join(', ')}))`);
  const sql = `SELECT segment, segment_index, key FROM ${segmentsTable} WHERE ${conditions.join(' OR ')}`;
  const { rows } = await collectRows(await engine.run({ sql, signal }));
  for (const [segment, index, key] of rows) {
    const ordinal = segments.ordinal(Number(segment), Number(index));
    if (ordinal >= 0 && key !== null) keys.set(ordinal, String(key));
  }
  return keys;
}

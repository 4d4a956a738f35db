// From an inventory report and access logs to the lifecycle events in time order, on either engine:
// the snapshot taken before the deletion, segmented by key (keys_with_prefix, key_prefix_segment,
// ordered_segment_intervals), the events after it classified and grouped (lifecycle_events,
// grouped_events), all on tables of the render's own so renders at once never share them. The
// events come back through EventOrder, which does not trust the engine's order.

import { EventOrder, type EventOrderSummary } from '../core/deletion/eventOrder';
import type { SegmentTable } from '../core/deletion/segments';
import { formatCount } from '../core/format';
import type { LocatedInventoryReport, QueryEngine } from '../engines/engine';
import { toLocationUri } from '../engines/locations';
import type { TemplateRunner } from '../engines/runner';
import { analysisTables, dropAnalysisTables } from './analysisTables';
import {
  BUCKET_MS,
  DELETION_TABLES,
  DeletionInputError,
  feedGroupedEvents,
  inventoryDtMs,
  keysAt,
  lifecycleSummary,
  runTemplate,
  segmentTable,
  sqlTimestamp,
  type Granularity,
  type GroupedEventsStats,
  type LifecycleSummaryRow,
  type SegmentBy,
} from './deletionQueries';

export interface DeletionEventsOptions {
  /** The runner with the sources (inventory and logs locations) and the catalog; the render's own table names are added to it. */
  runner: TemplateRunner;
  /** Only this source bucket; the inventory report's source bucket when unset. */
  bucket?: string;
  /** Only the keys that start with this text (a lifecycle rule's prefix filter: `logs/` for the keys under logs/); every key when unset or empty. */
  prefix?: string;
  /** The inventory report to start from, yyyy-MM-dd-HH-mm; the newest at the inventory location when unset. It must be from before the deletion. */
  inventoryDt?: string;
  granularity: Granularity;
  segmentBy: SegmentBy;
  signal?: AbortSignal;
  onProgress?: (step: string) => void;
  /** Events held in memory before they spill to temporary files (EventOrder). */
  memoryEvents?: number;
  tempDir?: string;
}

export interface DeletionEvents {
  engine: QueryEngine;
  segments: SegmentTable;
  /** The events, in time order through `order.batches()`. */
  order: EventOrder;
  range: EventOrderSummary;
  bucketMs: number;
  bucket: string;
  /** The key prefix the objects and events are of ('' for the whole bucket). */
  prefix: string;
  /** The inventory report the objects are from, and its time (ms); undefined when the engine cannot tell (Athena reading a table by name). */
  inventoryDt?: string;
  snapshotTime?: number;
  lifecycle: LifecycleSummaryRow[];
  grouped: GroupedEventsStats;
  notes: string[];
  /** The keys at object ordinals (the render's segment table, on the engine). */
  keysAt(ordinals: readonly number[], signal?: AbortSignal): Promise<Map<number, string>>;
  /** Drops the render's tables and removes its temporary files; returns a sentence for each table that could not be dropped. */
  dispose(): Promise<string[]>;
}

/** The folder name S3 gives a report of this dt: 2026-04-01-01-00 → 2026-04-01T01-00Z. */
function reportFolder(dt: string): string {
  return `${dt.slice(0, 10)}T${dt.slice(11, 13)}-${dt.slice(14, 16)}Z`;
}

/** The manifest of the report dated `dt` beside another report's manifest (…/CONFIG-ID/<dated folder>/manifest.json). */
function manifestOfDt(manifestUri: string, dt: string): string {
  const parts = manifestUri.split('/');
  parts[parts.length - 2] = reportFolder(dt);
  return parts.join('/');
}

export function checkInventoryDt(dt: string): void {
  if (Number.isNaN(inventoryDtMs(dt)))
    throw new DeletionInputError(
      `the inventory date must be a report's dt, yyyy-MM-dd-HH-mm (the dated folder 2026-04-01T01-00Z is 2026-04-01-01-00), not "${dt}"`,
    );
}

function describeTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The templates that take the key prefix of a scoped render. */
const PREFIXED_TEMPLATES = ['lifecycle_events', 'keys_with_prefix'] as const;

/** A scoped render needs templates that take a key_prefix (a workspace copy from an older version may not). */
function checkPrefixTemplates(runner: TemplateRunner): void {
  for (const name of PREFIXED_TEMPLATES) {
    const template = runner.template(name);
    if (template && !template.parameters.some((p) => p.name === 'key_prefix'))
      throw new DeletionInputError(
        `the ${name} template in use has no key_prefix parameter (a workspace copy from an older version?), so it cannot keep to a prefix: update it from the built-in one, delete .s3-lifecycle/templates/${name}.sql to use the built-in, or play the whole bucket`,
      );
  }
}

/** A bucket and key prefix as the user names them: s3://bucket, s3://bucket/prefix. */
export function describeScope(bucket: string, prefix: string): string {
  if (bucket === '') return prefix === '' ? 'every bucket in the inventory' : `the keys under ${prefix} of every bucket in the inventory`;
  return prefix === '' ? `s3://${bucket}` : `s3://${bucket}/${prefix}`;
}

export async function loadDeletionEvents(options: DeletionEventsOptions): Promise<DeletionEvents> {
  const { signal } = options;
  if (options.inventoryDt !== undefined) checkInventoryDt(options.inventoryDt);
  if (options.prefix) checkPrefixTemplates(options.runner);
  const engine = options.runner.engine;
  const inventory = options.runner.sources.inventory;
  // On Athena an s3:// inventory is read from its manifest into tables of the render's own; a name is a table already made.
  const fromManifest = engine.kind === 'athena' && engine.inventoryReport !== undefined && inventory !== undefined && inventory.startsWith('s3://');
  const tables = analysisTables(engine.kind, { inventoryFromManifest: fromManifest, results: DELETION_TABLES });
  const order = new EventOrder({ memoryEvents: options.memoryEvents, tempDir: options.tempDir, signal });
  const dispose = async () => {
    await order.dispose();
    return dropAnalysisTables(engine, tables);
  };
  try {
    return { ...(await loadOnTables(options, tables.names, tables.inventoryFromManifest, order)), dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

async function loadOnTables(
  options: DeletionEventsOptions,
  names: Readonly<Record<string, string>>,
  inventoryFromManifest: boolean,
  order: EventOrder,
): Promise<Omit<DeletionEvents, 'dispose'>> {
  const { signal } = options;
  const progress = (step: string) => options.onProgress?.(step);
  let runner = options.runner.derive({ tables: names });
  const engine = runner.engine;
  const inventory = runner.sources.inventory;
  const notes: string[] = [];
  const noteAll = (more: string[]) => {
    for (const note of more) if (!notes.includes(note)) notes.push(note);
  };

  // 0. The inventory report: which one, and from when.
  let report: LocatedInventoryReport | undefined;
  if (engine.inventoryReport && inventory !== undefined && (engine.kind !== 'athena' || inventory.startsWith('s3://'))) {
    progress('Reading the inventory manifest');
    report = await engine.inventoryReport(toLocationUri(inventory), signal);
    const asked = options.inventoryDt;
    if (asked !== undefined && asked !== report.dt && engine.kind !== 'athena') {
      // The local engine loads one report: the one of that date, beside the newest.
      const manifest = manifestOfDt(report.manifestUri, asked);
      try {
        report = await engine.inventoryReport(manifest, signal);
      } catch (error) {
        throw new DeletionInputError(
          `there is no inventory report dated ${asked} beside ${report.manifestUri} (${(error as Error).message}): give --inventory-dt the date of one of its reports (their folders are named like ${reportFolder(report.dt)}), or give --inventory that report's manifest.json`,
        );
      }
      runner = runner.derive({ sources: { inventory: manifest } });
    }
  }
  const bucket = options.bucket || report?.sourceBucket || '';
  const prefix = options.prefix ?? '';
  // Only a scoped render passes key_prefix: a workspace copy of a template without it still plays a whole bucket.
  const scoped: Record<string, string> = prefix === '' ? {} : { key_prefix: prefix };
  const underPrefix = prefix === '' ? '' : ` under ${prefix}`;
  const inventoryDt = options.inventoryDt ?? report?.dt;
  const snapshotTime = inventoryDt === undefined ? undefined : inventoryDtMs(inventoryDt);
  if (inventoryDt === undefined)
    notes.push(
      "the newest inventory report in the table is used and its date is unknown here: if it was taken after the deletion began, the objects deleted before it are missing (give --inventory-dt a report's date from before the deletion)",
    );
  if (report && inventoryFromManifest) {
    progress("Creating the inventory table from the report's manifest");
    const made = await runTemplate(runner, 'inventory_table', { location: report.hiveLocation, format: report.fileFormat, schema: report.fileSchema }, signal);
    noteAll(made.notes);
  }

  // 1. The lifecycle events: there must be some, and the snapshot must come before the deletion.
  progress('Reading the lifecycle events in the access logs');
  const events = await runTemplate(runner, 'lifecycle_events', { bucket, ...scoped }, signal);
  noteAll(events.notes);
  const lifecycle = lifecycleSummary(events.columns, events.rows);
  const logs = runner.sources.logs ?? 'the access-log table';
  if (lifecycle.length === 0) {
    const checks = [...(bucket ? ['--bucket'] : []), ...(prefix ? ['--prefix (a key prefix, such as logs/)'] : [])];
    throw new DeletionInputError(
      `the access logs (${logs}) have no lifecycle events${bucket ? ` for bucket ${bucket}` : ''}${underPrefix ? ` on keys${underPrefix}` : ''} (S3.CREATE.DELETEMARKER, S3.EXPIRE.OBJECT, S3.TRANSITION_*): give --logs the log folder of the bucket the lifecycle rule ran on, covering the days it ran (S3 logs lifecycle actions only with server access logging enabled)${checks.length > 0 ? `, and check ${checks.join(' and ')}` : ''}`,
    );
  }
  const deletions = lifecycle.filter((r) => r.kind !== 'transition');
  const firstDeletion = Math.min(...deletions.map((r) => r.firstEvent));
  const lastEvent = Math.max(...lifecycle.map((r) => r.lastEvent));
  if (snapshotTime !== undefined && deletions.length > 0 && firstDeletion < snapshotTime) {
    throw new DeletionInputError(
      `the inventory report ${inventoryDt} was taken after the deletion began (its first lifecycle deletion is at ${describeTime(firstDeletion)}): the objects deleted before the report are not in it. ` +
        `Give --inventory-dt the date of a report from before ${describeTime(firstDeletion)} (or --inventory its manifest.json); S3 keeps delivering daily or weekly reports to the inventory destination`,
    );
  }
  if (snapshotTime !== undefined && lastEvent < snapshotTime) {
    throw new DeletionInputError(
      `every lifecycle event in the access logs (the last at ${describeTime(lastEvent)}) is older than the inventory report ${inventoryDt}, which already shows them: give --logs the logs of the days after the report, or --inventory-dt an older report`,
    );
  }
  const before = snapshotTime === undefined ? [] : lifecycle.filter((r) => r.firstEvent < snapshotTime);
  if (before.length > 0)
    notes.push(
      `lifecycle events before the inventory report ${inventoryDt} (${before.map((r) => r.operation).join(', ')}) are already in it and are not replayed`,
    );
  const unknown = lifecycle.filter((r) => r.kind === null);
  if (unknown.length > 0)
    notes.push(`operations the player does not draw were left out: ${unknown.map((r) => `${r.operation} (${formatCount(r.events)})`).join(', ')}`);

  // 2. The snapshot's keys, segmented: each key an object ordinal.
  progress('Segmenting the inventory snapshot by key');
  const segmenting: Record<string, string> =
    options.segmentBy.by === 'characters'
      ? { segment_by: 'characters', prefix_length: String(options.segmentBy.length) }
      : { segment_by: 'path', path_depth: String(options.segmentBy.depth) };
  const keys = await runTemplate(runner, 'keys_with_prefix', { bucket, inventory_dt: inventoryDt ?? '', ...segmenting, ...scoped }, signal);
  noteAll(keys.notes);
  const objects = keys.rows.reduce((n, r) => n + Number(r.keys), 0);
  if (objects === 0) {
    throw new DeletionInputError(
      `the inventory report ${inventoryDt ?? '(newest)'} lists no objects${bucket ? ` of bucket ${bucket}` : ''}${underPrefix}: check --inventory, --bucket${underPrefix ? ', --prefix' : ''} and --inventory-dt`,
    );
  }
  if (objects > 0xffffffff) throw new DeletionInputError(`the snapshot has ${formatCount(objects)} objects: the player draws at most 4,294,967,295`);
  noteAll((await runTemplate(runner, 'key_prefix_segment', {}, signal)).notes);
  const intervals = await runTemplate(runner, 'ordered_segment_intervals', {}, signal);
  const segments = segmentTable(intervals.columns, intervals.rows);

  // 3. The events after the snapshot, per time bucket, in whatever order the engine gives them.
  progress('Grouping the lifecycle events by time');
  const bucketMs = BUCKET_MS[options.granularity];
  const groupedTemplate = runner.template('grouped_events');
  if (!groupedTemplate)
    throw new DeletionInputError('the grouped_events template is missing from the catalog: reinstall, or restore .s3-lifecycle/templates/grouped_events.sql');
  const result = await runner.run({
    template: groupedTemplate,
    values: { bucket_size: options.granularity, since: snapshotTime === undefined ? '' : sqlTimestamp(snapshotTime) },
    signal,
  });
  const grouped = await feedGroupedEvents(result, segments, order, bucketMs, signal);
  noteAll(result.statistics().notes);
  progress('Putting the events in time order');
  const range = await order.finish();
  if (grouped.unplaced > 0)
    notes.push(
      `${formatCount(grouped.unplaced)} events named a segment index the segment table does not have (the templates in use disagree): they were left out`,
    );
  for (const [kind, count] of Object.entries(grouped.otherKinds))
    notes.push(`${formatCount(count)} events of kind ${kind} were left out: the player draws only its own kinds`);
  if (range.firstBucket === undefined) {
    throw new DeletionInputError(
      `none of the lifecycle events after the inventory report ${inventoryDt ?? ''} names an object of the report${underPrefix}: check that --inventory and --logs are of the same bucket${bucket ? ` (${bucket})` : ''}`,
    );
  }
  const segmentsTable = names.key_prefix_segment ?? 'key_prefix_segment';
  return {
    engine,
    segments,
    order,
    range,
    bucketMs,
    bucket,
    prefix,
    ...(inventoryDt !== undefined ? { inventoryDt } : {}),
    ...(snapshotTime !== undefined ? { snapshotTime } : {}),
    lifecycle,
    grouped,
    notes,
    keysAt: (ordinals, keySignal) => keysAt(engine, segmentsTable, segments, ordinals, keySignal),
  };
}

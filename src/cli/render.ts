// `s3-lifecycle render`: the lifecycle deletion from an inventory report and the access logs, as a
// GIF (one frame per time bucket), with the totals per state, the anomalies, the partitions S3
// deletes as a unit with their rates, and when the deletion should be over.

import { resolve } from 'node:path';
import {
  DeletionInputError,
  describeScope,
  GRANULARITIES,
  renderDeletion,
  type DeletionRenderResult,
  type Granularity,
  type SegmentBy,
} from '../app/deletionRender';
import { checkInventoryDt } from '../app/deletionEvents';
import { MAX_LAYOUT_SIZE } from '../core/deletion/layout';
import { LAYOUT_NAMES, STATE_NAMES, type LayoutName } from '../core/deletion/model';
import type { DeletionPartition, PhaseProgress } from '../core/deletion/partitions';
import { formatBytes, formatCount, formatDecimal } from '../core/format';
import { parseSegmentBy as parseSegmentSetting } from '../core/settings';
import { QueryCancelledError } from '../engines/engine';
import { TemplateRunner } from '../engines/runner';
import { retentionCatalog, type TemplateCatalog } from '../sql/catalog';
import { TemplateError } from '../sql/template';
import { statSync } from 'node:fs';
import { CONNECTION_OPTIONS, openScope } from './connection';
import { CliFailure, EXIT_OK, integerOption, stringOption, UsageError, type CliCommand, type CliIo, type ParsedCommandLine } from './framework';

const STATE_LABELS: Record<(typeof STATE_NAMES)[number], string> = {
  present: 'present',
  transitioned: 'transitioned',
  deleteMarked: 'delete marked',
  noncurrentExpired: 'noncurrent expired',
  gone: 'gone',
};

/** `characters:5` or `path:2`, as the `s3lifecycle.deletion.segmentBy` setting reads it; a usage error otherwise. */
export function parseSegmentBy(text: string): SegmentBy {
  const segmentBy = parseSegmentSetting(text);
  if (segmentBy === undefined) {
    throw new UsageError(
      `--segment-by takes characters:N (the keys' first N characters) or path:N (their first N path segments), N from 1 to 1024, not "${text}"`,
    );
  }
  return segmentBy;
}

export interface RenderArguments {
  out: string;
  size: number;
  granularity: Granularity;
  layout: LayoutName;
  segmentBy: SegmentBy;
  header: boolean;
  bucket?: string;
  /** Only the keys that start with it. */
  prefix?: string;
  inventoryDt?: string;
}

/** The longest key S3 takes, in UTF-8 bytes: a longer prefix selects nothing. */
const MAX_KEY_BYTES = 1024;

/** Every option checked before anything runs; a mistake is a UsageError that says what to write. */
export function renderArguments(args: ParsedCommandLine): RenderArguments {
  if (args.positionals.length > 0) throw new UsageError(`render takes no positional arguments (got "${args.positionals[0]}"): the GIF is --out FILE.gif`);
  const out = stringOption(args, 'out');
  if (!out) throw new UsageError('--out FILE.gif is required: where the GIF of the deletion is written');
  if (!/\.gif$/i.test(out)) throw new UsageError(`--out names the GIF to write and ends in .gif, not "${out}"`);
  try {
    if (statSync(out).isDirectory()) throw new UsageError(`--out ${out} is a folder: give the GIF's file name, such as ${out.replace(/\/$/, '')}/deletion.gif`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
  }
  const size = integerOption(args, 'size', { min: 1, max: MAX_LAYOUT_SIZE }) ?? 1000;
  const granularity = stringOption(args, 'granularity') ?? 'hour';
  if (!(GRANULARITIES as readonly string[]).includes(granularity))
    throw new UsageError(`--granularity must be ${GRANULARITIES.join(', ')} (one frame per time bucket), not "${granularity}"`);
  const layout = stringOption(args, 'layout') ?? 'hilbert';
  if (!(LAYOUT_NAMES as readonly string[]).includes(layout))
    throw new UsageError(`--layout must be hilbert (each segment a compact blob) or rows (row by row, as the original), not "${layout}"`);
  const segmentBy = parseSegmentBy(stringOption(args, 'segment-by') ?? 'characters:5');
  const inventoryDt = stringOption(args, 'inventory-dt');
  if (inventoryDt !== undefined) {
    try {
      checkInventoryDt(inventoryDt);
    } catch (error) {
      throw new UsageError(`--inventory-dt: ${(error as Error).message}`);
    }
  }
  const bucket = stringOption(args, 'bucket');
  const prefix = stringOption(args, 'prefix');
  if (prefix !== undefined && Buffer.byteLength(prefix) > MAX_KEY_BYTES)
    throw new UsageError(`--prefix is longer than any S3 key (${MAX_KEY_BYTES} bytes in UTF-8): give the start of the keys to watch, such as logs/2019/`);
  return {
    out,
    size,
    granularity: granularity as Granularity,
    layout: layout as LayoutName,
    segmentBy,
    header: args.values.header === true,
    ...(bucket ? { bucket } : {}),
    ...(prefix ? { prefix } : {}),
    ...(inventoryDt !== undefined ? { inventoryDt } : {}),
  };
}

function time(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

function shortTime(ms: number | undefined): string {
  return ms === undefined ? '-' : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')}`;
}

function phaseJson(phase: PhaseProgress) {
  return {
    kind: phase.kind,
    done: phase.done,
    total: phase.total,
    started: time(phase.started),
    lastEvent: time(phase.lastEvent),
    ratePerHour: phase.ratePerHour ?? null,
    estimatedEnd: time(phase.estimatedEnd),
  };
}

/** The render as JSON: times as ISO-8601 UTC strings. */
export function renderJson(result: DeletionRenderResult, args: RenderArguments, gifBytes: number) {
  const { progress } = result;
  return {
    out: args.out,
    gifBytes,
    bucket: result.bucket,
    prefix: result.prefix,
    inventoryDt: result.inventoryDt ?? null,
    width: result.width,
    height: result.height,
    size: args.size,
    layout: args.layout,
    granularity: result.granularity,
    frames: result.frames,
    firstBucket: time(result.firstBucket),
    lastBucket: time(result.lastBucket),
    objects: result.objects,
    events: result.events,
    totals: result.totals,
    anomalies: result.anomalies,
    partitions: result.partitions.map((p: DeletionPartition & { firstKey?: string; lastKey?: string }) => ({
      index: p.index,
      firstObject: p.firstObject,
      endObject: p.endObject,
      firstKey: p.firstKey ?? null,
      lastKey: p.lastKey ?? null,
      objects: p.objects,
      finished: p.finished,
      estimatedEnd: time(p.estimatedEnd),
      phases: p.phases.map(phaseJson),
    })),
    complete: progress.complete,
    firstEvent: time(progress.firstEvent),
    lastEvent: time(progress.lastEvent),
    estimatedEnd: progress.estimatedEnd
      ? { time: time(progress.estimatedEnd.time), low: time(progress.estimatedEnd.low), high: time(progress.estimatedEnd.high) }
      : null,
    notes: result.notes,
  };
}

function printText(result: DeletionRenderResult, args: RenderArguments, gifBytes: number, io: CliIo): void {
  const { progress } = result;
  const total = result.objects;
  const percent = (n: number) => (total === 0 ? '0' : formatDecimal((100 * n) / total, 1));
  const end = progress.complete
    ? `complete: the last event at ${shortTime(progress.lastEvent)} UTC`
    : progress.estimatedEnd
      ? `in progress: should be over at ${shortTime(progress.estimatedEnd.time)} UTC (between ${shortTime(progress.estimatedEnd.low)} and ${shortTime(progress.estimatedEnd.high)})`
      : `in progress: its end cannot be estimated yet (the last event at ${shortTime(progress.lastEvent)} UTC)`;
  const header: [string, string][] = [
    [
      result.prefix === '' ? 'bucket' : 'prefix',
      `${describeScope(result.bucket, result.prefix)}${result.inventoryDt ? `, inventory report ${result.inventoryDt}` : ''}`,
    ],
    [
      'objects',
      `${formatCount(total)} in the snapshot${result.prefix === '' ? '' : ` under ${result.prefix}`}; ${formatCount(result.events)} lifecycle events applied`,
    ],
    [
      'frames',
      `${formatCount(result.frames)} (one per ${result.granularity}, ${shortTime(result.firstBucket)} … ${shortTime(result.lastBucket)} UTC) → ${args.out} (${result.width}×${result.height}, ${formatBytes(gifBytes)})`,
    ],
    ['states', STATE_NAMES.map((s) => `${STATE_LABELS[s]} ${formatCount(result.totals[s])} (${percent(result.totals[s])}%)`).join(' · ')],
    ['anomalies', result.anomalies.length === 0 ? 'none' : result.anomalies.map((a) => `${formatCount(a.count)} × ${a.description}`).join('; ')],
    ['deletion', end],
  ];
  for (const [label, value] of header) io.out(`${label.padEnd(11)}${value}\n`);
  if (result.partitions.length === 0) {
    io.out('\nNo partitions found yet.\n');
    return;
  }
  const names = ['#', 'FIRST KEY', 'LAST KEY', 'OBJECTS', 'PHASES (done/total, per hour)', 'STATUS'];
  const rows = result.partitions.map((p) => [
    String(p.index),
    p.firstKey ?? '-',
    p.lastKey ?? '-',
    formatCount(p.objects),
    p.phases
      .map(
        (ph) =>
          `${ph.kind} ${formatCount(ph.done)}/${formatCount(ph.total)}${ph.ratePerHour !== undefined ? ` @${formatCount(Math.round(ph.ratePerHour))}` : ''}`,
      )
      .join(', '),
    p.finished ? 'done' : p.estimatedEnd !== undefined ? `ends ~${shortTime(p.estimatedEnd)}` : 'running',
  ]);
  const widths = names.map((n, i) => Math.min(i === 1 || i === 2 ? 48 : 90, Math.max(n.length, ...rows.map((r) => r[i]!.length))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => {
        const cell = c.length > widths[i]! ? `${c.slice(0, widths[i]! - 1)}…` : c;
        return i === 0 || i === 3 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
      })
      .join('  ')
      .trimEnd() + '\n';
  io.out('\n' + line(names));
  for (const row of rows) io.out(line(row));
}

export const render: CliCommand = {
  name: 'render',
  summary: 'Watch a lifecycle deletion: a GIF of every object from the inventory and the access logs, its partitions, rates and estimated end',
  usage: '--inventory LOC --logs LOC --out FILE.gif',
  options: {
    ...CONNECTION_OPTIONS,
    inventory: {
      type: 'string',
      description:
        'The S3 Inventory report taken before the deletion: hive/ or configuration folder, or manifest.json; s3:// or a local path (env S3LIFECYCLE_INVENTORY)',
      valueName: 'location',
    },
    logs: {
      type: 'string',
      description: "The bucket's server access logs covering the deletion, s3:// or a local path (env S3LIFECYCLE_LOGS)",
      valueName: 'location',
    },
    out: { type: 'string', description: 'The GIF to write (required)', valueName: 'FILE.gif' },
    size: { type: 'string', description: `The image's side in pixels, 1–${MAX_LAYOUT_SIZE} (default 1000)`, valueName: 'n' },
    granularity: { type: 'string', description: 'One frame per minute, hour (default) or day', valueName: 'minute|hour|day' },
    layout: { type: 'string', description: 'hilbert (default: each key segment a compact blob) or rows (row by row)', valueName: 'hilbert|rows' },
    'segment-by': {
      type: 'string',
      description: "Key segments: the keys' first N characters (default characters:5) or first N path segments",
      valueName: 'characters:N|path:N',
    },
    header: { type: 'boolean', description: 'Draw a header band: elapsed time, objects per state, deletions per second' },
    engine: { type: 'string', description: 'local (default) or athena (env S3LIFECYCLE_ENGINE)', valueName: 'local|athena' },
    bucket: { type: 'string', description: "Only this source bucket (default: the inventory report's)", valueName: 'name' },
    prefix: {
      type: 'string',
      description: 'Only the objects whose keys start with P, as a lifecycle rule filter: logs/ for the keys under logs/ (default: the whole bucket)',
      valueName: 'P',
    },
    'inventory-dt': {
      type: 'string',
      description: 'The inventory report to start from, by its date (default: the newest; it must be from before the deletion)',
      valueName: 'yyyy-MM-dd-HH-mm',
    },
    templates: {
      type: 'string',
      description: 'A folder of .sql templates used in place of the built-ins of the same name (default: the built-ins)',
      valueName: 'dir',
    },
  },
  details: [
    'Every object of the inventory report is a pixel (a pixel covers a run of objects when they outnumber the pixels, and shows their mix);',
    'the lifecycle events after the report (S3.CREATE.DELETEMARKER, S3.EXPIRE.OBJECT, S3.TRANSITION_*) move it from present to delete marked,',
    'noncurrent expired and gone, or to transitioned. One GIF frame per time bucket from the first event to the last, empty buckets included.',
    'Events out of order (an expiry before its marker) are counted as anomalies and listed. Partitions are the key ranges S3 deletes as a unit;',
    'a deletion still running is reported with how far it is and when it should end: render again with newer logs to update it.',
    'With --prefix only the objects under it are drawn and only their events count: the totals, partitions and estimated end are theirs.',
    'JSON output: out, gifBytes, bucket, prefix ("" for the whole bucket), inventoryDt, width, height, frames, firstBucket, lastBucket, objects, events, totals, anomalies,',
    'partitions (index, firstKey, lastKey, objects, finished, estimatedEnd, phases), complete, estimatedEnd {time, low, high}, notes.',
    'On --engine athena an s3:// --inventory is read from its manifest; otherwise the tables made by inventory_table and access_log_table are read.',
    'Notes go to stderr.',
  ],
  async run(args, io) {
    const format = args.format;
    const parsed = renderArguments(args);
    const scope = openScope(args, io);
    const { settings } = scope;
    const athena = settings.engine === 'athena';
    const inventory = settings.query.inventoryLocation;
    const logs = settings.query.logsLocation;
    if (!inventory && !athena)
      throw new UsageError(
        '--inventory is required (or S3LIFECYCLE_INVENTORY): the S3 Inventory report taken before the deletion (its hive/ or configuration folder, or its manifest.json)',
      );
    if (!logs && !athena)
      throw new UsageError("--logs is required (or S3LIFECYCLE_LOGS): the folder the bucket's server access logs are delivered to, covering the deletion");
    let catalog: TemplateCatalog;
    const templatesFolder = stringOption(args, 'templates') ?? '';
    try {
      catalog = retentionCatalog(templatesFolder === '' ? '' : resolve(templatesFolder));
    } catch (error) {
      throw new UsageError(`--templates: ${(error as Error).message}`);
    }
    for (const problem of catalog.problems) io.err(`warning: ${problem}\n`);
    let result: DeletionRenderResult | undefined;
    let engineKind: string = settings.engine;
    try {
      const engine = await scope.queryEngine();
      engineKind = engine.kind;
      const runner = new TemplateRunner(catalog, engine, { inventory: inventory || undefined, logs: logs || undefined });
      result = await renderDeletion({
        runner,
        ...(parsed.bucket ? { bucket: parsed.bucket } : {}),
        ...(parsed.prefix ? { prefix: parsed.prefix } : {}),
        ...(parsed.inventoryDt ? { inventoryDt: parsed.inventoryDt } : {}),
        size: parsed.size,
        granularity: parsed.granularity,
        layout: parsed.layout,
        segmentBy: parsed.segmentBy,
        header: parsed.header,
        gifPath: parsed.out,
        signal: io.signal,
      });
      for (const problem of await result.dispose()) result.notes.push(problem);
    } catch (error) {
      if (error instanceof DeletionInputError || error instanceof TemplateError) throw new UsageError(error.message);
      if (error instanceof QueryCancelledError || io.signal.aborted) throw new CliFailure('cancelled');
      throw new CliFailure(`rendering the deletion failed on the ${engineKind} engine: ${(error as Error).message}`);
    } finally {
      await scope.dispose();
    }
    const gifBytes = statSync(parsed.out).size;
    if (format === 'json') io.out(JSON.stringify(renderJson(result, parsed, gifBytes), null, 2) + '\n');
    else printText(result, parsed, gifBytes, io);
    for (const note of result.notes) io.err(`  ${note}\n`);
    return EXIT_OK;
  },
};

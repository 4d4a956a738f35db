// The lifecycle deletion, watched: the events after the inventory snapshot (deletionEvents.ts),
// one frame per time bucket from the first event's bucket to the last, empty buckets included, on
// the deletion canvas; the partitions S3 deletes as a unit, their rates and the estimated end; and
// the GIF. The CLI's `render` and the extension's player both call this.

import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { DeletionCanvas } from '../core/deletion/canvas';
import { GifWriter } from '../core/deletion/gif';
import {
  describeAnomaly,
  EVENT_KIND_COUNT,
  EVENT_KIND_NAMES,
  STATE_COUNT,
  STATE_NAMES,
  type DeletionAnomaly,
  type EventBatch,
  type EventKind,
  type FramePatch,
  type LayoutName,
  type ObjectState,
  type PixelDescription,
  type SegmentInterval,
  type StateName,
} from '../core/deletion/model';
import { PartitionTracker, type DeletionPartition, type DeletionProgress } from '../core/deletion/partitions';
import { formatCount } from '../core/format';
import type { TemplateRunner } from '../engines/runner';
import { loadDeletionEvents, type DeletionEvents } from './deletionEvents';
import type { Granularity, SegmentBy } from './deletionQueries';

export { DeletionInputError, GRANULARITIES, type Granularity, type SegmentBy } from './deletionQueries';
export { describeScope } from './deletionEvents';

export interface RenderDeletionStart {
  width: number;
  height: number;
  palette: ReadonlyArray<readonly [number, number, number]>;
  objects: number;
  frames: number;
  firstBucket: number;
  lastBucket: number;
  segments: SegmentInterval[];
}

export interface RenderDeletionOptions {
  /** The runner with the sources (inventory and logs) and the catalog; the render makes tables of its own beside them. */
  runner: TemplateRunner;
  /** Only this source bucket; the inventory report's source bucket when unset. */
  bucket?: string;
  /**
   * Only the objects whose keys start with this text, as a lifecycle rule's prefix filter (`logs/`
   * for the keys under logs/): they alone get pixels, their events alone count, and the partitions,
   * the estimated end and the totals are theirs. Every key when unset or empty.
   */
  prefix?: string;
  /** The inventory report taken before the deletion, yyyy-MM-dd-HH-mm; the newest when unset (it must be from before the deletion). */
  inventoryDt?: string;
  /** The image's side in pixels (with `fitObjects`, the largest it may be). */
  size: number;
  /**
   * No larger than the objects need: a side of ⌈√objects⌉ pixels (at least FITTED_MIN_SIZE) when
   * that is less than `size`, so a small bucket fills its image rather than a corner of it.
   */
  fitObjects?: boolean;
  granularity: Granularity;
  layout: LayoutName;
  segmentBy: SegmentBy;
  /** Draw the header band (elapsed time, counts per state, deletions per second). */
  header?: boolean;
  signal?: AbortSignal;
  onStart?: (info: RenderDeletionStart) => void | Promise<void>;
  onFrame?: (patch: FramePatch, progress: DeletionProgress) => void | Promise<void>;
  /** Writes the GIF here (replaced only once it is whole). */
  gifPath?: string;
  /** Per GIF frame (default: GifWriter's). */
  gifDelayMs?: number;
  /** Each step, for a progress bar. */
  onProgress?: (step: string) => void;
  /** Events held in memory before they spill to temporary files, and where those go. */
  memoryEvents?: number;
  tempDir?: string;
}

export interface DeletionRenderResult {
  width: number;
  height: number;
  frames: number;
  objects: number;
  firstBucket?: number;
  lastBucket?: number;
  /** The source bucket, the key prefix ('' for the whole bucket) and the inventory report the objects are from. */
  bucket: string;
  prefix: string;
  inventoryDt?: string;
  granularity: Granularity;
  /** Events applied (rows the engine gave twice counted once). */
  events: number;
  totals: Record<StateName, number>;
  anomalies: DeletionAnomaly[];
  progress: DeletionProgress;
  /** Partitions with their first and last keys. */
  partitions: (DeletionPartition & { firstKey?: string; lastKey?: string })[];
  /** Anything the user should know about the inputs and the run, one sentence each. */
  notes: string[];
  /** What a pixel covers: its segment prefix and key range (keys are looked up in the render's segment table on the engine); undefined for background and header. */
  describePixel(x: number, y: number): Promise<PixelDescription | undefined>;
  /** Drops the render's tables (describePixel stops working) and returns a sentence for each that could not be dropped. */
  dispose(): Promise<string[]>;
}

/** Batches of one bucket after another, with a look at the next one's bucket. */
class BatchCursor {
  private next: IteratorResult<EventBatch> | undefined;
  constructor(private readonly iterator: AsyncIterator<EventBatch>) {}
  /** The batches of `bucketStart`, in order (none when the bucket is empty). */
  async *of(bucketStart: number): AsyncGenerator<EventBatch> {
    this.next ??= await this.iterator.next();
    while (!this.next.done && this.next.value.bucketStart <= bucketStart) {
      if (this.next.value.bucketStart < bucketStart)
        throw new Error(`events of ${new Date(this.next.value.bucketStart).toISOString()} came after a later bucket's`);
      yield this.next.value;
      this.next = await this.iterator.next();
    }
  }
}

/** The smallest side `fitObjects` gives an image. */
export const FITTED_MIN_SIZE = 16;

/** The side of the image for `objects` objects, at most `size`: a pixel per object when they are fewer than `size`² pixels. */
export function fittedSize(size: number, objects: number): number {
  return Math.min(size, Math.max(FITTED_MIN_SIZE, Math.ceil(Math.sqrt(objects))));
}

export async function renderDeletion(options: RenderDeletionOptions): Promise<DeletionRenderResult> {
  const events = await loadDeletionEvents({
    runner: options.runner,
    ...(options.bucket !== undefined ? { bucket: options.bucket } : {}),
    ...(options.prefix ? { prefix: options.prefix } : {}),
    ...(options.inventoryDt !== undefined ? { inventoryDt: options.inventoryDt } : {}),
    granularity: options.granularity,
    segmentBy: options.segmentBy,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.memoryEvents !== undefined ? { memoryEvents: options.memoryEvents } : {}),
    ...(options.tempDir !== undefined ? { tempDir: options.tempDir } : {}),
  });
  try {
    return await drawDeletion(options, events);
  } catch (error) {
    await events.dispose();
    throw error;
  }
}

async function drawDeletion(options: RenderDeletionOptions, events: DeletionEvents): Promise<DeletionRenderResult> {
  const { signal } = options;
  const { segments, bucketMs } = events;
  const firstBucket = events.range.firstBucket!;
  const lastBucket = events.range.lastBucket!;
  const frames = Math.round((lastBucket - firstBucket) / bucketMs) + 1;
  const size = options.fitObjects ? fittedSize(options.size, segments.objects) : options.size;
  const canvas = new DeletionCanvas(segments.objects, { size, layout: options.layout, header: options.header ?? false, bucketMs });
  const tracker = new PartitionTracker(segments.objects, { bucketMs });
  await options.onStart?.({
    width: canvas.width,
    height: canvas.height,
    palette: canvas.palette,
    objects: segments.objects,
    frames,
    firstBucket,
    lastBucket,
    segments: [...segments.intervals],
  });

  const gif = options.gifPath === undefined ? undefined : await openGif(options.gifPath, canvas, options.gifDelayMs);
  let applied = 0;
  try {
    const cursor = new BatchCursor(events.order.batches()[Symbol.asyncIterator]());
    options.onProgress?.(`Drawing ${formatCount(frames)} frames`);
    for (let index = 0; index < frames; index++) {
      signal?.throwIfAborted();
      const bucketStart = firstBucket + index * bucketMs;
      for await (const batch of cursor.of(bucketStart)) {
        canvas.apply(batch);
        tracker.record(batch);
        applied += batch.length;
      }
      const patch = canvas.frame(bucketStart);
      await gif?.writer.addFrame(patch);
      if (options.onFrame) await options.onFrame(patch, tracker.report());
    }
    await gif?.finish();
  } catch (error) {
    await gif?.abandon();
    throw error;
  }

  const progress = tracker.report();
  const notes = [...events.notes];
  if (events.order.duplicateRows > 0) notes.push(`${formatCount(events.order.duplicateRows)} rows of the engine's answer came twice and were read once`);
  if (canvas.skippedEvents > 0) notes.push(`${formatCount(canvas.skippedEvents)} events named no object of the snapshot and were skipped`);
  for (const note of progress.notes) if (!notes.includes(note)) notes.push(note);

  options.onProgress?.('Looking up the partitions’ keys');
  const bounds = progress.partitions.flatMap((p) => (p.endObject > p.firstObject ? [p.firstObject, p.endObject - 1] : []));
  const partitionKeys = bounds.length > 0 ? await events.keysAt(bounds, signal) : new Map<number, string>();
  const partitions = progress.partitions.map((p) => {
    const firstKey = partitionKeys.get(p.firstObject);
    const lastKey = p.endObject > p.firstObject ? partitionKeys.get(p.endObject - 1) : undefined;
    return { ...p, ...(firstKey !== undefined ? { firstKey } : {}), ...(lastKey !== undefined ? { lastKey } : {}) };
  });

  const counts = canvas.counts();
  const totals = Object.fromEntries(STATE_NAMES.map((name, i) => [name, counts[i] ?? 0])) as Record<StateName, number>;
  const anomalyCounts = canvas.anomalyCounts();
  const anomalies: DeletionAnomaly[] = [];
  for (let state = 0; state < STATE_COUNT; state++) {
    for (let kind = 0; kind < EVENT_KIND_COUNT; kind++) {
      const count = anomalyCounts[state * EVENT_KIND_COUNT + kind]!;
      if (count > 0)
        anomalies.push({
          state: STATE_NAMES[state]!,
          kind: EVENT_KIND_NAMES[kind]!,
          count,
          description: describeAnomaly(state as ObjectState, kind as EventKind),
        });
    }
  }

  let disposed = false;
  const described = new Map<string, PixelDescription | undefined>();
  return {
    width: canvas.width,
    height: canvas.height,
    frames,
    objects: segments.objects,
    firstBucket,
    lastBucket,
    bucket: events.bucket,
    prefix: events.prefix,
    ...(events.inventoryDt !== undefined ? { inventoryDt: events.inventoryDt } : {}),
    granularity: options.granularity,
    events: applied,
    totals,
    anomalies,
    progress,
    partitions,
    notes,
    async describePixel(x: number, y: number) {
      const covered = canvas.pixelObjects(x, y);
      if (!covered || covered.endObject <= covered.firstObject) return undefined;
      const cacheKey = `${covered.firstObject}:${covered.endObject}`;
      if (described.has(cacheKey)) return described.get(cacheKey);
      if (disposed) throw new Error('this render is closed and its tables dropped: render the deletion again to look pixels up');
      const first = segments.locate(covered.firstObject);
      const last = segments.locate(covered.endObject - 1);
      if (!first || !last) return undefined;
      const keys = await events.keysAt([covered.firstObject, covered.endObject - 1], signal);
      const description: PixelDescription = {
        segmentPrefix: first.interval.segment === last.interval.segment ? first.interval.prefix : `${first.interval.prefix} … ${last.interval.prefix}`,
        firstKey: keys.get(covered.firstObject) ?? '',
        lastKey: keys.get(covered.endObject - 1) ?? '',
        objects: covered.endObject - covered.firstObject,
      };
      if (described.size > 10_000) described.clear();
      described.set(cacheKey, description);
      return description;
    },
    async dispose() {
      if (disposed) return [];
      disposed = true;
      return events.dispose();
    },
  };
}

/** The GIF, written to a temporary name beside its path and renamed into place once whole. */
async function openGif(path: string, canvas: DeletionCanvas, delayMs: number | undefined) {
  const partial = `${path}.${randomBytes(4).toString('hex')}.partial`;
  const handle = await open(partial, 'w');
  const writer = new GifWriter(
    async (bytes) => {
      await handle.write(bytes);
    },
    { width: canvas.width, height: canvas.height, palette: canvas.palette, ...(delayMs !== undefined ? { delayMs } : {}) },
  );
  return {
    writer,
    async finish() {
      await writer.finish();
      await handle.close();
      await rename(partial, path);
    },
    async abandon() {
      await handle.close().catch(() => undefined);
      await rm(partial, { force: true });
    },
  };
}

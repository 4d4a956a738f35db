// One reading of a lifecycle deletion for the player: runs the render, keeps its frames in a
// FrameStore, and streams what the panel shows — the image's size and colours, the frames' counts in
// batches, the partitions' progress, the end — to whoever listens (the panel, when it is open; a
// reloaded panel gets it all again from `replay`). It answers the webview's requests for a frame, a
// pixel's keys and a GIF. No `vscode` here: the command and the panel are the shells around it.

import { FrameStore } from '../core/deletion/frameStore';
import { STATE_COUNT, type FramePatch, type LayoutName } from '../core/deletion/model';
import type { DeletionProgress } from '../core/deletion/partitions';
import {
  MAX_IMAGE_SIDE,
  MAX_PARTITIONS,
  MAX_PLAYER_FRAMES,
  MAX_SUMMARIES_PER_MESSAGE,
  type AnomalyView,
  type DeletionEventMessage,
  type DeletionFramesMessage,
  type DeletionOutcome,
  type DeletionStartMessage,
  type FrameRegionWire,
  type Granularity,
  type PartitionView,
  type PixelDescription,
  type ProgressView,
} from '../deletionProtocol';
import type { DeletionRenderResult, RenderDeletionOptions } from './deletionRender';

/** What the render calls back with when it starts (RenderDeletionOptions.onStart's argument). */
export type RenderStart = Parameters<NonNullable<RenderDeletionOptions['onStart']>>[0];
type Palette = RenderStart['palette'];

/** The part of H1's GifWriter the export uses. */
export interface GifFrameWriter {
  addFrame(patch: FramePatch): Promise<void>;
  finish(): Promise<void>;
}
export type GifWriterFactory = (
  sink: (bytes: Uint8Array) => void | Promise<void>,
  options: { width: number; height: number; palette: Palette; delayMs?: number; loop?: boolean },
) => GifFrameWriter;

export interface DeletionSessionOptions {
  /** The session's id: the webview names it in its requests, so answers never mix two readings. */
  id: number;
  bucket: string;
  /** The key prefix the render keeps to ('' or unset: the whole bucket); the panel shows it. */
  prefix?: string;
  granularity: Granularity;
  layout: LayoutName;
  /** Runs the render with these callbacks (renderDeletion with the command's options). */
  render(control: Pick<RenderDeletionOptions, 'signal' | 'onStart' | 'onFrame' | 'onProgress'>): Promise<DeletionRenderResult>;
  /** Each state's colour (STATE_NAMES order) in the palette the render uses. */
  stateColours(palette: Palette): readonly (readonly [number, number, number])[];
  /** Frame summaries are sent at most this often while reading (ms; default 100) … */
  flushIntervalMs?: number;
  /** … or once this many have gathered (default 512). */
  flushFrames?: number;
}

/** At most this many progress reports are kept for scrubbing back (each a few hundred bytes per partition). */
export const MAX_PROGRESS_VIEWS = 512;

export type DeletionSessionErrorReason = 'notReady' | 'noFrame' | 'tooLarge' | 'noFrames';

/** A request the session cannot answer, with why (the shells say it in the user's language). */
export class DeletionSessionError extends Error {
  constructor(
    readonly reason: DeletionSessionErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'DeletionSessionError';
  }
}

export class DeletionCancelledError extends Error {
  constructor() {
    super('The reading of the deletion was stopped.');
    this.name = 'AbortError';
  }
}

export class DeletionSession {
  readonly id: number;
  readonly bucket: string;
  /** The key prefix read ('' for the whole bucket). */
  readonly prefix: string;
  private readonly abort = new AbortController();
  private readonly listeners = new Set<(message: DeletionEventMessage) => void>();
  private start: DeletionStartMessage | undefined;
  private store: FrameStore | undefined;
  private palette: Palette = [];
  /** Frames already sent as summaries. */
  private flushed = 0;
  private lastFlush = 0;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private progress: ProgressView | undefined;
  private end: Extract<DeletionEventMessage, { type: 'deletionEnd' }> | undefined;
  private result: DeletionRenderResult | undefined;
  private running: Promise<DeletionRenderResult | undefined> | undefined;
  /** The frame the panel last asked for: a reloaded or reopened panel comes back to it. */
  private viewed: number | undefined;
  /** The progress as it was after frames of the reading (every `progressStride`-th, at most MAX_PROGRESS_VIEWS). */
  private progressViews: { frame: number; view: ProgressView }[] = [];
  private progressStride = 1;

  constructor(private readonly options: DeletionSessionOptions) {
    this.id = options.id;
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
  }

  /** What the panel names the reading by: its bucket and, when it keeps to one, its key prefix. */
  private get scope(): { bucket: string; prefix?: string } {
    return this.prefix === '' ? { bucket: this.bucket } : { bucket: this.bucket, prefix: this.prefix };
  }

  /** Listens to what the session streams; returns the way to stop listening. */
  listen(listener: (message: DeletionEventMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The render's steps before the first frame (reading the inventory, the events…), for a progress line. */
  onStep: ((step: string) => void) | undefined;

  /** Everything sent so far, for a panel that opens (or reloads) mid-way: the start, the frames in batches, the end. */
  replay(): DeletionEventMessage[] {
    const messages: DeletionEventMessage[] = [];
    if (!this.start) {
      if (!this.end) messages.push({ type: 'deletionPreparing', session: this.id, ...this.scope });
    } else {
      messages.push(this.viewed === undefined ? this.start : { ...this.start, resumeFrame: this.viewed });
      for (let first = 0; first < this.flushed; first += MAX_SUMMARIES_PER_MESSAGE) {
        const end = Math.min(this.flushed, first + MAX_SUMMARIES_PER_MESSAGE);
        messages.push(this.summaries(first, end, end === this.flushed ? this.progress : undefined));
      }
    }
    if (this.end) messages.push(this.end);
    return messages;
  }

  get frames(): number {
    return this.store?.frames ?? 0;
  }

  get outcome(): DeletionOutcome | undefined {
    return this.end?.outcome;
  }

  /** The render's result, once it completed. */
  get rendered(): DeletionRenderResult | undefined {
    return this.result;
  }

  /** Each frame's counts (STATE_NAMES order), as read so far. */
  countsAt(index: number): number[] {
    return [...this.frameStore().patch(index).counts];
  }

  /**
   * Reads the deletion (once; a second call waits for the first). Resolves with the render's result,
   * or undefined when stopped; rejects with the render's error after telling the panel.
   */
  run(): Promise<DeletionRenderResult | undefined> {
    this.running ??= this.read();
    return this.running;
  }

  /** Stops reading; the frames read so far stay playable. */
  cancel(): void {
    this.abort.abort();
  }

  get cancelled(): boolean {
    return this.abort.signal.aborted;
  }

  /**
   * Stops reading and lets go of the render's tables on the engine (hovering stops working);
   * returns a sentence for each table that could not be dropped.
   */
  async dispose(): Promise<string[]> {
    this.cancel();
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    await this.running?.catch(() => undefined);
    const result = this.result;
    this.result = undefined;
    return result ? result.dispose() : [];
  }

  /** What takes the webview's image from frame `base` (-1: none) to frame `index`, pixels in base64. */
  frame(index: number, base: number): FrameRegionWire {
    const store = this.frameStore();
    if (index >= store.frames) throw new DeletionSessionError('noFrame', `Frame ${index + 1} has not been read (${store.frames} so far).`);
    const region = store.transition(base < store.frames ? base : -1, index);
    this.viewed = index;
    const pixels = Buffer.from(region.pixels.buffer, region.pixels.byteOffset, region.pixels.byteLength).toString('base64');
    return { index, x: region.x, y: region.y, width: region.width, height: region.height, pixels, full: region.full };
  }

  /**
   * The progress as the reading knew it after frame `index` (the partitions found so far, their
   * progress, the estimate of the end then): the nearest kept at or before it.
   */
  progressAt(index: number): { frame: number; progress: ProgressView } {
    const views = this.progressViews;
    if (index >= this.frames || views.length === 0) throw new DeletionSessionError('noFrame', `Frame ${index + 1} has not been read (${this.frames} so far).`);
    let low = 0;
    let high = views.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (views[mid]!.frame <= index) low = mid;
      else high = mid - 1;
    }
    const kept = views[low]!;
    return { frame: kept.frame, progress: kept.view };
  }

  /** The segment prefix and keys a pixel covers (null: background); only once the reading completed. */
  async describePixel(x: number, y: number): Promise<PixelDescription | null> {
    const result = this.result;
    if (!result) throw new DeletionSessionError('notReady', 'Pixels are described once the deletion has been read to its end.');
    if (x >= result.width || y >= result.height) return null;
    const described = await result.describePixel(x, y);
    return described ? { segmentPrefix: described.segmentPrefix, firstKey: described.firstKey, lastKey: described.lastKey, objects: described.objects } : null;
  }

  /** Writes every frame read as a GIF through `writer`; returns the frame count. */
  async writeGif(makeWriter: GifWriterFactory, sink: (bytes: Uint8Array) => void | Promise<void>, delayMs: number, signal?: AbortSignal): Promise<number> {
    const store = this.frameStore();
    if (store.frames === 0) throw new DeletionSessionError('noFrames', 'No frame has been read yet.');
    const writer = makeWriter(sink, { width: store.width, height: store.height, palette: this.palette, delayMs, loop: true });
    const frames = store.frames;
    for (let index = 0; index < frames; index++) {
      if (signal?.aborted) throw new DeletionCancelledError();
      const patch = store.patch(index);
      // A GIF's first frame is the whole image, whatever rectangle the render's first patch covered.
      await writer.addFrame(index === 0 ? { ...patch, x: 0, y: 0, width: store.width, height: store.height, pixels: store.image(0) } : patch);
    }
    await writer.finish();
    return frames;
  }

  // ---- Reading ---------------------------------------------------------------------------------

  private async read(): Promise<DeletionRenderResult | undefined> {
    this.emit({ type: 'deletionPreparing', session: this.id, ...this.scope });
    try {
      const result = await this.options.render({
        signal: this.abort.signal,
        onStart: (info) => this.onStart(info),
        onFrame: (patch, progress) => this.onFrame(patch, progress),
        onProgress: (step) => this.onStep?.(step),
      });
      if (this.abort.signal.aborted) throw new DeletionCancelledError();
      if (!this.store || this.store.frames === 0) {
        throw new DeletionSessionError(
          'noFrames',
          `No lifecycle event of the inventory objects of s3://${this.bucket}${this.prefix === '' ? '' : `/${this.prefix}`} is in the access logs: check that the logs location holds the days the lifecycle rule ran.`,
        );
      }
      this.result = result;
      this.progress = progressView(result.progress, result.partitions);
      this.progress.notes.push(...result.notes.slice(0, Math.max(0, 100 - this.progress.notes.length)));
      // The partitions found earlier get their keys where they are the final ones.
      this.progressViews = this.progressViews.map(({ frame, view }) => ({ frame, view: withKeysOf(view, this.progress!) }));
      this.keepProgress(this.frames - 1, this.progress);
      this.finish('complete', { anomalies: anomalyViews(result.anomalies) });
      return result;
    } catch (error) {
      if (this.abort.signal.aborted || (error as Error).name === 'AbortError') {
        this.finish('cancelled', {});
        return undefined;
      }
      this.finish('failed', { message: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  }

  private onStart(info: RenderStart): void {
    const { width, height, frames } = info;
    if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE)
      throw new DeletionSessionError(
        'tooLarge',
        `A ${width}×${height} image is larger than the player shows (${MAX_IMAGE_SIDE} pixels a side): choose a smaller size.`,
      );
    if (frames > MAX_PLAYER_FRAMES)
      throw new DeletionSessionError(
        'tooLarge',
        `The deletion spans ${frames} time buckets, more than the player holds (${MAX_PLAYER_FRAMES}): choose a coarser granularity.`,
      );
    this.palette = info.palette.map((c) => [c[0], c[1], c[2]] as const);
    this.store = new FrameStore(width, height, { expectedFrames: frames });
    this.start = {
      type: 'deletionStart',
      session: this.id,
      ...this.scope,
      width,
      height,
      palette: this.palette.flatMap((c) => [c[0], c[1], c[2]]),
      stateColours: this.options
        .stateColours(this.palette)
        .slice(0, STATE_COUNT)
        .flatMap((c) => [c[0], c[1], c[2]]),
      objects: info.objects,
      frames,
      firstBucket: info.firstBucket,
      granularity: this.options.granularity,
      layout: this.options.layout,
    };
    this.lastFlush = Date.now();
    this.emit(this.start);
  }

  private onFrame(patch: FramePatch, progress: DeletionProgress): void {
    const store = this.frameStore();
    if (store.frames >= MAX_PLAYER_FRAMES) throw new DeletionSessionError('tooLarge', `More than ${MAX_PLAYER_FRAMES} frames: choose a coarser granularity.`);
    store.add(patch);
    this.progress = progressView(progress);
    this.keepProgress(patch.index, this.progress);
    const pending = store.frames - this.flushed;
    const interval = this.options.flushIntervalMs ?? 100;
    if (pending >= (this.options.flushFrames ?? 512) || Date.now() - this.lastFlush >= interval) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), interval);
  }

  /** Keeps the progress after a frame, thinning to every other one kept when there are too many. */
  private keepProgress(frame: number, view: ProgressView): void {
    const views = this.progressViews;
    const last = views.at(-1);
    if (last?.frame === frame) last.view = view;
    else if (frame % this.progressStride === 0 || frame === this.frames - 1) {
      // The last frame read is always kept; it is replaced when a later one comes in between strides.
      if (last && last.frame % this.progressStride !== 0) views.pop();
      views.push({ frame, view });
    }
    if (views.length > MAX_PROGRESS_VIEWS) {
      this.progressStride *= 2;
      this.progressViews = views.filter((v, i) => v.frame % this.progressStride === 0 || i === views.length - 1);
    }
  }

  /** Sends the summaries of the frames read since the last batch. */
  private flush(): void {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const frames = this.store?.frames ?? 0;
    while (this.flushed < frames) {
      const end = Math.min(frames, this.flushed + MAX_SUMMARIES_PER_MESSAGE);
      const message = this.summaries(this.flushed, end, end === frames ? this.progress : undefined);
      this.flushed = end;
      this.emit(message);
    }
    this.lastFlush = Date.now();
  }

  private summaries(first: number, end: number, progress: ProgressView | undefined): DeletionFramesMessage {
    const store = this.frameStore();
    const message: DeletionFramesMessage = { type: 'deletionFrames', session: this.id, first, bucketStarts: [], counts: [], events: [], anomalies: [] };
    for (let i = first; i < end; i++) {
      const patch = store.patch(i);
      message.bucketStarts.push(patch.bucketStart);
      for (let s = 0; s < STATE_COUNT; s++) message.counts.push(patch.counts[s] ?? 0);
      message.events.push(patch.events);
      message.anomalies.push(patch.anomalies);
    }
    if (progress) message.progress = progress;
    return message;
  }

  private finish(outcome: DeletionOutcome, details: { message?: string; anomalies?: AnomalyView[] }): void {
    this.flush();
    this.end = {
      type: 'deletionEnd',
      session: this.id,
      outcome,
      frames: this.frames,
      anomalies: details.anomalies ?? [],
      complete: outcome === 'complete',
      ...(details.message !== undefined ? { message: details.message } : {}),
      ...(this.progress ? { progress: this.progress } : {}),
    };
    this.emit(this.end);
  }

  private frameStore(): FrameStore {
    if (!this.store) throw new DeletionSessionError('noFrame', 'No frame has been read yet.');
    return this.store;
  }

  private emit(message: DeletionEventMessage): void {
    for (const listener of [...this.listeners]) listener(message);
  }
}

/** The progress as the panel shows it: the known fields only, and at most MAX_PARTITIONS partitions. */
export function progressView(progress: DeletionProgress, withKeys?: DeletionRenderResult['partitions']): ProgressView {
  // A partition found earlier in the reading has the keys of the final one with the same objects.
  const keys = new Map((withKeys ?? []).map((p) => [`${p.firstObject}:${p.endObject}`, p]));
  const partitions: PartitionView[] = progress.partitions.slice(0, MAX_PARTITIONS).map((p) => {
    const view: PartitionView = {
      index: p.index,
      firstObject: p.firstObject,
      endObject: p.endObject,
      objects: p.objects,
      finished: p.finished,
      phases: p.phases.map((phase) => ({
        kind: phase.kind,
        done: phase.done,
        total: phase.total,
        ...(phase.ratePerHour !== undefined && Number.isFinite(phase.ratePerHour) ? { ratePerHour: phase.ratePerHour } : {}),
        ...(phase.estimatedEnd !== undefined && Number.isFinite(phase.estimatedEnd) ? { estimatedEnd: phase.estimatedEnd } : {}),
      })),
    };
    if (p.estimatedEnd !== undefined && Number.isFinite(p.estimatedEnd)) view.estimatedEnd = p.estimatedEnd;
    const keyed = keys.get(`${p.firstObject}:${p.endObject}`);
    if (keyed?.firstKey !== undefined) view.firstKey = keyed.firstKey;
    if (keyed?.lastKey !== undefined) view.lastKey = keyed.lastKey;
    return view;
  });
  const notes = progress.notes.slice(0, 99);
  if (progress.partitions.length > MAX_PARTITIONS) notes.push(`Only the first ${MAX_PARTITIONS} of ${progress.partitions.length} partitions are shown.`);
  const view: ProgressView = { partitions, complete: progress.complete, notes };
  if (progress.firstEvent !== undefined) view.firstEvent = progress.firstEvent;
  if (progress.lastEvent !== undefined) view.lastEvent = progress.lastEvent;
  const end = progress.estimatedEnd;
  if (end && [end.time, end.low, end.high].every(Number.isFinite)) {
    view.estimatedEnd = { time: end.time, low: Math.min(end.low, end.time), high: Math.max(end.high, end.time) };
  }
  return view;
}

function withKeysOf(view: ProgressView, final: ProgressView): ProgressView {
  const keyed = new Map(final.partitions.map((p) => [`${p.firstObject}:${p.endObject}`, p]));
  return {
    ...view,
    partitions: view.partitions.map((p) => {
      const match = keyed.get(`${p.firstObject}:${p.endObject}`);
      return match?.firstKey !== undefined && match.lastKey !== undefined ? { ...p, firstKey: match.firstKey, lastKey: match.lastKey } : p;
    }),
  };
}

function anomalyViews(anomalies: DeletionRenderResult['anomalies']): AnomalyView[] {
  return anomalies.filter((a) => a.count > 0).map((a) => ({ state: a.state, kind: a.kind, count: a.count, description: a.description }));
}

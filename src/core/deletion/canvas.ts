// The deletion image: every object's state in one byte, drawn as indexed pixels, frame by frame.
// Objects are laid out in key order along the layout's path. With no more objects than pixels,
// object o is the o-th pixel along the path (the rest is background); with more, pixel p covers
// the ordinals [⌊p·N/P⌋, ⌊(p+1)·N/P⌋) and shows the mix of their states from per-pixel counts kept
// as events arrive (a fixed 20 bytes per pixel, whatever N is). A frame is the rectangle of the
// pixels that changed since the previous frame, "unchanged" (TRANSPARENT_INDEX) inside it.
//
// Memory: N bytes of states plus about 38 bytes per pixel (layout tables, counts, dirty list, image).

import { HeaderBand } from './header';
import { type Layout, makeLayout } from './layout';
import {
  ANOMALY_BIT,
  EVENT_KIND_COUNT,
  type EventBatch,
  type FramePatch,
  type LayoutName,
  ObjectState,
  type PixelObjects,
  STATE_COUNT,
  TRANSITIONS,
  TRANSPARENT_INDEX,
} from './model';
import { BACKGROUND_INDEX, mixIndex, PALETTE, type Rgb } from './palette';

export interface CanvasOptions {
  size: number;
  layout: LayoutName;
  /** draw the header band above the image (elapsed time, counts per state, deletions per second) */
  header?: boolean;
  /** The time buckets' length (ms), for the header's deletions per second; without it, the time since the previous frame. */
  bucketMs?: number;
}

/** The most objects a canvas holds: ordinals are Uint32. */
export const MAX_OBJECTS = 0xffffffff;

const MOVES = STATE_COUNT * STATE_COUNT;

export class DeletionCanvas {
  /** Up to this N·P the hot loop finds a pixel with one exact division; beyond, by exact steps. Tests lower it to cover that path. */
  static exactProductLimit = Number.MAX_SAFE_INTEGER;

  readonly width: number;
  /** Includes the header band. */
  readonly height: number;
  readonly palette: ReadonlyArray<Rgb> = PALETTE;
  readonly layout: Layout;
  /** Rows of header band above the image (0 without one). */
  readonly headerHeight: number;
  /** Events whose ordinal or kind was out of range: skipped, never applied. */
  skippedEvents = 0;

  private readonly pixels: number;
  private readonly states: Uint8Array;
  /** counts[p * STATE_COUNT + state]: objects of pixel p in each state; only when objects outnumber pixels. */
  private readonly pixelCounts: Uint32Array | undefined;
  /** Pixels (layout positions) touched since the last frame: a mark per pixel and their list. */
  private readonly dirtyMark: Uint8Array;
  private readonly dirtyList: Uint32Array;
  private dirtyLength = 0;
  /** The image as of the last frame. */
  private readonly current: Uint8Array;
  private readonly header: HeaderBand | undefined;
  private readonly headerScratch: Uint8Array | undefined;
  private readonly totals = new Float64Array(STATE_COUNT);
  private readonly anomalies = new Uint32Array(STATE_COUNT * EVENT_KIND_COUNT);
  private anomalyTotal = 0;
  /** moves[from * STATE_COUNT + to] within one apply(); folded into totals and frameMoves after it. */
  private readonly moves = new Uint32Array(MOVES);
  private readonly frameMoves = new Float64Array(MOVES);
  private frameEvents = 0;
  private frameIndex = 0;
  private firstBucket: number | undefined;
  private previousBucket: number | undefined;
  /** p·N/P in two exact parts (N = quotient·P + remainder), for pixel ↔ ordinal arithmetic when N > P. */
  private readonly quotient: number;
  private readonly remainder: number;

  constructor(
    readonly objects: number,
    private readonly options: CanvasOptions,
  ) {
    if (!Number.isInteger(objects) || objects < 0 || objects > MAX_OBJECTS) {
      throw new Error(`The number of objects must be a whole number from 0 to ${MAX_OBJECTS}, not ${objects}`);
    }
    if (options.bucketMs !== undefined && !(options.bucketMs > 0))
      throw new Error(`The bucket length must be a positive number of milliseconds, not ${options.bucketMs}`);
    this.layout = makeLayout(options.layout, options.size);
    const size = this.layout.size;
    this.pixels = this.layout.pixels;
    const header = options.header ? new HeaderBand(size, objects) : undefined;
    this.header = header && header.height > 0 ? header : undefined;
    this.headerHeight = this.header?.height ?? 0;
    this.width = size;
    this.height = size + this.headerHeight;
    this.headerScratch = this.header ? new Uint8Array(size * this.headerHeight) : undefined;
    this.states = new Uint8Array(objects); // zero: ObjectState.present
    this.totals[ObjectState.present] = objects;
    this.quotient = Math.floor(objects / this.pixels);
    this.remainder = objects % this.pixels;
    this.dirtyMark = new Uint8Array(this.pixels);
    this.dirtyList = new Uint32Array(this.pixels);
    this.current = new Uint8Array(this.width * this.height);
    if (objects > this.pixels) {
      this.pixelCounts = new Uint32Array(this.pixels * STATE_COUNT);
      for (let p = 0; p < this.pixels; p++) this.pixelCounts[p * STATE_COUNT] = this.pixelStart(p + 1) - this.pixelStart(p);
    }
    const offsets = this.layout.offsets;
    const base = this.headerHeight * size;
    for (let p = 0; p < this.pixels; p++) this.current[base + offsets[p]!] = p < objects ? ObjectState.present : BACKGROUND_INDEX;
  }

  /** Applies one bucket's events (in order) through TRANSITIONS; anomalies are counted, never thrown. */
  apply(batch: EventBatch): void {
    const { kinds, objects, length } = batch;
    if (!Number.isInteger(length) || length < 0 || length > kinds.length || length > objects.length) {
      throw new Error(`An event batch says it holds ${length} events but has ${kinds.length} kinds and ${objects.length} objects`);
    }
    const stats = [this.dirtyLength, 0];
    if (this.pixelCounts === undefined) {
      applyDirect(this.states, kinds, objects, length, this.anomalies, this.moves, this.dirtyMark, this.dirtyList, stats);
    } else if (this.objects * this.pixels <= DeletionCanvas.exactProductLimit) {
      applyMixed(this.states, kinds, objects, length, this.pixels, this.pixelCounts, this.anomalies, this.moves, this.dirtyMark, this.dirtyList, stats);
    } else {
      applyMixedHuge(this, this.states, kinds, objects, length, this.pixelCounts, this.anomalies, this.moves, this.dirtyMark, this.dirtyList, stats);
    }
    this.dirtyLength = stats[0]!;
    this.skippedEvents += stats[1]!;
    this.frameEvents += length - stats[1]!;
    const moves = this.moves;
    for (let i = 0; i < MOVES; i++) {
      const m = moves[i]!;
      if (m === 0) continue;
      this.totals[Math.floor(i / STATE_COUNT)]! -= m;
      this.totals[i % STATE_COUNT]! += m;
      this.frameMoves[i]! += m;
      moves[i] = 0;
    }
    let anomalies = 0;
    for (const a of this.anomalies) anomalies += a;
    this.anomalyTotal = anomalies;
  }

  /** The rectangle changed since the previous frame() call (the first call: the whole image). */
  frame(bucketStart: number): FramePatch {
    const size = this.width;
    const image = this.current;
    const base = this.headerHeight * size;
    const offsets = this.layout.offsets;
    const list = this.dirtyList;
    const mark = this.dirtyMark;
    const counts = this.pixelCounts;
    const states = this.states;
    // Recolour the touched pixels; keep in `list` the image offsets whose colour changed.
    let changed = 0;
    let x0 = size;
    let y0 = this.height;
    let x1 = -1;
    let y1 = -1;
    for (let i = 0; i < this.dirtyLength; i++) {
      const p = list[i]!;
      mark[p] = 0;
      const colour = counts === undefined ? states[p]! : mixIndex(counts, p * STATE_COUNT);
      const offset = base + offsets[p]!;
      if (image[offset] === colour) continue;
      image[offset] = colour;
      list[changed++] = offset;
      const y = Math.floor(offset / size);
      const x = offset - y * size;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    this.dirtyLength = 0;
    const first = this.frameIndex === 0;
    if (first) this.firstBucket = bucketStart;
    // The header band: drawn afresh, compared with the last frame's.
    let headerChanges: Uint32Array | undefined;
    if (this.header && this.headerScratch) {
      const scratch = this.headerScratch;
      this.header.draw({ pixels: scratch, stride: size, width: size, height: this.headerHeight }, this.headerValues(bucketStart));
      headerChanges = new Uint32Array(countDifferences(scratch, image));
      let n = 0;
      for (let offset = 0; offset < scratch.length; offset++) {
        if (scratch[offset] === image[offset]) continue;
        image[offset] = scratch[offset]!;
        headerChanges[n++] = offset;
        const y = Math.floor(offset / size);
        const x = offset - y * size;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
    const patch: FramePatch = {
      index: this.frameIndex++,
      bucketStart,
      x: 0,
      y: 0,
      width: 0,
      height: 0,
      pixels: new Uint8Array(0),
      counts: this.counts(),
      anomalies: this.anomalyTotal,
      events: this.frameEvents,
    };
    if (first) {
      patch.width = size;
      patch.height = this.height;
      patch.pixels = image.slice();
    } else if (x1 >= 0) {
      const width = x1 - x0 + 1;
      const height = y1 - y0 + 1;
      const pixels = new Uint8Array(width * height).fill(TRANSPARENT_INDEX);
      const copy = (offset: number) => {
        const y = Math.floor(offset / size);
        pixels[(y - y0) * width + (offset - y * size - x0)] = image[offset]!;
      };
      for (let i = 0; i < changed; i++) copy(list[i]!);
      if (headerChanges) for (const offset of headerChanges) copy(offset);
      Object.assign(patch, { x: x0, y: y0, width, height, pixels });
    }
    this.frameEvents = 0;
    this.frameMoves.fill(0);
    this.previousBucket = bucketStart;
    return patch;
  }

  /** Objects per state (STATE_NAMES order), including events applied since the last frame. */
  counts(): number[] {
    return Array.from(this.totals);
  }

  /** Anomalies by (state, kind): index state * EVENT_KIND_COUNT + kind. A copy. */
  anomalyCounts(): Uint32Array {
    return this.anomalies.slice();
  }

  /** The objects a pixel covers (undefined for background, the header band, or outside the image). */
  pixelObjects(x: number, y: number): PixelObjects | undefined {
    const size = this.width;
    if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || x >= size || y < this.headerHeight || y >= this.height) return undefined;
    const p = this.layout.positions[(y - this.headerHeight) * size + x]!;
    if (this.pixelCounts === undefined) return p < this.objects ? { firstObject: p, endObject: p + 1 } : undefined;
    return { firstObject: this.pixelStart(p), endObject: this.pixelStart(p + 1) };
  }

  /** The image as of the last frame() (before the first: the initial state, no header text), palette indices, width × height. A copy. */
  image(): Uint8Array {
    return this.current.slice();
  }

  /** The pixel (layout position) that shows object o. */
  pixelOf(o: number): number {
    if (this.pixelCounts === undefined) return o;
    // Estimate, then step to the pixel whose run holds o (floating point is off by at most one here).
    let p = Math.min(this.pixels - 1, Math.floor((o / this.objects) * this.pixels));
    while (p + 1 < this.pixels && this.pixelStart(p + 1) <= o) p++;
    while (p > 0 && this.pixelStart(p) > o) p--;
    return p;
  }

  /** ⌊p·N/P⌋, exactly: p·quotient + ⌊p·remainder/P⌋, both parts below 2^53. */
  pixelStart(p: number): number {
    return p * this.quotient + Math.floor((p * this.remainder) / this.pixels);
  }

  private headerValues(bucketStart: number) {
    const bucketMs = this.options.bucketMs ?? (this.previousBucket === undefined ? undefined : bucketStart - this.previousBucket);
    let deletions = 0;
    for (let from = 0; from < STATE_COUNT; from++) {
      for (let to = 0; to < STATE_COUNT; to++) if (to !== ObjectState.transitioned) deletions += this.frameMoves[from * STATE_COUNT + to]!;
    }
    return {
      bucketStart,
      elapsedMs: bucketStart - (this.firstBucket ?? bucketStart),
      deletionsPerSecond: bucketMs !== undefined && bucketMs > 0 ? deletions / (bucketMs / 1000) : undefined,
      counts: this.totals,
      anomalies: this.anomalyTotal,
    };
  }
}

function countDifferences(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

// The hot loops: module-level functions over typed arrays only, so V8 keeps them monomorphic.
// stats: [dirty list length (in and out), events skipped (out)].

function applyDirect(
  states: Uint8Array,
  kinds: Uint8Array,
  objects: Uint32Array,
  length: number,
  anomalies: Uint32Array,
  moves: Uint32Array,
  mark: Uint8Array,
  list: Uint32Array,
  stats: number[],
): void {
  const n = states.length;
  let dirty = stats[0]!;
  let skipped = 0;
  for (let i = 0; i < length; i++) {
    const o = objects[i]!;
    const k = kinds[i]!;
    if (o >= n || k >= EVENT_KIND_COUNT) {
      skipped++;
      continue;
    }
    const s = states[o]!;
    let t = TRANSITIONS[s * EVENT_KIND_COUNT + k]!;
    if (t >= ANOMALY_BIT) {
      anomalies[s * EVENT_KIND_COUNT + k]!++;
      t -= ANOMALY_BIT;
    }
    if (t !== s) {
      states[o] = t;
      moves[s * STATE_COUNT + t]!++;
      if (mark[o] === 0) {
        mark[o] = 1;
        list[dirty++] = o;
      }
    }
  }
  stats[0] = dirty;
  stats[1] = skipped;
}

function applyMixed(
  states: Uint8Array,
  kinds: Uint8Array,
  objects: Uint32Array,
  length: number,
  pixels: number,
  counts: Uint32Array,
  anomalies: Uint32Array,
  moves: Uint32Array,
  mark: Uint8Array,
  list: Uint32Array,
  stats: number[],
): void {
  const n = states.length;
  let dirty = stats[0]!;
  let skipped = 0;
  for (let i = 0; i < length; i++) {
    const o = objects[i]!;
    const k = kinds[i]!;
    if (o >= n || k >= EVENT_KIND_COUNT) {
      skipped++;
      continue;
    }
    const s = states[o]!;
    let t = TRANSITIONS[s * EVENT_KIND_COUNT + k]!;
    if (t >= ANOMALY_BIT) {
      anomalies[s * EVENT_KIND_COUNT + k]!++;
      t -= ANOMALY_BIT;
    }
    if (t !== s) {
      states[o] = t;
      moves[s * STATE_COUNT + t]!++;
      // The last p with ⌊p·N/P⌋ ≤ o: exact, as (o+1)·P ≤ N·P stays below 2^53.
      const p = Math.floor(((o + 1) * pixels - 1) / n);
      const b = p * STATE_COUNT;
      counts[b + s]!--;
      counts[b + t]!++;
      if (mark[p] === 0) {
        mark[p] = 1;
        list[dirty++] = p;
      }
    }
  }
  stats[0] = dirty;
  stats[1] = skipped;
}

/** As applyMixed, when N·P passes 2^53 (billions of objects on more than ~2 million pixels): the pixel found by exact steps. */
function applyMixedHuge(
  canvas: DeletionCanvas,
  states: Uint8Array,
  kinds: Uint8Array,
  objects: Uint32Array,
  length: number,
  counts: Uint32Array,
  anomalies: Uint32Array,
  moves: Uint32Array,
  mark: Uint8Array,
  list: Uint32Array,
  stats: number[],
): void {
  const n = states.length;
  let dirty = stats[0]!;
  let skipped = 0;
  for (let i = 0; i < length; i++) {
    const o = objects[i]!;
    const k = kinds[i]!;
    if (o >= n || k >= EVENT_KIND_COUNT) {
      skipped++;
      continue;
    }
    const s = states[o]!;
    let t = TRANSITIONS[s * EVENT_KIND_COUNT + k]!;
    if (t >= ANOMALY_BIT) {
      anomalies[s * EVENT_KIND_COUNT + k]!++;
      t -= ANOMALY_BIT;
    }
    if (t !== s) {
      states[o] = t;
      moves[s * STATE_COUNT + t]!++;
      const p = canvas.pixelOf(o);
      const b = p * STATE_COUNT;
      counts[b + s]!--;
      counts[b + t]!++;
      if (mark[p] === 0) {
        mark[p] = 1;
        list[dirty++] = p;
      }
    }
  }
  stats[0] = dirty;
  stats[1] = skipped;
}

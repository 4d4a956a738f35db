// STUB (H4's worktree only): the shared API of H3's deletionRender.ts, with a fake producer of frames
// and progress so the player can be built and tried before H3 lands. On merging main, take H3's file
// as it is (`git checkout --theirs`).

import type { TemplateRunner } from '../engines/runner';
import {
  STATE_COUNT,
  STATE_NAMES,
  TRANSPARENT_INDEX,
  type EventKindName,
  type FramePatch,
  type LayoutName,
  type SegmentInterval,
  type StateName,
} from '../core/deletion/model';
import type { DeletionPartition, DeletionProgress } from '../core/deletion/partitions';

export interface RenderDeletionOptions {
  runner: TemplateRunner;
  bucket?: string;
  inventoryDt?: string;
  size: number;
  granularity: 'minute' | 'hour' | 'day';
  layout: LayoutName;
  segmentBy: { by: 'characters'; length: number } | { by: 'path'; depth: number };
  header?: boolean;
  signal?: AbortSignal;
  onStart?: (info: {
    width: number;
    height: number;
    palette: ReadonlyArray<readonly [number, number, number]>;
    objects: number;
    frames: number;
    firstBucket: number;
    lastBucket: number;
    segments: SegmentInterval[];
  }) => void | Promise<void>;
  onFrame?: (patch: FramePatch, progress: DeletionProgress) => void | Promise<void>;
  gifPath?: string;
  gifDelayMs?: number;
  onProgress?: (step: string) => void;
}

export interface DeletionRenderResult {
  width: number;
  height: number;
  frames: number;
  objects: number;
  firstBucket?: number;
  lastBucket?: number;
  bucket: string;
  inventoryDt?: string;
  granularity: 'minute' | 'hour' | 'day';
  events: number;
  totals: Record<StateName, number>;
  anomalies: { state: StateName; kind: EventKindName; count: number; description: string }[];
  progress: DeletionProgress;
  partitions: (DeletionPartition & { firstKey?: string; lastKey?: string })[];
  describePixel(x: number, y: number): Promise<{ segmentPrefix: string; firstKey: string; lastKey: string; objects: number } | undefined>;
  notes: string[];
  dispose(): Promise<string[]>;
}

const FAKE_PALETTE: [number, number, number][] = [
  [46, 160, 67],
  [56, 139, 253],
  [227, 179, 65],
  [218, 54, 51],
  [24, 24, 24],
];
const FAKE_FRAMES = 72;
const FAKE_PARTITIONS = 4;
const HOUR = 3_600_000;

/** A fake deletion: each of four key ranges is marked, expired and cleaned on a schedule of its own. */
export async function renderDeletion(options: RenderDeletionOptions): Promise<DeletionRenderResult> {
  const size = Math.min(options.size, 256);
  const objects = Math.floor(size * size * 0.9);
  const firstBucket = Date.UTC(2025, 0, 6);
  const segments: SegmentInterval[] = [];
  const perSegment = 1000;
  for (let first = 0, s = 0; first < objects; first += perSegment, s++)
    segments.push({
      segment: s + 1,
      prefix: `tenant-${String(s).padStart(3, '0')}/`,
      keys: Math.min(perSegment, objects - first),
      first,
      firstKey: `tenant-${String(s).padStart(3, '0')}/a`,
      lastKey: `tenant-${String(s).padStart(3, '0')}/z`,
    });
  await options.onStart?.({
    width: size,
    height: size,
    palette: FAKE_PALETTE,
    objects,
    frames: FAKE_FRAMES,
    firstBucket,
    lastBucket: firstBucket + (FAKE_FRAMES - 1) * HOUR,
    segments,
  });
  const state = new Uint8Array(objects);
  const image = new Uint8Array(size * size).fill(TRANSPARENT_INDEX);
  const partitionOf = (o: number) => Math.floor((o * FAKE_PARTITIONS) / objects);
  const startOf = (p: number) => 4 + p * 9;
  const counts = () => {
    const c = new Array<number>(STATE_COUNT).fill(0);
    for (const s of state) c[s]!++;
    return c;
  };
  let progress: DeletionProgress = { partitions: [], complete: false, notes: [] };
  for (let f = 0; f < FAKE_FRAMES; f++) {
    if (options.signal?.aborted) throw Object.assign(new Error('The render was cancelled.'), { name: 'AbortError' });
    let events = 0;
    let minX = size,
      minY = size,
      maxX = -1,
      maxY = -1;
    const next = new Uint8Array(image);
    for (let o = 0; o < objects; o++) {
      const p = partitionOf(o);
      const local = (o - Math.floor((p * objects) / FAKE_PARTITIONS)) / (objects / FAKE_PARTITIONS);
      const t = f - startOf(p) - local * 12;
      const target = t < 0 ? 0 : t < 10 ? 2 : t < 20 ? 3 : 4;
      if (target !== state[o]) {
        state[o] = target;
        events++;
      }
      const x = o % size;
      const y = Math.floor(o / size);
      next[o] = state[o]!;
      if (next[o] !== image[o] || f === 0) {
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
      }
    }
    let patch: FramePatch;
    const base = { index: f, bucketStart: firstBucket + f * HOUR, counts: counts(), anomalies: 0, events };
    if (maxX < 0) patch = { ...base, x: 0, y: 0, width: 0, height: 0, pixels: new Uint8Array(0) };
    else {
      const width = maxX - minX + 1;
      const height = maxY - minY + 1;
      const pixels = new Uint8Array(width * height).fill(TRANSPARENT_INDEX);
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) {
          const o = (minY + y) * size + minX + x;
          if (f === 0 || next[o] !== image[o]) pixels[y * width + x] = next[o]!;
        }
      patch = { ...base, x: minX, y: minY, width, height, pixels };
    }
    image.set(next);
    progress = fakeProgress(state, objects, f, firstBucket);
    await options.onFrame?.(patch, progress);
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  const totals = Object.fromEntries(STATE_NAMES.map((name, i) => [name, counts()[i]!])) as Record<StateName, number>;
  return {
    width: size,
    height: size,
    frames: FAKE_FRAMES,
    objects,
    firstBucket,
    lastBucket: firstBucket + (FAKE_FRAMES - 1) * HOUR,
    totals,
    anomalies: [{ state: 'gone', kind: 'expire_marker', count: 3, description: 'expire_marker on a gone object' }],
    progress,
    partitions: progress.partitions.map((p) => ({
      ...p,
      firstKey: segments[Math.floor(p.firstObject / perSegment)]?.firstKey,
      lastKey: segments[Math.floor((p.endObject - 1) / perSegment)]?.lastKey,
    })),
    bucket: options.bucket ?? 'fake',
    granularity: options.granularity,
    events: 0,
    notes: [],
    dispose: async () => [],
    describePixel: async (x, y) => {
      const o = y * size + x;
      if (x < 0 || y < 0 || x >= size || o >= objects) return undefined;
      const segment = segments[Math.floor(o / perSegment)]!;
      return { segmentPrefix: segment.prefix, firstKey: segment.firstKey!, lastKey: segment.lastKey!, objects: 1 };
    },
  };
}

function fakeProgress(state: Uint8Array, objects: number, frame: number, firstBucket: number): DeletionProgress {
  const partitions: DeletionPartition[] = [];
  for (let p = 0; p < FAKE_PARTITIONS; p++) {
    const firstObject = Math.floor((p * objects) / FAKE_PARTITIONS);
    const endObject = Math.floor(((p + 1) * objects) / FAKE_PARTITIONS);
    const done = [0, 0, 0];
    for (let o = firstObject; o < endObject; o++) {
      const s = state[o]!;
      if (s >= 2) done[0]!++;
      if (s >= 3) done[1]!++;
      if (s >= 4) done[2]!++;
    }
    const total = endObject - firstObject;
    const kinds = ['delete_marker', 'expire_version', 'expire_marker'] as const;
    const phases = kinds.map((kind, i) => ({ kind, done: done[i]!, total, ratePerHour: total / 12 }));
    const finished = done[2] === total;
    partitions.push({
      index: p,
      firstObject,
      endObject,
      objects: total,
      phases,
      finished,
      ...(finished ? {} : { estimatedEnd: firstBucket + (4 + p * 9 + 32) * HOUR }),
    });
  }
  const complete = partitions.every((p) => p.finished);
  const end = firstBucket + (4 + 3 * 9 + 32) * HOUR;
  return {
    partitions,
    complete,
    firstEvent: firstBucket + 4 * HOUR,
    lastEvent: firstBucket + frame * HOUR,
    ...(complete ? {} : { estimatedEnd: { time: end, low: end - 3 * HOUR, high: end + 5 * HOUR } }),
    notes: complete ? [] : ['A fake deletion, for building the player.'],
  };
}

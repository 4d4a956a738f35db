// Puts the rows of `grouped_events` back in time order, whatever order the engine gave them in
// (Athena interleaves its output: the seed saw the end of the 22:00 group after the start of the
// 23:00 group), drops rows delivered twice, and replays them as one EventBatch per time bucket.
//
// Rows are held in memory up to a bound; past it they spill to a temporary file, which is cut by
// time range (consecutive buckets, each range within the bound) and replayed range by range, so
// memory stays bounded whatever the number of events. A single bucket over the bound is replayed
// in several batches of the same bucket, one kind after another.

import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventKind, type EventBatch } from './model';

/**
 * The order of a bucket's events. Within an hour the log's own order is lost, but an object's
 * lifecycle only moves forward: a transition comes before its expiry (S3 transitions first, AWS
 * "How S3 Lifecycle interacts with other bucket configurations"), the marker before the noncurrent
 * versions expire, and they before the marker goes. An unversioned expiry is last.
 */
export const KIND_ORDER: readonly EventKind[] = [
  EventKind.transition,
  EventKind.deleteMarker,
  EventKind.expireVersion,
  EventKind.expireMarker,
  EventKind.expireObject,
];
const KIND_RANK = (() => {
  const rank = new Uint8Array(KIND_ORDER.length);
  KIND_ORDER.forEach((kind, i) => (rank[kind] = i));
  return rank;
})();

/** One row of grouped_events with its indexes made object ordinals. */
export interface GroupedEventRow {
  /** The time bucket's start, ms since the epoch (UTC), on the bucket grid. */
  bucketStart: number;
  kind: EventKind;
  segment: number;
  /** The object ordinals, one per event (an ordinal may repeat: an object's several versions). */
  objects: Uint32Array;
}

export interface EventOrderOptions {
  /** Events held in memory before the rows spill to temporary files; also the most one replayed batch holds. Default 8M (about 40 MB). */
  memoryEvents?: number;
  /** Where the spill files go (a folder of their own is made in it); the system's temporary folder by default. */
  tempDir?: string;
  signal?: AbortSignal;
}

export interface EventOrderSummary {
  /** The first and last buckets with an event; undefined when there are none. */
  firstBucket?: number;
  lastBucket?: number;
  /** Rows and events as given, rows delivered twice included. */
  rows: number;
  events: number;
  /** Whether the rows went to temporary files. */
  spilled: boolean;
}

export const DEFAULT_MEMORY_EVENTS = 8_000_000;
/** What a row costs besides its events, in events, for the memory bound. */
const ROW_COST = 16;
/** A spill record's header: bucketStart f64, kind u32, segment u32, count u32. */
const HEADER_BYTES = 20;
/** Buffered spill bytes written out at once. */
const FLUSH_BYTES = 4 << 20;

interface Range {
  firstBucket: number;
  lastBucket: number;
  events: number;
  file: string;
}

export class EventOrder {
  private readonly memoryEvents: number;
  private memory: GroupedEventRow[] = [];
  private memoryCost = 0;
  private readonly perBucket = new Map<number, number>();
  private rows = 0;
  private events = 0;
  private dir: string | undefined;
  private raw: SpillWriter | undefined;
  private ranges: Range[] | undefined;
  private finished = false;
  /** Rows dropped on replay because the same row came before (a line of the result delivered twice). */
  duplicateRows = 0;

  constructor(private readonly options: EventOrderOptions = {}) {
    this.memoryEvents = Math.max(1, Math.floor(options.memoryEvents ?? DEFAULT_MEMORY_EVENTS));
  }

  async add(row: GroupedEventRow): Promise<void> {
    if (this.finished) throw new Error('EventOrder.add after finish');
    if (row.objects.length === 0) return;
    this.rows++;
    this.events += row.objects.length;
    this.perBucket.set(row.bucketStart, (this.perBucket.get(row.bucketStart) ?? 0) + row.objects.length);
    if (this.raw) {
      await this.raw.write(row);
      return;
    }
    this.memory.push(row);
    this.memoryCost += row.objects.length + ROW_COST;
    if (this.memoryCost > this.memoryEvents) {
      // Past the bound: everything so far, and every row from now on, goes to one file.
      this.dir = await mkdtemp(join(this.options.tempDir ?? tmpdir(), 's3ls-deletion-'));
      this.raw = new SpillWriter(join(this.dir, 'rows.bin'));
      for (const held of this.memory) await this.raw.write(held);
      this.memory = [];
      this.memoryCost = 0;
    }
  }

  /** Every row is in: cuts the spill file (if any) into time ranges. */
  async finish(): Promise<EventOrderSummary> {
    if (this.finished) throw new Error('EventOrder.finish called twice');
    this.finished = true;
    const buckets = [...this.perBucket.keys()].sort((a, b) => a - b);
    if (this.raw) {
      await this.raw.close();
      this.ranges = await this.cutIntoRanges(buckets);
    }
    return { firstBucket: buckets[0], lastBucket: buckets.at(-1), rows: this.rows, events: this.events, spilled: this.raw !== undefined };
  }

  /** The events in time order: one batch per bucket (several for a bucket over the memory bound), each in KIND_ORDER. */
  async *batches(): AsyncGenerator<EventBatch> {
    if (!this.finished) throw new Error('EventOrder.batches before finish');
    if (!this.ranges) {
      yield* this.replay(this.memory);
      this.memory = [];
      return;
    }
    for (const range of this.ranges) {
      this.options.signal?.throwIfAborted();
      if (range.events <= this.memoryEvents || range.firstBucket !== range.lastBucket) {
        yield* this.replay(await readRows(range.file));
      } else {
        yield* this.replayLargeBucket(range);
      }
      await rm(range.file, { force: true });
    }
  }

  /** Removes the spill files. */
  async dispose(): Promise<void> {
    await this.raw?.close().catch(() => undefined);
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  /** Consecutive buckets grouped so that each range holds at most memoryEvents events (or is a single bucket). */
  private async cutIntoRanges(buckets: number[]): Promise<Range[]> {
    const ranges: Range[] = [];
    for (const bucket of buckets) {
      const events = this.perBucket.get(bucket)!;
      const last = ranges.at(-1);
      if (last && last.events + events <= this.memoryEvents) {
        last.lastBucket = bucket;
        last.events += events;
      } else ranges.push({ firstBucket: bucket, lastBucket: bucket, events, file: join(this.dir!, `range-${ranges.length}.bin`) });
    }
    const firsts = Float64Array.from(ranges, (r) => r.firstBucket);
    const writers = ranges.map((r) => new SpillWriter(r.file));
    let buffered = 0;
    for await (const row of readRecords(this.raw!.path, this.options.signal)) {
      let lo = 0;
      let hi = firsts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (firsts[mid]! <= row.bucketStart) lo = mid;
        else hi = mid - 1;
      }
      writers[lo]!.buffer(row);
      buffered += HEADER_BYTES + row.objects.byteLength;
      if (buffered > FLUSH_BYTES) {
        for (const writer of writers) await writer.flush();
        buffered = 0;
      }
    }
    for (const writer of writers) await writer.close();
    await rm(this.raw!.path, { force: true });
    return ranges;
  }

  /** Rows of whole buckets, in any order: sorted, rows given twice dropped, one batch per bucket. */
  private *replay(rows: GroupedEventRow[]): Generator<EventBatch> {
    rows.sort(
      (a, b) => a.bucketStart - b.bucketStart || KIND_RANK[a.kind]! - KIND_RANK[b.kind]! || a.segment - b.segment || compareOrdinals(a.objects, b.objects),
    );
    let start = 0;
    while (start < rows.length) {
      this.options.signal?.throwIfAborted();
      const bucketStart = rows[start]!.bucketStart;
      let end = start;
      const kept: GroupedEventRow[] = [];
      let length = 0;
      for (; end < rows.length && rows[end]!.bucketStart === bucketStart; end++) {
        const row = rows[end]!;
        const previous = kept.at(-1);
        // Sorted by content too: a row given twice sits right after its first copy.
        if (previous && previous.kind === row.kind && previous.segment === row.segment && compareOrdinals(previous.objects, row.objects) === 0) {
          this.duplicateRows++;
          continue;
        }
        kept.push(row);
        length += row.objects.length;
      }
      yield batchOf(bucketStart, kept, length);
      start = end;
    }
  }

  /** A bucket with more events than the bound: read once per kind, in batches of at most memoryEvents. */
  private async *replayLargeBucket(range: Range): AsyncGenerator<EventBatch> {
    let chunk: GroupedEventRow[] = [];
    let length = 0;
    for (const kind of KIND_ORDER) {
      const seen = new Map<number, Set<string>>();
      for await (const row of readRecords(range.file, this.options.signal)) {
        if (row.kind !== kind) continue;
        const fingerprint = fingerprintOf(row.objects);
        const ofSegment = seen.get(row.segment) ?? new Set<string>();
        seen.set(row.segment, ofSegment);
        if (ofSegment.has(fingerprint)) {
          this.duplicateRows++;
          continue;
        }
        ofSegment.add(fingerprint);
        if (length > 0 && length + row.objects.length > this.memoryEvents) {
          yield batchOf(range.firstBucket, chunk, length);
          chunk = [];
          length = 0;
        }
        chunk.push(row);
        length += row.objects.length;
      }
    }
    if (length > 0) yield batchOf(range.firstBucket, chunk, length);
  }
}

function compareOrdinals(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** Two independent 32-bit hashes and the length: rows of one segment, kind and bucket that differ never meet under GROUP BY, so this only has to tell copies apart from nothing. */
function fingerprintOf(objects: Uint32Array): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < objects.length; i++) {
    const v = objects[i]!;
    h1 = Math.imul(h1 ^ v, 0x01000193);
    h2 = Math.imul(h2 ^ (v + i), 0x5bd1e995) ^ (h2 >>> 13);
  }
  return `${objects.length}:${(h1 >>> 0).toString(36)}:${(h2 >>> 0).toString(36)}`;
}

function batchOf(bucketStart: number, rows: GroupedEventRow[], length: number): EventBatch {
  const kinds = new Uint8Array(length);
  const objects = new Uint32Array(length);
  let at = 0;
  for (const row of rows) {
    kinds.fill(row.kind, at, at + row.objects.length);
    objects.set(row.objects, at);
    at += row.objects.length;
  }
  return { bucketStart, kinds, objects, length };
}

function encodeHeader(row: GroupedEventRow): Buffer {
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeDoubleLE(row.bucketStart, 0);
  header.writeUInt32LE(row.kind, 8);
  header.writeUInt32LE(row.segment >>> 0, 12);
  header.writeUInt32LE(row.objects.length, 16);
  return header;
}

/** The ordinals as they are in memory: the spill files are written and read back by this process only. */
function ordinalBytes(objects: Uint32Array): Buffer {
  return Buffer.from(objects.buffer, objects.byteOffset, objects.byteLength);
}

/** Appends records to a file, buffered; the file is opened only to flush, so a spill cut into many ranges keeps no descriptors open. */
class SpillWriter {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private created = false;

  constructor(readonly path: string) {}

  buffer(row: GroupedEventRow): void {
    this.chunks.push(encodeHeader(row), ordinalBytes(row.objects));
    this.bytes += HEADER_BYTES + row.objects.byteLength;
  }

  async write(row: GroupedEventRow): Promise<void> {
    this.buffer(row);
    if (this.bytes > FLUSH_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.chunks.length === 0 && this.created) return;
    const handle = await open(this.path, 'a');
    try {
      if (this.chunks.length > 0) await handle.write(Buffer.concat(this.chunks, this.bytes));
    } finally {
      await handle.close();
    }
    this.created = true;
    this.chunks = [];
    this.bytes = 0;
  }

  close(): Promise<void> {
    return this.flush();
  }
}

function decodeOrdinals(source: Buffer, offset: number, count: number): Uint32Array {
  const objects = new Uint32Array(count);
  source.copy(Buffer.from(objects.buffer), 0, offset, offset + count * 4);
  return objects;
}

/** A whole (range) file's rows. */
async function readRows(path: string): Promise<GroupedEventRow[]> {
  const data = await readFile(path);
  const rows: GroupedEventRow[] = [];
  for (let at = 0; at < data.length;) {
    const count = data.readUInt32LE(at + 16);
    rows.push({
      bucketStart: data.readDoubleLE(at),
      kind: data.readUInt32LE(at + 8) as EventKind,
      segment: data.readUInt32LE(at + 12),
      objects: decodeOrdinals(data, at + HEADER_BYTES, count),
    });
    at += HEADER_BYTES + count * 4;
  }
  return rows;
}

/** A file's rows streamed in chunks: memory is the chunk and the row being read. */
async function* readRecords(path: string, signal?: AbortSignal): AsyncGenerator<GroupedEventRow> {
  const handle = await open(path, 'r');
  try {
    let buffer = Buffer.alloc(FLUSH_BYTES);
    let filled = 0;
    let at = 0;
    let position = 0;
    let eof = false;
    const ensure = async (bytes: number): Promise<boolean> => {
      while (filled - at < bytes && !eof) {
        if (at > 0) {
          buffer.copy(buffer, 0, at, filled);
          filled -= at;
          at = 0;
        }
        if (buffer.length < bytes) {
          const grown = Buffer.alloc(bytes);
          buffer.copy(grown, 0, 0, filled);
          buffer = grown;
        }
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position);
        if (bytesRead === 0) eof = true;
        filled += bytesRead;
        position += bytesRead;
      }
      return filled - at >= bytes;
    };
    while (await ensure(HEADER_BYTES)) {
      signal?.throwIfAborted();
      const count = buffer.readUInt32LE(at + 16);
      const bucketStart = buffer.readDoubleLE(at);
      const kind = buffer.readUInt32LE(at + 8) as EventKind;
      const segment = buffer.readUInt32LE(at + 12);
      if (!(await ensure(HEADER_BYTES + count * 4))) throw new Error(`the spill file ${path} ends inside a record`);
      yield { bucketStart, kind, segment, objects: decodeOrdinals(buffer, at + HEADER_BYTES, count) };
      at += HEADER_BYTES + count * 4;
    }
    if (filled - at > 0) throw new Error(`the spill file ${path} ends inside a record`);
  } finally {
    await handle.close();
  }
}

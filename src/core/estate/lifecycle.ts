// When a lifecycle rule expires the objects of the unused prefixes, S3 does not work through them
// in one sweep: "each of the underlying storage partitions executes the lifecycle policies
// independently, and these partitions are a function of the object key" (the write-up in
// ../shared/seeds). S3 keeps its key index "in UTF-8 binary ordering across multiple partitions in
// the index. The key name determines which partition the key is stored in" (AWS, the former
// "Request Rate and Performance Considerations"), and splits it at points of the key space ("a
// partitioned prefix", AWS's "Best practices design patterns: optimizing Amazon S3 performance";
// the Knowledge Center's "prefixes and nested folders": partitions form at any point in the prefix
// string). So a partition here is a contiguous range of keys in byte order, of uneven size; each
// one sweeps its keys in key order, from its own start time and at its own pace, through the three
// phases — delete marker, noncurrent version expired, expired delete marker removed — and the
// partitions' streams are merged in time order.
//
// Keys are put in order without holding them: a prefix's keys are sorted when its objects are added
// (one prefix's strings at a time), the prefixes are then merged by their first and last keys, and
// only where two prefixes' key ranges interleave are keys computed again, to compare them.

import { Random } from '../random';
import { compareKeys } from '../s3keys';
import { DAY_MS, HOUR_MS } from '../time';

/** At most this many partitions; fewer when there are few objects. */
export const LIFECYCLE_PARTITIONS = 16;
/** A partition holds at least this many objects (when there are that many). */
const MIN_PARTITION_OBJECTS = 8;

export interface LifecycleEvent {
  time: number;
  /** 0: S3.CREATE.DELETEMARKER; 1: S3.EXPIRE.OBJECT of the noncurrent data; 2: S3.EXPIRE.OBJECT of the marker. */
  phase: 0 | 1 | 2;
  group: number;
  index: number;
}

/** One partition of the lifecycle deletion: a range of ranks in key order, and its schedule. */
export interface LifecyclePartition {
  index: number;
  /** The first rank (position in key order among the objects being deleted). */
  first: number;
  objects: number;
  firstKey: string;
  lastKey: string;
  /** Per phase: when its first object's event happens and when its last one's does (ms). */
  phases: [PhaseSpan, PhaseSpan, PhaseSpan];
}

export interface PhaseSpan {
  start: number;
  end: number;
}

class IntList {
  private data = new Int32Array(1024);
  length = 0;
  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
  at(i: number): number {
    return this.data[i]!;
  }
}

/** A prefix's objects: a run of `order` (its indexes, sorted by key) and its key range. */
interface GroupBlock {
  group: number;
  offset: number;
  length: number;
  firstKey: string;
  lastKey: string;
}

interface Cursor {
  partition: number;
  phase: 0 | 1 | 2;
  rank: number;
  time: number;
}

export class LifecycleSchedule {
  /** Object indexes, prefix by prefix, each prefix's sorted by key. */
  private readonly order = new IntList();
  private readonly blocks: GroupBlock[] = [];
  private pending: { group: number; indexes: number[]; keys: string[] } | undefined;
  /** After `finish()`: the (group, index) of the object of each rank, in key order. */
  private rankGroups = new Int32Array(0);
  private rankIndexes = new Int32Array(0);
  private partitionList: LifecyclePartition[] | undefined;
  private steps: number[] = [];

  /**
   * `startMs`: when the rule first runs (the end of the as-of day). `keyOf` gives an object's key
   * again where two prefixes' key ranges interleave.
   */
  constructor(
    private readonly seed: number,
    private readonly startMs: number,
    private readonly keyOf: (group: number, index: number) => string,
  ) {}

  /** Adds an object; all of a prefix's objects come one after another. */
  add(group: number, index: number, key: string): void {
    if (this.partitionList) throw new Error('the lifecycle schedule is already complete');
    if (this.pending?.group !== group) {
      this.flushGroup();
      if (this.blocks.some((b) => b.group === group)) throw new Error(`the objects of prefix ${group} must be added one after another`);
      this.pending = { group, indexes: [], keys: [] };
    }
    this.pending.indexes.push(index);
    this.pending.keys.push(key);
  }

  get size(): number {
    return this.partitionList ? this.rankGroups.length : this.order.length + (this.pending?.indexes.length ?? 0);
  }

  /** The partitions: contiguous key ranges, uneven in size, each with its own schedule. */
  partitions(): LifecyclePartition[] {
    return this.finish();
  }

  *events(): Generator<LifecycleEvent> {
    const partitions = this.finish();
    const heap: Cursor[] = [];
    const less = (a: Cursor, b: Cursor) =>
      a.time < b.time || (a.time === b.time && (a.partition < b.partition || (a.partition === b.partition && a.phase < b.phase)));
    const push = (c: Cursor) => {
      heap.push(c);
      let i = heap.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!less(heap[i]!, heap[parent]!)) break;
        [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
        i = parent;
      }
    };
    const pop = (): Cursor => {
      const top = heap[0]!;
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
          if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
          if (m === i) break;
          [heap[i], heap[m]] = [heap[m]!, heap[i]!];
          i = m;
        }
      }
      return top;
    };
    for (const p of partitions) for (const phase of [0, 1, 2] as const) push({ partition: p.index, phase, rank: 0, time: this.timeOf(p, phase, 0) });
    while (heap.length > 0) {
      const c = pop();
      const p = partitions[c.partition]!;
      const rank = p.first + c.rank;
      yield { time: c.time, phase: c.phase, group: this.rankGroups[rank]!, index: this.rankIndexes[rank]! };
      if (c.rank + 1 < p.objects) push({ ...c, rank: c.rank + 1, time: this.timeOf(p, c.phase, c.rank + 1) });
    }
  }

  private timeOf(p: LifecyclePartition, phase: 0 | 1 | 2, rank: number): number {
    return Math.floor(p.phases[phase].start + rank * this.steps[p.index]!);
  }

  private flushGroup(): void {
    const pending = this.pending;
    if (!pending || pending.indexes.length === 0) return;
    const byKey = pending.indexes.map((_, i) => i).sort((a, b) => compareKeys(pending.keys[a]!, pending.keys[b]!));
    const offset = this.order.length;
    for (const i of byKey) this.order.push(pending.indexes[i]!);
    this.blocks.push({
      group: pending.group,
      offset,
      length: byKey.length,
      firstKey: pending.keys[byKey[0]!]!,
      lastKey: pending.keys[byKey[byKey.length - 1]!]!,
    });
    this.pending = undefined;
  }

  private finish(): LifecyclePartition[] {
    if (this.partitionList) return this.partitionList;
    this.flushGroup();
    this.mergeBlocks();
    this.partitionList = this.schedulePartitions();
    return this.partitionList;
  }

  /** Puts every object in key order: blocks by first key, keys compared only where blocks interleave. */
  private mergeBlocks(): void {
    const total = this.order.length;
    const groups = new Int32Array(total);
    const indexes = new Int32Array(total);
    let out = 0;
    // A heap of blocks by their current key; a block is popped, emits every object before the next
    // block's current key (all of its rest at once when its last key is before that), and goes back.
    interface Head {
      block: GroupBlock;
      pos: number;
      key: string;
    }
    const heap: Head[] = this.blocks.map((block) => ({ block, pos: 0, key: block.firstKey }));
    const less = (a: Head, b: Head) => compareKeys(a.key, b.key) < 0;
    const siftDown = (i: number) => {
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
        if (m === i) return;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    };
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(i);
    const emit = (block: GroupBlock, pos: number) => {
      groups[out] = block.group;
      indexes[out] = this.order.at(block.offset + pos);
      out++;
    };
    while (heap.length > 0) {
      const head = heap[0]!;
      const { block } = head;
      // The smallest other head is one of the root's children.
      const next = heap.length < 2 ? undefined : heap.length < 3 || less(heap[1]!, heap[2]!) ? heap[1]! : heap[2]!;
      if (!next || compareKeys(block.lastKey, next.key) < 0) {
        for (let pos = head.pos; pos < block.length; pos++) emit(block, pos);
        const last = heap.pop()!;
        if (heap.length > 0) {
          heap[0] = last;
          siftDown(0);
        }
        continue;
      }
      emit(block, head.pos);
      let pos = head.pos + 1;
      let key = '';
      for (; pos < block.length; pos++) {
        key = this.keyOf(block.group, this.order.at(block.offset + pos));
        if (compareKeys(key, next.key) > 0) break;
        emit(block, pos);
      }
      if (pos === block.length) {
        const last = heap.pop()!;
        if (heap.length > 0) {
          heap[0] = last;
          siftDown(0);
        }
        continue;
      }
      head.pos = pos;
      head.key = key;
      siftDown(0);
    }
    this.rankGroups = groups;
    this.rankIndexes = indexes;
  }

  private schedulePartitions(): LifecyclePartition[] {
    const total = this.rankGroups.length;
    if (total === 0) return [];
    const random = new Random(this.seed, 0x1fec7c1e);
    const count = Math.max(1, Math.min(LIFECYCLE_PARTITIONS, Math.floor(total / MIN_PARTITION_OBJECTS)));
    // Uneven sizes: log-normal shares, none below a fifth of the typical one.
    const weights = Array.from({ length: count }, () => Math.max(0.2, random.logNormal(1, 0.8)));
    const weightSum = weights.reduce((a, b) => a + b, 0);
    const firsts: number[] = [];
    let cumulative = 0;
    for (let p = 0; p < count; p++) {
      const ideal = Math.round((total * cumulative) / weightSum);
      // At least one object each, and room left for the partitions after this one.
      firsts.push(p === 0 ? 0 : Math.min(Math.max(ideal, firsts[p - 1]! + 1), total - (count - p)));
      cumulative += weights[p]!;
    }
    const partitions: LifecyclePartition[] = [];
    this.steps = [];
    for (let p = 0; p < count; p++) {
      const first = firsts[p]!;
      const objects = (p + 1 < count ? firsts[p + 1]! : total) - first;
      const start = this.startMs + 6 * HOUR_MS + random.int(30 * HOUR_MS);
      const duration = 6 * HOUR_MS + random.int(42 * HOUR_MS);
      // Each later phase starts at least a day after the previous one: with the same pace, every
      // object's events stay in order: marker, then noncurrent expiry, then marker removal.
      const second = start + DAY_MS + random.int(DAY_MS);
      const third = second + DAY_MS + random.int(DAY_MS);
      const step = duration / objects;
      this.steps.push(step);
      const span = (phaseStart: number): PhaseSpan => ({ start: phaseStart, end: Math.floor(phaseStart + (objects - 1) * step) });
      partitions.push({
        index: p,
        first,
        objects,
        firstKey: this.keyOf(this.rankGroups[first]!, this.rankIndexes[first]!),
        lastKey: this.keyOf(this.rankGroups[first + objects - 1]!, this.rankIndexes[first + objects - 1]!),
        phases: [span(start), span(second), span(third)],
      });
    }
    return partitions;
  }
}

// When a lifecycle rule expires the objects of the unused prefixes, S3 does not work through them
// in one sweep: each storage partition (a function of the key) runs on its own schedule. This
// schedules the three phases per object — delete marker, noncurrent version expired, expired
// delete marker removed — and yields them in time order by merging the partitions' streams.

import { Random } from '../random';
import { DAY_MS, HOUR_MS } from '../time';

export const LIFECYCLE_PARTITIONS = 16;

export interface LifecycleEvent {
  time: number;
  /** 0: S3.CREATE.DELETEMARKER; 1: S3.EXPIRE.OBJECT of the noncurrent data; 2: S3.EXPIRE.OBJECT of the marker. */
  phase: 0 | 1 | 2;
  group: number;
  index: number;
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

interface Cursor {
  partition: number;
  phase: 0 | 1 | 2;
  rank: number;
  time: number;
}

export class LifecycleSchedule {
  private readonly groups: IntList[] = Array.from({ length: LIFECYCLE_PARTITIONS }, () => new IntList());
  private readonly indexes: IntList[] = Array.from({ length: LIFECYCLE_PARTITIONS }, () => new IntList());

  /** `startMs`: when the rule first runs (the end of the as-of day). */
  constructor(
    private readonly seed: number,
    private readonly startMs: number,
  ) {}

  add(group: number, index: number, keyHash: number): void {
    const partition = keyHash % LIFECYCLE_PARTITIONS;
    this.groups[partition]!.push(group);
    this.indexes[partition]!.push(index);
  }

  get size(): number {
    return this.groups.reduce((n, list) => n + list.length, 0);
  }

  *events(): Generator<LifecycleEvent> {
    const random = new Random(this.seed, 0x1fec7c1e);
    const starts: [number, number, number][] = [];
    const steps: number[] = [];
    for (let p = 0; p < LIFECYCLE_PARTITIONS; p++) {
      const first = this.startMs + 6 * HOUR_MS + random.int(30 * HOUR_MS);
      const duration = 6 * HOUR_MS + random.int(42 * HOUR_MS);
      // Each later phase starts at least a day after the previous one: with the same pace, every
      // object's events stay in order: marker, then noncurrent expiry, then marker removal.
      const second = first + DAY_MS + random.int(DAY_MS);
      const third = second + DAY_MS + random.int(DAY_MS);
      starts.push([first, second, third]);
      steps.push(duration / Math.max(1, this.groups[p]!.length));
    }
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
    const timeOf = (partition: number, phase: 0 | 1 | 2, rank: number) => Math.floor(starts[partition]![phase] + rank * steps[partition]!);
    for (let p = 0; p < LIFECYCLE_PARTITIONS; p++) {
      if (this.groups[p]!.length === 0) continue;
      for (const phase of [0, 1, 2] as const) push({ partition: p, phase, rank: 0, time: timeOf(p, phase, 0) });
    }
    while (heap.length > 0) {
      const c = pop();
      yield { time: c.time, phase: c.phase, group: this.groups[c.partition]!.at(c.rank), index: this.indexes[c.partition]!.at(c.rank) };
      const rank = c.rank + 1;
      if (rank < this.groups[c.partition]!.length) push({ ...c, rank, time: timeOf(c.partition, c.phase, rank) });
    }
  }
}

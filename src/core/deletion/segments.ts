// The segment table as the deletion player holds it: segments in key order, each with its first
// object ordinal, so a (segment, index) from `grouped_events` becomes an object ordinal and an
// ordinal (a pixel's run of objects) finds its segment again.

import type { SegmentInterval } from './model';

export class SegmentTable {
  /** The objects the segments hold, ordinals 0 … objects - 1. */
  readonly objects: number;
  private readonly bySegment = new Map<number, SegmentInterval>();
  private readonly firsts: Float64Array;

  /** `intervals` in segment order, as ordered_segment_intervals gives them: each one's `first` is the keys before it. */
  constructor(readonly intervals: readonly SegmentInterval[]) {
    let expected = 0;
    for (const interval of intervals) {
      if (interval.first !== expected || !Number.isSafeInteger(interval.keys) || interval.keys < 1) {
        throw new Error(
          `the segment intervals do not tile the objects: segment ${interval.segment} starts at object ${interval.first} with ${interval.keys} keys where ${expected} was expected (the ordered_segment_intervals template in use must give first_pixel = the keys of the segments before)`,
        );
      }
      if (this.bySegment.has(interval.segment)) throw new Error(`the segment intervals name segment ${interval.segment} twice`);
      this.bySegment.set(interval.segment, interval);
      expected += interval.keys;
    }
    this.objects = expected;
    this.firsts = Float64Array.from(intervals, (i) => i.first);
  }

  get(segment: number): SegmentInterval | undefined {
    return this.bySegment.get(segment);
  }

  /** The ordinal of a segment's 1-based index (row_number in key_prefix_segment); -1 when there is no such key. */
  ordinal(segment: number, index: number): number {
    const interval = this.bySegment.get(segment);
    if (!interval || !Number.isInteger(index) || index < 1 || index > interval.keys) return -1;
    return interval.first + index - 1;
  }

  /** The segment holding an ordinal and the ordinal's 1-based index in it; undefined outside 0 … objects - 1. */
  locate(ordinal: number): { interval: SegmentInterval; index: number } | undefined {
    if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal >= this.objects) return undefined;
    let lo = 0;
    let hi = this.firsts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.firsts[mid]! <= ordinal) lo = mid;
      else hi = mid - 1;
    }
    const interval = this.intervals[lo]!;
    return { interval, index: ordinal - interval.first + 1 };
  }
}

// The deletion player's timeline in the webview: each frame's time, counts per state, events and
// anomalies, as the host streams them in batches (no pixels: 8 numbers a frame, so 200,000 frames
// are ~13 MB), and the geometry of the stacked-area chart drawn from it. Pure: unit-tested in Node.

import { STATE_COUNT } from './model';

export class DeletionTimeline {
  private starts: Float64Array;
  private stateCounts: Float64Array;
  private eventCounts: Float64Array;
  private anomalyCounts: Float64Array;
  private knownFrames = 0;

  /** `expected`: the frames the reading will have (more may come; storage grows). */
  constructor(readonly expected: number) {
    const capacity = Math.max(1, expected);
    this.starts = new Float64Array(capacity);
    this.stateCounts = new Float64Array(capacity * STATE_COUNT);
    this.eventCounts = new Float64Array(capacity);
    this.anomalyCounts = new Float64Array(capacity);
  }

  /** Frames whose summaries arrived, from the first without a gap. */
  get known(): number {
    return this.knownFrames;
  }

  /** The frames the chart spans: as many as expected, or more when more came. */
  get span(): number {
    return Math.max(this.expected, this.knownFrames);
  }

  /**
   * Adds a batch of summaries starting at frame `first` (flat `counts`, STATE_COUNT per frame).
   * A batch that would leave a gap is refused (false): frames are known from the first on.
   */
  add(first: number, bucketStarts: readonly number[], counts: readonly number[], events: readonly number[], anomalies: readonly number[]): boolean {
    const n = bucketStarts.length;
    if (first > this.knownFrames || counts.length !== n * STATE_COUNT || events.length !== n || anomalies.length !== n) return false;
    this.reserve(first + n);
    this.starts.set(bucketStarts, first);
    this.stateCounts.set(counts, first * STATE_COUNT);
    this.eventCounts.set(events, first);
    this.anomalyCounts.set(anomalies, first);
    this.knownFrames = Math.max(this.knownFrames, first + n);
    return true;
  }

  bucketStart(frame: number): number {
    return this.starts[this.check(frame)]!;
  }

  /** Objects per state after `frame` (STATE_NAMES order). */
  counts(frame: number): number[] {
    const at = this.check(frame) * STATE_COUNT;
    return Array.from(this.stateCounts.subarray(at, at + STATE_COUNT));
  }

  events(frame: number): number {
    return this.eventCounts[this.check(frame)]!;
  }

  anomalies(frame: number): number {
    return this.anomalyCounts[this.check(frame)]!;
  }

  /**
   * The chart's areas, `columns` wide: per column, the frame it shows (-1 past the known frames)
   * and each state's top edge as a share of the column's objects, stacked in STATE_NAMES order from
   * the bottom (`tops[column * STATE_COUNT + s]`, the last one 1 when the column has objects).
   */
  stackedColumns(columns: number): { frames: Int32Array; tops: Float64Array } {
    const frames = new Int32Array(columns).fill(-1);
    const tops = new Float64Array(columns * STATE_COUNT);
    const span = this.span;
    for (let c = 0; c < columns; c++) {
      const frame = Math.min(span - 1, Math.floor(((c + 0.5) * span) / columns));
      if (frame >= this.knownFrames) break;
      frames[c] = frame;
      let total = 0;
      for (let s = 0; s < STATE_COUNT; s++) total += this.stateCounts[frame * STATE_COUNT + s]!;
      let running = 0;
      for (let s = 0; s < STATE_COUNT; s++) {
        running += this.stateCounts[frame * STATE_COUNT + s]!;
        tops[c * STATE_COUNT + s] = total > 0 ? running / total : 0;
      }
    }
    return { frames, tops };
  }

  /** The frame at a horizontal position of the chart (0 … 1), within the known frames; -1 when none is known. */
  frameAt(position: number): number {
    if (this.knownFrames === 0) return -1;
    const frame = Math.floor(Math.min(Math.max(position, 0), 1) * this.span);
    return Math.min(frame, this.knownFrames - 1);
  }

  private check(frame: number): number {
    if (!Number.isInteger(frame) || frame < 0 || frame >= this.knownFrames) throw new RangeError(`Frame ${frame} is not known (${this.knownFrames} so far).`);
    return frame;
  }

  private reserve(frames: number): void {
    if (frames <= this.starts.length) return;
    const capacity = Math.max(frames, this.starts.length * 2);
    const grow = (from: Float64Array, per: number) => {
      const to = new Float64Array(capacity * per);
      to.set(from);
      return to;
    };
    this.starts = grow(this.starts, 1);
    this.stateCounts = grow(this.stateCounts, STATE_COUNT);
    this.eventCounts = grow(this.eventCounts, 1);
    this.anomalyCounts = grow(this.anomalyCounts, 1);
  }
}

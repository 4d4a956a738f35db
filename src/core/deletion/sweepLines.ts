// Straight lines through a sweep's points — (position along the sweep, time) — for the partition
// detection and the rates: least squares over any range in O(1) from prefix sums, a robust line
// that one stray event cannot tilt, and selection-based medians.

import type { Interval } from './partitionEstimate';

/** Prefix sums for least-squares lines over any range of points in O(1). */
export class LinePrefix {
  private readonly n: Float64Array;
  private readonly sx: Float64Array;
  private readonly st: Float64Array;
  private readonly sxx: Float64Array;
  private readonly sxt: Float64Array;
  private readonly stt: Float64Array;
  /** Shifts that keep the sums small (the first point). */
  private readonly x0: number;
  private readonly t0: number;

  constructor(xs: Float64Array, ts: Float64Array, length = xs.length) {
    this.x0 = length > 0 ? xs[0]! : 0;
    this.t0 = length > 0 ? ts[0]! : 0;
    this.n = new Float64Array(length + 1);
    this.sx = new Float64Array(length + 1);
    this.st = new Float64Array(length + 1);
    this.sxx = new Float64Array(length + 1);
    this.sxt = new Float64Array(length + 1);
    this.stt = new Float64Array(length + 1);
    for (let i = 0; i < length; i++) {
      const x = xs[i]! - this.x0;
      const t = ts[i]! - this.t0;
      this.n[i + 1] = this.n[i]! + 1;
      this.sx[i + 1] = this.sx[i]! + x;
      this.st[i + 1] = this.st[i]! + t;
      this.sxx[i + 1] = this.sxx[i]! + x * x;
      this.sxt[i + 1] = this.sxt[i]! + x * t;
      this.stt[i + 1] = this.stt[i]! + t * t;
    }
  }

  /** The squared error of the least-squares line over points [from, to) (no allocation: for scans). */
  sse(from: number, to: number): number {
    const n = this.n[to]! - this.n[from]!;
    const sx = this.sx[to]! - this.sx[from]!;
    const st = this.st[to]! - this.st[from]!;
    const sxx = this.sxx[to]! - this.sxx[from]! - (sx * sx) / n;
    const sxt = this.sxt[to]! - this.sxt[from]! - (sx * st) / n;
    const stt = this.stt[to]! - this.stt[from]! - (st * st) / n;
    return Math.max(0, n > 1 && sxx > 0 ? stt - (sxt * sxt) / sxx : stt);
  }

  /** The least-squares line t = intercept + slope·x over points [from, to). */
  fit(from: number, to: number): LineFit {
    const n = this.n[to]! - this.n[from]!;
    const sx = this.sx[to]! - this.sx[from]!;
    const st = this.st[to]! - this.st[from]!;
    const sxx = this.sxx[to]! - this.sxx[from]! - (sx * sx) / n;
    const sxt = this.sxt[to]! - this.sxt[from]! - (sx * st) / n;
    const stt = this.stt[to]! - this.stt[from]! - (st * st) / n;
    const slope = n > 1 && sxx > 0 ? sxt / sxx : 0;
    const sse = Math.max(0, stt - slope * sxt);
    const meanX = sx / n + this.x0;
    const meanT = st / n + this.t0;
    return { n, slope, intercept: meanT - slope * meanX, sse, slopeVariance: n > 2 && sxx > 0 ? sse / (n - 2) / sxx : Infinity };
  }
}

export interface LineFit {
  n: number;
  slope: number;
  intercept: number;
  sse: number;
  slopeVariance: number;
}

/** The median of the pairwise slopes of points [from, to): robust to a stray point or a boundary inside. */
export function theilSen(xs: Float64Array, ts: Float64Array, from: number, to: number): number | undefined {
  const slopes: number[] = [];
  for (let i = from; i < to; i++) {
    for (let j = i + 1; j < to; j++) {
      const dx = xs[j]! - xs[i]!;
      if (dx > 0) slopes.push((ts[j]! - ts[i]!) / dx);
    }
  }
  if (slopes.length === 0) return undefined;
  slopes.sort((a, b) => a - b);
  return slopes[slopes.length >> 1]!;
}

/** The median (the upper one of an even count), by selection: reorders `values`. */
export function median(values: Float64Array): number {
  const k = values.length >> 1;
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const swap = values[i]!;
        values[i] = values[j]!;
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return values[k]!;
}

/**
 * A line through (sweep position, time): first a robust one (the median of pairwise slopes over up
 * to 64 of the points), then least squares over the points near it (within four times the median
 * distance and a bucket), so a stray event does not tilt it. The pace is in hours per object, with
 * an interval from the slope's standard error and the time buckets' coarseness over the time it
 * spans; `far` marks the points set aside. The sweep moves forward in time, so only rising pairs
 * make the first slope.
 */
export function robustLine(
  xs: Float64Array,
  ts: Float64Array,
  delta: number,
): { intercept: number; pace: Interval; far: Uint8Array; points: number; span: number } | undefined {
  const n = xs.length;
  if (n < 2) return undefined;
  const sampleSize = Math.min(n, 64);
  const sample = new Int32Array(sampleSize);
  for (let k = 0; k < sampleSize; k++) sample[k] = sampleSize === n ? k : Math.floor((k * (n - 1)) / (sampleSize - 1));
  const slopes: number[] = [];
  for (let a = 0; a < sampleSize; a++) {
    for (let b = a + 1; b < sampleSize; b++) {
      const dx = xs[sample[b]!]! - xs[sample[a]!]!;
      const dt = ts[sample[b]!]! - ts[sample[a]!]!;
      if (dx > 0 && dt >= 0) slopes.push(dt / dx);
    }
  }
  if (slopes.length === 0) return undefined;
  const slope0 = median(Float64Array.from(slopes));
  const offsets = new Float64Array(n);
  for (let i = 0; i < n; i++) offsets[i] = ts[i]! - slope0 * xs[i]!;
  const intercept0 = median(offsets.slice());
  // Set aside what is far from a line: four times the median distance, a bucket, and two objects' worth of time.
  const spacing = n > 1 ? (xs[n - 1]! - xs[0]!) / (n - 1) : 1;
  const far = new Uint8Array(n);
  const residuals = new Float64Array(n);
  const markFar = (intercept: number, slope: number) => {
    for (let i = 0; i < n; i++) residuals[i] = Math.abs(ts[i]! - intercept - slope * xs[i]!);
    const limit = 4 * median(residuals.slice()) + delta + 2 * Math.abs(slope) * spacing;
    for (let i = 0; i < n; i++) far[i] = residuals[i]! > limit ? 1 : 0;
  };
  const keptX = new Float64Array(n);
  const keptT = new Float64Array(n);
  let m = 0;
  const leastSquares = () => {
    m = 0;
    for (let i = 0; i < n; i++) {
      if (far[i]) continue;
      keptX[m] = xs[i]!;
      keptT[m] = ts[i]!;
      m++;
    }
    return m < 2 ? undefined : new LinePrefix(keptX, keptT, m).fit(0, m);
  };
  // The robust line picks the points; least squares over them gives the line, which picks them again.
  markFar(intercept0, slope0);
  const first = leastSquares();
  if (!first) return undefined;
  markFar(first.intercept, first.slope);
  const fit = leastSquares();
  if (!fit || !(fit.slope > 0)) return undefined;
  const span = keptT[m - 1]! - keptT[0]!;
  const quantisation = span > 0 ? fit.slope * Math.min(1, delta / span) : fit.slope;
  const error = 3 * Math.sqrt(Number.isFinite(fit.slopeVariance) ? fit.slopeVariance : 0) + quantisation;
  return { intercept: fit.intercept, pace: { low: Math.max(fit.slope - error, fit.slope / 4), mid: fit.slope, high: fit.slope + error }, far, points: m, span };
}

/** The first index of a sorted list whose value is at least `value`. */
export function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How far apart the lines through points [0, split) and [split, n) are between the two points at the split. */
export function breakStrength(lines: LinePrefix, xs: Float64Array, split: number, n: number): number {
  const left = lines.fit(0, split);
  const right = lines.fit(split, n);
  const at = (xs[split - 1]! + xs[split]!) / 2;
  return Math.abs(right.intercept + right.slope * at - (left.intercept + left.slope * at));
}

/** Bins as points along a sweep: each at the objects before it plus half its own, at its time. */
export function sweepPoints(bins: readonly number[], count: (bin: number) => number, time: (bin: number) => number): { xs: Float64Array; ts: Float64Array } {
  const xs = new Float64Array(bins.length);
  const ts = new Float64Array(bins.length);
  let before = 0;
  for (let i = 0; i < bins.length; i++) {
    const n = count(bins[i]!);
    xs[i] = before + n / 2;
    ts[i] = time(bins[i]!);
    before += n;
  }
  return { xs, ts };
}

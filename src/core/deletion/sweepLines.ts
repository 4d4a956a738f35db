// Straight lines through a sweep's points — (position along the sweep, time) — for the rates: a
// robust line that one stray event cannot tilt, and selection-based medians. (The partition
// detection keeps its own prefix sums: partitionDetect.ts.)

import type { Interval } from './partitionEstimate';

export interface LineFit {
  n: number;
  slope: number;
  intercept: number;
  sse: number;
  slopeVariance: number;
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
 * The medians of the distances from a line are taken over at most this many points, evenly spaced:
 * a selection over tens of thousands of points costs more than all the rest of the fit, and moves
 * the median by a small fraction of the scatter.
 */
const MEDIAN_SAMPLE = 4096;

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
  const slopes = new Float64Array((sampleSize * (sampleSize - 1)) / 2);
  let rising = 0;
  for (let a = 0; a < sampleSize; a++) {
    for (let b = a + 1; b < sampleSize; b++) {
      const dx = xs[sample[b]!]! - xs[sample[a]!]!;
      const dt = ts[sample[b]!]! - ts[sample[a]!]!;
      if (dx > 0 && dt >= 0) slopes[rising++] = dt / dx;
    }
  }
  if (rising === 0) return undefined;
  const slope0 = median(slopes.subarray(0, rising));
  const scratch = new Float64Array(Math.min(n, MEDIAN_SAMPLE));
  const intercept0 = medianDistance(xs, ts, 0, slope0, false, scratch);
  // The robust line picks the points; least squares over them gives the line, which picks them again.
  const far = new Uint8Array(n);
  markFar(xs, ts, intercept0, slope0, delta, far, scratch);
  const first = leastSquares(xs, ts, far);
  if (!first) return undefined;
  markFar(xs, ts, first.intercept, first.slope, delta, far, scratch);
  const fit = leastSquares(xs, ts, far);
  if (!fit || !(fit.slope > 0)) return undefined;
  const span = fit.lastT - fit.firstT;
  const quantisation = span > 0 ? fit.slope * Math.min(1, delta / span) : fit.slope;
  const error = 3 * Math.sqrt(Number.isFinite(fit.slopeVariance) ? fit.slopeVariance : 0) + quantisation;
  return {
    intercept: fit.intercept,
    pace: { low: Math.max(fit.slope - error, fit.slope / 4), mid: fit.slope, high: fit.slope + error },
    far,
    points: fit.n,
    span,
  };
}

// robustLine's steps, as functions of their own: closures made anew in each call would each be
// optimised anew, and their long loops run mostly unoptimised.

/** The median of the points' distances from a line (signed, or `absolute`), over MEDIAN_SAMPLE of them evenly spaced when there are more. */
function medianDistance(xs: Float64Array, ts: Float64Array, intercept: number, slope: number, absolute: boolean, scratch: Float64Array): number {
  const every = xs.length / scratch.length;
  for (let k = 0; k < scratch.length; k++) {
    const i = Math.floor(k * every);
    const r = ts[i]! - intercept - slope * xs[i]!;
    scratch[k] = absolute ? Math.abs(r) : r;
  }
  return median(scratch);
}

/** Marks the points far from a line: beyond four times the median distance, a bucket, and two objects' worth of time. */
function markFar(xs: Float64Array, ts: Float64Array, intercept: number, slope: number, delta: number, far: Uint8Array, scratch: Float64Array): void {
  const n = xs.length;
  const spacing = n > 1 ? (xs[n - 1]! - xs[0]!) / (n - 1) : 1;
  const limit = 4 * medianDistance(xs, ts, intercept, slope, true, scratch) + delta + 2 * Math.abs(slope) * spacing;
  for (let i = 0; i < n; i++) far[i] = Math.abs(ts[i]! - intercept - slope * xs[i]!) > limit ? 1 : 0;
}

/** Least squares over the points not far, about the first point (for precision far from the origin); with the times of the first and last of them. */
function leastSquares(xs: Float64Array, ts: Float64Array, far: Uint8Array): (LineFit & { firstT: number; lastT: number }) | undefined {
  const n = xs.length;
  const x0 = xs[0]!;
  const t0 = ts[0]!;
  let m = 0;
  let first = -1;
  let last = -1;
  let sx = 0;
  let st = 0;
  let sxx = 0;
  let sxt = 0;
  let stt = 0;
  for (let i = 0; i < n; i++) {
    if (far[i]) continue;
    const x = xs[i]! - x0;
    const t = ts[i]! - t0;
    if (first < 0) first = i;
    last = i;
    m++;
    sx += x;
    st += t;
    sxx += x * x;
    sxt += x * t;
    stt += t * t;
  }
  if (m < 2) return undefined;
  const cxx = sxx - (sx * sx) / m;
  const cxt = sxt - (sx * st) / m;
  const ctt = stt - (st * st) / m;
  const slope = cxx > 0 ? cxt / cxx : 0;
  const sse = Math.max(0, ctt - slope * cxt);
  return {
    n: m,
    slope,
    intercept: st / m + t0 - slope * (sx / m + x0),
    sse,
    slopeVariance: m > 2 && cxx > 0 ? sse / (m - 2) / cxx : Infinity,
    firstT: ts[first]!,
    lastT: ts[last]!,
  };
}

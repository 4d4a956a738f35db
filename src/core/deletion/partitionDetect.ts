// Finding the key ranges that S3 deletes as a unit, from when each range of keys was deleted. Inside
// one storage partition the lifecycle sweep goes through the keys in order at a steady pace, so the
// deletion time, plotted against the position among the deleted objects, is a rising line; where one
// partition ends and the next begins the line breaks: the time drops (the next partition started
// earlier), jumps (it started later), or its slope changes (it runs at another pace). This finds
// those breaks in three passes, each linear or n·log n in the number of points:
//   1. single points whose time contradicts the order of both neighbours (a late log line, an
//      anomaly) are set aside, so one stray event does not split a partition in two;
//   2. drops and jumps: a drop is any fall in time (within a partition the times never fall), a
//      jump a rise well beyond the pace of the points on both sides of it plus the time buckets'
//      coarseness;
//   3. pace changes: within what is left, binary segmentation with two lines, a split kept only
//      where the two lines disagree beyond what the bucket size and the scatter allow.
// Points are bins of objects (see partitions.ts), each with its number of objects and its mean
// deletion time in hours; a point's position along the sweep is the objects before it plus half its
// own, counting only the points kept (a stray event is not a step of the sweep).

import { LinePrefix, median, theilSen } from './sweepLines';

export interface SweepBreaks {
  /** Indexes of the points where a new partition begins; the first is 0. */
  starts: number[];
  /** 1 for a point set aside as an anomaly (its time contradicts both neighbours). */
  outliers: Uint8Array;
  /** The scatter of the points about a locally straight line (hours), for the callers' tolerances. */
  scatter: number;
}

/** Points on each side of a candidate split for a pace change. */
const MIN_SIDE = 4;
/** How many points on each side the local pace is measured over. */
const WINDOW = 8;

export function findSweepBreaks(counts: Float64Array, t: Float64Array, length: number, bucketHours: number): SweepBreaks {
  const outliers = new Uint8Array(length);
  if (length === 0) return { starts: [], outliers, scatter: 0 };
  const x = positions(counts, length);
  const scatter = robustScatter(x, t, length);
  const delta = Math.max(bucketHours, 0);

  // 1. Stray single points.
  markStrays(x, t, length, delta, scatter, outliers);
  const keep: number[] = [];
  for (let i = 0; i < length; i++) if (!outliers[i]) keep.push(i);
  const m = keep.length;
  const keptCounts = new Float64Array(m);
  const ts = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    keptCounts[j] = counts[keep[j]!]!;
    ts[j] = t[keep[j]!]!;
  }
  const xs = positions(keptCounts, m);

  // 2. Drops and jumps.
  const jumpTolerance = 2 * delta + 4 * scatter;
  const dropTolerance = 3 * scatter;
  const breaks: number[] = [0];
  for (let j = 1; j < m; j++) {
    const gap = ts[j]! - ts[j - 1]!;
    if (gap < -dropTolerance - 1e-9) {
      breaks.push(j);
      continue;
    }
    if (gap <= jumpTolerance) continue;
    // The pace on each side, over points that can be in one partition with j-1 or with j: since
    // the last break on the left, up to the next drop on the right.
    const lastBreak = breaks[breaks.length - 1]!;
    let rightEnd = j + 1;
    while (rightEnd < Math.min(m, j + WINDOW) && ts[rightEnd]! >= ts[rightEnd - 1]! - dropTolerance) rightEnd++;
    const left = j - lastBreak >= 2 ? theilSen(xs, ts, Math.max(lastBreak, j - WINDOW), j) : undefined;
    const right = rightEnd - j >= 2 ? theilSen(xs, ts, j, rightEnd) : undefined;
    const pace = Math.max(left ?? 0, right ?? 0, 0);
    if (left === undefined && right === undefined) continue;
    if (gap > 2 * pace * (xs[j]! - xs[j - 1]!) + jumpTolerance) breaks.push(j);
  }
  breaks.push(m);

  // 3. Pace changes, within each run between drops and jumps.
  const prefix = new LinePrefix(xs, ts);
  const starts = new Set<number>();
  for (let r = 0; r + 1 < breaks.length; r++) {
    starts.add(breaks[r]!);
    splitByPace(prefix, xs, ts, breaks[r]!, breaks[r + 1]!, delta, scatter, jumpTolerance, starts);
  }

  // A break that only one point makes (a stray event just before or after it, in line enough with
  // its neighbours not to be set aside in pass 1) is no break: without that point the two sides are
  // one sweep.
  const context = { prefix, xs, ts, delta, scatter, jumpTolerance };
  const sorted = [...starts].sort((a, b) => a - b);
  for (let k = 1; k < sorted.length; k++) {
    const a = sorted[k - 1]!;
    const s = sorted[k]!;
    const b = k + 1 < sorted.length ? sorted[k + 1]! : m;
    if (b - s === 1 && b < m && s - a >= 2) {
      // A run of one point: if the runs on either side are one sweep, it was a stray between them.
      const c = k + 2 < sorted.length ? sorted[k + 2]! : m;
      if (c - b >= 2 && !isBreak(context, a, s, b, c)) {
        outliers[keep[s]!] = 1;
        starts.delete(s);
        starts.delete(b);
        sorted.splice(k, 2);
        k--;
        continue;
      }
    }
    const strayBefore = s - a >= 3 && b - s >= 2 && !isBreak(context, a, s - 1, s, b);
    const strayAfter = !strayBefore && s - a >= 2 && b - s >= 3 && !isBreak(context, a, s, s + 1, b);
    if (!strayBefore && !strayAfter) continue;
    outliers[keep[strayBefore ? s - 1 : s]!] = 1;
    starts.delete(s);
    sorted.splice(k, 1);
    k--;
  }

  // A run of a single point between two breaks is a bin that straddles a boundary (or one stray
  // point at a boundary): it joins the neighbour whose line it is closer to.
  const ordered = [...starts].sort((a, b) => a - b);
  const merged: number[] = [];
  for (let s = 0; s < ordered.length; s++) {
    const from = ordered[s]!;
    const to = s + 1 < ordered.length ? ordered[s + 1]! : m;
    if (to - from === 1 && m > 1) {
      const prevFrom = merged.length > 0 ? merged[merged.length - 1]! : undefined;
      const nextTo = s + 2 < ordered.length ? ordered[s + 2]! : m;
      const toPrevious = prevFrom === undefined ? Infinity : Math.abs(extrapolate(prefix, ts, prevFrom, from, xs[from]!) - ts[from]!);
      const toNext = to >= m ? Infinity : Math.abs(extrapolate(prefix, ts, to, nextTo, xs[from]!) - ts[from]!);
      if (toPrevious === Infinity && toNext === Infinity) merged.push(from);
      else if (toPrevious <= toNext)
        continue; // joins the previous run: no new start
      else {
        // Joins the next run: it starts here instead of at `to`.
        merged.push(from);
        s++;
      }
      continue;
    }
    merged.push(from);
  }
  // Back to the caller's point indexes; a stray point belongs to the run it sits in.
  return { starts: merged.map((j) => keep[j]!).map((i, n) => (n === 0 ? 0 : i)), outliers, scatter };
}

/**
 * Marks single points whose time contradicts the order of both neighbours, when the neighbours agree
 * with each other and the point is in line with neither side (a partition's first or last key is in
 * line with its own side): a late or repeated log line, an anomaly.
 */
export function markStrays(x: Float64Array, t: Float64Array, length: number, delta: number, scatter: number, outliers: Uint8Array): void {
  for (let i = 1; i + 1 < length; i++) {
    const before = t[i - 1]!;
    const after = t[i + 1]!;
    if (before > after) continue; // the neighbours disagree with each other: a boundary, not a stray point
    if (t[i]! >= before && t[i]! <= after) continue; // in order: the common case
    const local = localIncrement(t, i, length);
    const tolerance = 4 * (local + delta + 3 * scatter);
    if (t[i]! >= before - tolerance && t[i]! <= after + tolerance) continue;
    // The first or last key of a partition is in line with the points on its own side: a stray
    // point is in line with neither.
    const fromLeft = i >= 2 ? extend(x, t, i - 2, i - 1, x[i]!) : undefined;
    const fromRight = i + 2 < length ? extend(x, t, i + 2, i + 1, x[i]!) : undefined;
    if (fromLeft !== undefined && Math.abs(t[i]! - fromLeft) <= tolerance) continue;
    if (fromRight !== undefined && Math.abs(t[i]! - fromRight) <= tolerance) continue;
    outliers[i] = 1;
  }
}

/** The straight line through points a and b, at position `at`. */
function extend(x: Float64Array, t: Float64Array, a: number, b: number, at: number): number {
  const dx = x[b]! - x[a]!;
  return dx !== 0 ? t[b]! + ((t[b]! - t[a]!) * (at - x[b]!)) / dx : t[b]!;
}

/** Each point's position along the sweep: the objects before it and half its own. */
function positions(counts: Float64Array, length: number): Float64Array {
  const x = new Float64Array(length);
  let before = 0;
  for (let i = 0; i < length; i++) {
    x[i] = before + counts[i]! / 2;
    before += counts[i]!;
  }
  return x;
}

/** The line fitted to points [from, to), evaluated at `at` (its single point's time when it has one). */
function extrapolate(prefix: LinePrefix, ts: Float64Array, from: number, to: number, at: number): number {
  if (to - from < 2) return ts[from]!;
  const fit = prefix.fit(from, to);
  return fit.intercept + fit.slope * at;
}

/** Recursively splits [from, to) where two lines fit much better than one. */
function splitByPace(
  prefix: LinePrefix,
  xs: Float64Array,
  ts: Float64Array,
  from: number,
  to: number,
  delta: number,
  scatter: number,
  jumpTolerance: number,
  starts: Set<number>,
): void {
  if (to - from < 2 * MIN_SIDE) return;
  let best = -1;
  let bestCost = Infinity;
  for (let k = from + MIN_SIDE; k <= to - MIN_SIDE; k++) {
    const cost = prefix.sse(from, k) + prefix.sse(k, to);
    if (cost < bestCost) {
      bestCost = cost;
      best = k;
    }
  }
  if (best < 0 || !isBreak({ prefix, xs, ts, delta, scatter, jumpTolerance }, from, best, best, to)) return;
  starts.add(best);
  splitByPace(prefix, xs, ts, from, best, delta, scatter, jumpTolerance, starts);
  splitByPace(prefix, xs, ts, best, to, delta, scatter, jumpTolerance, starts);
}

interface BreakContext {
  prefix: LinePrefix;
  xs: Float64Array;
  ts: Float64Array;
  delta: number;
  scatter: number;
  jumpTolerance: number;
}

/** Whether points [lFrom, lTo) and [rFrom, rTo) are two sweeps: their lines part, or their paces differ. */
function isBreak(c: BreakContext, lFrom: number, lTo: number, rFrom: number, rTo: number): boolean {
  const { prefix, xs, ts, delta, scatter, jumpTolerance } = c;
  const left = prefix.fit(lFrom, lTo);
  const right = prefix.fit(rFrom, rTo);
  const at = (xs[lTo - 1]! + xs[rFrom]!) / 2;
  const discontinuity = Math.abs(right.intercept + right.slope * at - (left.intercept + left.slope * at));
  const leftSpan = ts[lTo - 1]! - ts[lFrom]!;
  const rightSpan = ts[rTo - 1]! - ts[rFrom]!;
  let paceChange = false;
  if (leftSpan >= 3 * delta && rightSpan >= 3 * delta && leftSpan > 0 && rightSpan > 0) {
    // Time buckets of `delta` hours move a slope measured over `span` hours by at most delta/span of
    // itself; the scatter beyond that shows in the slopes' standard errors.
    const quantisation = Math.abs(left.slope) * ((delta + 2 * scatter) / leftSpan) + Math.abs(right.slope) * ((delta + 2 * scatter) / rightSpan);
    const noise = Math.sqrt(left.slopeVariance + right.slopeVariance);
    const difference = Math.abs(left.slope - right.slope);
    paceChange = difference > 1.5 * quantisation + 3 * noise && difference > 0.15 * Math.max(Math.abs(left.slope), Math.abs(right.slope));
  }
  // A step of a couple of objects either way is what a stray event left out (or kept) shifts a line by.
  const spacing = (xs[rTo - 1]! - xs[lFrom]!) / Math.max(1, rTo - lFrom - 1);
  const shift = 2 * spacing * Math.max(Math.abs(left.slope), Math.abs(right.slope));
  return discontinuity > jumpTolerance + shift || paceChange;
}

/** The median absolute step between neighbouring points around i. */
function localIncrement(t: Float64Array, i: number, length: number): number {
  const steps: number[] = [];
  for (let j = Math.max(1, i - WINDOW); j < Math.min(length, i + WINDOW + 1); j++) if (j !== i && j !== i + 1) steps.push(Math.abs(t[j]! - t[j - 1]!));
  if (steps.length === 0) return 0;
  steps.sort((a, b) => a - b);
  return steps[steps.length >> 1]!;
}

/** 1.4826 × the median absolute deviation of each point from the straight line through its neighbours. */
function robustScatter(x: Float64Array, t: Float64Array, length: number): number {
  if (length < 3) return 0;
  const residuals = new Float64Array(length - 2);
  for (let i = 1; i + 1 < length; i++) {
    const dx = x[i + 1]! - x[i - 1]!;
    const expected = dx > 0 ? t[i - 1]! + ((t[i + 1]! - t[i - 1]!) * (x[i]! - x[i - 1]!)) / dx : (t[i - 1]! + t[i + 1]!) / 2;
    residuals[i - 1] = Math.abs(t[i]! - expected);
  }
  return 1.4826 * median(residuals);
}

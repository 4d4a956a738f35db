// Finding the key ranges that S3 deletes as a unit, from when each range of keys was deleted.
//
// The model. Inside one storage partition the lifecycle sweep goes through the keys in order at a
// steady pace in every phase (delete marker, noncurrent version, marker), so in each phase the
// deletion time, plotted against the position among the deleted objects, is a straight line. A
// partition boundary is one place in key order where every phase's line may break at once: the time
// drops, jumps or changes pace — in each phase on its own terms, since each partition starts each
// phase at its own time. So the boundaries are found from all the phases together: one segmentation
// of the bins, each segment one line per phase, judged by the squared errors of all the phases.
//
// The bin a boundary falls in may hold objects of both partitions (when bins hold many objects), and
// a stray event (a late or repeated log line) makes one bin's time wrong in one phase: so a boundary
// is a bin left out of both neighbours' lines, and afterwards goes to the side whose lines it is
// nearer. Two neighbouring segments whose lines in every phase are one line, within the noise, are
// one partition: the bin between them is kept if it is on that line and set aside as a stray if not.
//
// The noise, per phase: the scatter of the points about the local line, and never less than the
// time buckets allow — a bucket start is known to within a bucket (variance δ²/12), and the points
// that fall in one bucket share one error, so such a run counts as one observation, not many.
// A boundary is kept when the lines on the two sides differ beyond the noise with a false-alarm
// chance of FALSE_ALARM_RATE over all the places it could have been (a χ² test, Bonferroni).
//
// The steps, each linear in the bins or a small multiple of it:
//   1. binary segmentation: each range is split where the two sides' lines (all phases) fit best,
//      and the split is kept when significant; a range is scanned at up to SCAN positions, then
//      ever closer around the best of them (SCAN_STEP times finer each look, down to every bin);
//   2. backward elimination: the least significant boundary is merged away while any is not
//      significant; then each boundary moves to where it fits best between its neighbours; again
//      until nothing changes;
//   3. placement: the bins between a segment's last good point and the next one's first (the
//      boundary bin, and strays beside it) go to the side whose lines they are nearer.

import { median } from './sweepLines';

/** One phase's bins with events: their bin indexes (ascending), objects, and mean deletion times in hours (read, never changed). */
export interface PhaseSweep {
  bins: Int32Array;
  counts: Float64Array;
  times: Float64Array;
  /** The time from each bin's first event to its last, hours (0 with one object per bin). */
  spans: Float64Array;
}

export interface PartitionBreaks {
  /** The first bin of each partition, ascending. */
  firstBins: number[];
  /** Bins set aside in some phase as anomalies: their time there fits neither neighbour's line. */
  strays: number;
}

/** The chance, per detection, of a boundary found where there is none, or of a good bin set aside as a stray. */
export const FALSE_ALARM_RATE = 0.001;
/** Positions a search looks at across a range before it looks closer around the best of them. */
const SCAN = 256;
/** How much finer each look around the best place so far is. */
const SCAN_STEP = 16;
/** Rounds of merging and moving boundaries (each round only improves the fit; it settles in two or three). */
const MAX_ROUNDS = 6;
/** The shares of a bin's objects tried for a bin that holds the end of one partition and the start of the next. */
const MIX_SHARES = 64;

interface Moments {
  /** Points. */
  n: number;
  /** Their total weight (n when unweighted). */
  w: number;
  sx: number;
  st: number;
  sxx: number;
  sxt: number;
  stt: number;
  /** Over the bins' spans: Σ d², Σ d·span, Σ span², halved (d: the bin's objects less one; see SPAN_WEIGHT). */
  sdd: number;
  sds: number;
  sss: number;
  /** Points whose span tells the pace (more than one object). */
  spanned: number;
}

/**
 * A bin's span (its last event's time less its first's) is d = objects − 1 steps of the sweep's pace:
 * one more observation of the line's slope. It is the difference of two bucket starts, so its
 * variance is twice a time's.
 */
const SPAN_WEIGHT = 0.5;

interface Line {
  n: number;
  w: number;
  mx: number;
  mt: number;
  /** Σ w(x − mx)². */
  sxx: number;
  slope: number;
  /** Σ w·residual². */
  sse: number;
}

const NO_MOMENTS: Moments = { n: 0, w: 0, sx: 0, st: 0, sxx: 0, sxt: 0, stt: 0, sdd: 0, sds: 0, sss: 0, spanned: 0 };

function line(m: Moments): Line {
  if (m.n === 0 || m.w <= 0) return { n: 0, w: 0, mx: 0, mt: 0, sxx: 0, slope: 0, sse: 0 };
  const mx = m.sx / m.w;
  const mt = m.st / m.w;
  const sxx = Math.max(0, m.sxx - m.sx * mx);
  const sxt = m.sxt - m.sx * mt;
  const stt = Math.max(0, m.stt - m.st * mt);
  // The slope from the times and the bins' spans together. Within a partition the times never fall:
  // a falling line is no sweep, and the best rising one is flat.
  const along = sxt + m.sds;
  const across = (m.n >= 2 ? sxx : 0) + m.sdd;
  const slope = across > 0 && along > 0 ? along / across : 0;
  return { n: m.n, w: m.w, mx, mt, sxx, slope, sse: Math.max(0, stt + m.sss - slope * along) };
}

function predict(l: Line, x: number): number {
  return l.mt + l.slope * (x - l.mx);
}

/** How much a prediction at x adds to a point's own variance, as a share of it (1/n + the distance from the middle). */
function leverage(l: Line, x: number): number {
  return l.n >= 2 && l.sxx > 0 ? 1 / l.n + ((x - l.mx) * (x - l.mx)) / l.sxx : 1;
}

function addScaled(into: Moments, m: Moments, scale: number): void {
  into.n += m.n;
  into.w += m.w * scale;
  into.sx += m.sx * scale;
  into.st += m.st * scale;
  into.sxx += m.sxx * scale;
  into.sxt += m.sxt * scale;
  into.stt += m.stt * scale;
  into.sdd += m.sdd * scale;
  into.sds += m.sds * scale;
  into.sss += m.sss * scale;
  into.spanned += m.spanned;
}

/** Parameters of a line through some points: none, a level, or a level and a slope (which a span alone also shows). */
function params(m: Moments): number {
  return Math.min(m.n + m.spanned, 2);
}

function sum(...parts: Moments[]): Moments {
  const total = { ...NO_MOMENTS };
  for (const m of parts) addScaled(total, m, 1);
  return total;
}

/** Prefix sums per point, interleaved: objects, Σx, Σt, Σx², Σxt, Σt², and with spans Σd², Σd·span, Σspan² (halved). */
const N = 0;
const SX = 1;
const ST = 2;
const SXX = 3;
const SXT = 4;
const STT = 5;
const SDD = 6;
const SDS = 7;
const SSS = 8;
/** Ranges of at most this many points are summed directly: exact however far from the origin they are. */
const DIRECT = 8;

/** One phase's points as moments: prefix sums over them (strays left out), positions and times. */
class Phase {
  readonly length: number;
  /** Position along the sweep: the objects before the point and half its own (points that are no step of it take none). */
  readonly x: Float64Array;
  /** Time, hours from the first bucket. */
  readonly t: Float64Array;
  /** Over the bins with events in any phase: rank[u] is this phase's points before that bin (length: those bins + 1). */
  readonly rank: Int32Array;
  readonly stray: Uint8Array;
  /** Objects per point. */
  private readonly counts: Float64Array;
  private readonly spans: Float64Array;
  /** Some bin holds more than one object: spans tell the pace. */
  private readonly spanned: boolean;
  /** Points that are no step of the sweep (an event on an object the deletion does not touch): their objects take no place in it. */
  private readonly notStep: Uint8Array;
  /** Points set aside since the prefix sums were last built. */
  private pending: number[] = [];
  /** Counts the points set aside (a boundary placed before one was may be placed again). */
  version = 0;
  private readonly stride: number;
  private readonly prefix: Float64Array;
  /** The scatter's variance, hours². */
  readonly scatter2: number;
  /** A bucket start's variance as a time: δ²/12. */
  readonly quantum: number;
  /** The weight of this phase's squared errors where boundaries are placed. */
  readonly weight: number;

  constructor(
    sweep: PhaseSweep,
    union: Int32Array,
    readonly delta: number,
  ) {
    const n = (this.length = sweep.bins.length);
    this.x = new Float64Array(n);
    this.t = sweep.times;
    this.counts = sweep.counts;
    this.spans = sweep.spans;
    let spanned = false;
    for (let i = 0; i < n && !spanned; i++) spanned = sweep.counts[i]! > 1;
    this.spanned = spanned;
    this.notStep = new Uint8Array(n);
    this.stray = new Uint8Array(n);
    this.rank = new Int32Array(union.length + 1);
    let i = 0;
    for (let u = 0; u < union.length; u++) {
      this.rank[u] = i;
      if (i < n && sweep.bins[i] === union[u]) i++;
    }
    this.rank[union.length] = n;
    this.stride = spanned ? 9 : 6;
    this.prefix = new Float64Array((n + 1) * this.stride);
    this.rebuild();
    // The residual about the line through a point's neighbours has 1.5 times the points' variance.
    const scatter = robustScatter(this.x, this.t, n);
    this.scatter2 = (scatter * scatter) / 1.5;
    this.quantum = (delta * delta) / 12;
    this.weight = 1 / Math.max(this.scatter2, this.quantum, 1e-12);
  }

  /** Positions along the sweep (points that are not steps of it left out), and prefix sums without the strays. */
  rebuild(): void {
    this.pending = [];
    const { x, t, stray, counts, notStep, spans, prefix, stride, spanned } = this;
    // Running sums in locals, written out once per point.
    let before = 0;
    let n = 0;
    let sx = 0;
    let st = 0;
    let sxx = 0;
    let sxt = 0;
    let stt = 0;
    let sdd = 0;
    let sds = 0;
    let sss = 0;
    for (let i = 0, at = stride; i < this.length; i++, at += stride) {
      const count = counts[i]!;
      const xi = before + (notStep[i] ? 0 : count / 2);
      x[i] = xi;
      if (!notStep[i]) before += count;
      if (!stray[i]) {
        const ti = t[i]!;
        n++;
        sx += xi;
        st += ti;
        sxx += xi * xi;
        sxt += xi * ti;
        stt += ti * ti;
        if (spanned && count > 1) {
          const d = count - 1;
          const span = spans[i]!;
          sdd += SPAN_WEIGHT * d * d;
          sds += SPAN_WEIGHT * d * span;
          sss += SPAN_WEIGHT * span * span;
        }
      }
      prefix[at + N] = n;
      prefix[at + SX] = sx;
      prefix[at + ST] = st;
      prefix[at + SXX] = sxx;
      prefix[at + SXT] = sxt;
      prefix[at + STT] = stt;
      if (!spanned) continue;
      prefix[at + SDD] = sdd;
      prefix[at + SDS] = sds;
      prefix[at + SSS] = sss;
    }
  }

  get dirty(): boolean {
    return this.pending.length > 0;
  }

  setAside(i: number): void {
    if (this.stray[i]) return;
    this.version++;
    this.stray[i] = 1;
    this.pending.push(i);
  }

  /** Sets point i aside as an event that is no step of the sweep: the positions after it move back (now). */
  dropStep(i: number): void {
    this.version++;
    this.stray[i] = 1;
    this.notStep[i] = 1;
    this.rebuild();
  }

  /** The objects point i takes along the sweep. */
  step(i: number): number {
    return this.notStep[i] ? 0 : this.counts[i]!;
  }

  /** Adds point i to m (or takes it away: sign −1). */
  private addPoint(m: Moments, i: number, sign: number): void {
    const xi = this.x[i]!;
    const ti = this.t[i]!;
    m.n += sign;
    m.w += sign;
    m.sx += sign * xi;
    m.st += sign * ti;
    m.sxx += sign * xi * xi;
    m.sxt += sign * xi * ti;
    m.stt += sign * ti * ti;
    const d = Math.max(0, this.counts[i]! - 1);
    if (d === 0) return;
    const span = this.spans[i]!;
    m.sdd += sign * SPAN_WEIGHT * d * d;
    m.sds += sign * SPAN_WEIGHT * d * span;
    m.sss += sign * SPAN_WEIGHT * span * span;
    m.spanned += sign;
  }

  /** Points [from, to), strays left out. */
  moments(from: number, to: number): Moments {
    if (to <= from) return NO_MOMENTS;
    const m: Moments = { ...NO_MOMENTS };
    if (to - from <= DIRECT) {
      for (let i = from; i < to; i++) if (!this.stray[i]) this.addPoint(m, i, 1);
      return m;
    }
    const { prefix, stride } = this;
    const a = from * stride;
    const b = to * stride;
    m.n = m.w = prefix[b + N]! - prefix[a + N]!;
    m.sx = prefix[b + SX]! - prefix[a + SX]!;
    m.st = prefix[b + ST]! - prefix[a + ST]!;
    m.sxx = prefix[b + SXX]! - prefix[a + SXX]!;
    m.sxt = prefix[b + SXT]! - prefix[a + SXT]!;
    m.stt = prefix[b + STT]! - prefix[a + STT]!;
    if (this.spanned) {
      m.sdd = prefix[b + SDD]! - prefix[a + SDD]!;
      m.sds = prefix[b + SDS]! - prefix[a + SDS]!;
      m.sss = prefix[b + SSS]! - prefix[a + SSS]!;
    }
    // Which points have a span matters only for a single point (see params).
    m.spanned = m.sdd > 0 ? Math.min(2, m.n) : 0;
    for (const i of this.pending) if (i >= from && i < to) this.addPoint(m, i, -1);
    return m;
  }

  /** The squared error of the least-squares rising line over points [from, to): for scans, with no strays pending. */
  sse(from: number, to: number): number {
    if (to - from <= DIRECT) return to > from ? line(this.moments(from, to)).sse : 0;
    const { prefix, stride } = this;
    const a = from * stride;
    const b = to * stride;
    const n = prefix[b + N]! - prefix[a + N]!;
    if (n === 0) return 0;
    const sx = prefix[b + SX]! - prefix[a + SX]!;
    const st = prefix[b + ST]! - prefix[a + ST]!;
    const sxx = n >= 2 ? prefix[b + SXX]! - prefix[a + SXX]! - (sx * sx) / n : 0;
    const sxt = n >= 2 ? prefix[b + SXT]! - prefix[a + SXT]! - (sx * st) / n : 0;
    const stt = n >= 2 ? prefix[b + STT]! - prefix[a + STT]! - (st * st) / n : 0;
    let along = sxt;
    let across = sxx;
    let sss = 0;
    if (this.spanned) {
      along += prefix[b + SDS]! - prefix[a + SDS]!;
      across += prefix[b + SDD]! - prefix[a + SDD]!;
      sss = prefix[b + SSS]! - prefix[a + SSS]!;
    }
    return Math.max(0, across > 0 && along > 0 ? stt + sss - (along * along) / across : stt + sss);
  }

  /**
   * For each place `at` in `places` (bins with events in any phase, a ≤ at < b), adds this phase's
   * weighted squared errors of the lines over [a, at) and [at, b) to `between`, and of those over
   * [a, at) and [at + 1, b) to `held` (bin `at` held out: it costs `heldCost` when this phase has
   * events in it). For scans, with no strays pending.
   */
  addSplitCosts(a: number, b: number, places: Int32Array, count: number, heldCost: number, between: Float64Array, held: Float64Array): void {
    const { rank, weight } = this;
    const first = rank[a]!;
    const end = rank[b]!;
    for (let k = 0; k < count; k++) {
      const at = places[k]!;
      const i = rank[at]!;
      const j = rank[at + 1]!;
      const left = this.sse(first, i);
      const right = this.sse(i, end);
      between[k]! += weight * (left + right);
      held[k]! += j > i ? weight * (left + this.sse(j, end)) + heldCost : weight * (left + right);
    }
  }

  /**
   * The variance of one point about a segment's line: the scatter, or the bucket's δ²/12 times the
   * points that share one rounding error, whichever is more.
   */
  noise(l: Line): number {
    if (l.n === 0) return Math.max(this.scatter2, this.quantum);
    const spacing = l.n >= 2 && l.sxx > 0 ? Math.sqrt((12 * l.sxx) / (l.n * (l.n * l.n - 1))) : 0;
    // Consecutive points step the time by `step`; their rounding to buckets repeats every 1/‖step/δ‖
    // points (‖·‖: the distance to a whole number), so that many points share one error: δ/step of
    // them when a bucket holds several points, and as many when the step is just off a whole number
    // of buckets (7.97 minutes a point in minute buckets: every 33 points).
    const step = Math.abs(l.slope) * spacing;
    const cycles = this.delta > 0 ? step / this.delta : 0;
    const offWhole = Math.abs(cycles - Math.round(cycles));
    const sharing = offWhole > 0 ? 1 / offWhole : l.n;
    return Math.max(this.scatter2, this.quantum * Math.min(l.n, Math.max(1, sharing)), 1e-12);
  }
}

/**
 * A boundary: `at` is the first bin that is not the left partition's; when `held`, that bin is held
 * out of both sides' lines (it may hold objects of both, or be a stray) and the right one begins
 * after it.
 */
interface Cut {
  at: number;
  held: boolean;
  /** The neighbours and strays it was last placed between. */
  settled?: string;
}

function rightStart(cut: Cut): number {
  return cut.at + (cut.held ? 1 : 0);
}

export function detectPartitions(sweeps: readonly PhaseSweep[], bucketHours: number, exact: boolean): PartitionBreaks {
  const union = unionOfBins(sweeps);
  const size = union.length;
  if (size === 0) return { firstBins: [], strays: 0 };
  const delta = Math.max(bucketHours, 0);
  const phases = sweeps.filter((s) => s.bins.length > 0).map((s) => new Phase(s, union, delta));
  const tail = FALSE_ALARM_RATE / size;
  const strayLimit = chiSquareQuantile(1, tail);
  const has = (p: Phase, u: number) => p.rank[u + 1]! > p.rank[u]!;
  // The places one look of bestCut weighs (at most SCAN + 1 across a range, 2·SCAN_STEP around the best), and their costs.
  const places = new Int32Array(Math.max(SCAN + 1, 2 * SCAN_STEP + 1));
  const between = new Float64Array(places.length);
  const held = new Float64Array(places.length);

  /**
   * The boundary in [a, b) whose two sides' lines fit best (weighted squared errors of all the
   * phases): up to SCAN places across the range, then ever closer around the best. A bin held out
   * costs what a stray would in each phase it has (it is held out only when it is that far off).
   */
  const bestCut = (a: number, b: number): Cut => {
    const stride = Math.max(1, Math.ceil((b - a) / SCAN));
    const best: Cut = { at: a, held: true };
    let bestCost = Infinity;
    let count = 0;
    const add = (at: number) => {
      places[count++] = at;
    };
    /** The places added since the last look, in the order added: the first of equal costs wins. */
    const look = () => {
      between.fill(0, 0, count);
      held.fill(0, 0, count);
      for (const p of phases) p.addSplitCosts(a, b, places, count, strayLimit, between, held);
      for (let k = 0; k < count; k++) {
        const at = places[k]!;
        if (held[k]! < bestCost) {
          bestCost = held[k]!;
          best.at = at;
          best.held = true;
        }
        if (at > a && between[k]! < bestCost) {
          bestCost = between[k]!;
          best.at = at;
          best.held = false;
        }
      }
      count = 0;
    };
    for (let at = a; at < b; at += stride) add(at);
    add(b - 1);
    look();
    // Closer and closer around the best: SCAN_STEP times finer each time.
    for (let reach = stride; reach > 1;) {
      const step = Math.ceil(reach / SCAN_STEP);
      const centre = best.at;
      for (let at = Math.max(a, centre - reach + 1); at <= Math.min(b - 1, centre + reach - 1); at += step) add(at);
      look();
      reach = step;
    }
    return best;
  };
  /**
   * One phase's χ² statistic for one line through [a, cut.at) and [rightStart(cut), b) (and through
   * the held bin when `withHeld`) against a line each; with `skipStep`, the held bin's objects take no
   * place in the sweep (the positions after it move back by them, as when its event is on an object
   * the deletion does not touch).
   */
  const phaseStatistic = (p: Phase, a: number, cut: Cut, b: number, withHeld: boolean, skipStep: boolean): { statistic: number; dof: number } => {
    const start = rightStart(cut);
    const left = p.moments(p.rank[a]!, p.rank[cut.at]!);
    const right = p.moments(p.rank[start]!, p.rank[b]!);
    const middle = withHeld && cut.held ? p.moments(p.rank[cut.at]!, p.rank[start]!) : NO_MOMENTS;
    if (left.n + right.n === 0) return { statistic: 0, dof: 0 };
    const leftLine = line(left);
    const rightLine = line(right);
    // A side of one or two points cannot show its own pace, nor so how many points share its buckets: it has its neighbour's noise.
    let vl = p.noise(leftLine);
    let vr = p.noise(rightLine);
    if (left.n < 3 && right.n >= 3) vl = vr;
    else if (right.n < 3 && left.n >= 3) vr = vl;
    else if (left.n < 3 && right.n < 3) vl = vr = Math.max(vl, vr);
    const shift = skipStep && cut.held && has(p, cut.at) ? p.step(p.rank[cut.at]!) : 0;
    const shifted: Moments = {
      ...right,
      sx: right.sx - right.n * shift,
      sxx: right.sxx - 2 * shift * right.sx + right.n * shift * shift,
      sxt: right.sxt - shift * right.st,
    };
    const merged: Moments = { ...NO_MOMENTS };
    addScaled(merged, left, 1 / vl);
    addScaled(merged, shifted, 1 / vr);
    addScaled(merged, middle, 1 / Math.max(vl, vr));
    return {
      statistic: Math.max(0, line(merged).sse - leftLine.sse / vl - rightLine.sse / vr),
      dof: params(left) + params(right) + middle.n + middle.spanned - params(sum(left, right, middle)),
    };
  };
  /**
   * How far the lines on the two sides of a boundary are from one line through both, over all the
   * phases: the χ² statistic and its degrees of freedom. With `withHeld` the one line goes through
   * the held bin too; without, the held bin may be a step of the sweep or not, whichever fits.
   */
  const compare = (a: number, cut: Cut, b: number, withHeld: boolean): { statistic: number; dof: number } => {
    let statistic = 0;
    let dof = 0;
    for (const p of phases) {
      const step = phaseStatistic(p, a, cut, b, withHeld, false);
      const noStep = withHeld || !cut.held ? step : phaseStatistic(p, a, cut, b, false, true);
      statistic += Math.min(step.statistic, noStep.statistic);
      dof += step.dof;
    }
    return { statistic, dof };
  };
  const significance = (test: { statistic: number; dof: number }) => (test.dof > 0 ? test.statistic / chiSquareQuantile(test.dof, tail) : 0);
  const rebuild = () => {
    for (const p of phases) if (p.dirty) p.rebuild();
  };

  /** Sets bin m aside, in each phase where it is off the line of the other points of [a, b). */
  const setAsideOffLine = (a: number, m: number, b: number) => {
    for (const p of phases) {
      const i = p.rank[m]!;
      if (!has(p, m) || p.stray[i]) continue;
      const rest = p.moments(p.rank[a]!, p.rank[b]!);
      const own = p.moments(i, i + 1);
      const l = line({
        n: rest.n - own.n,
        w: rest.w - own.w,
        sx: rest.sx - own.sx,
        st: rest.st - own.st,
        sxx: rest.sxx - own.sxx,
        sxt: rest.sxt - own.sxt,
        stt: rest.stt - own.stt,
        sdd: rest.sdd - own.sdd,
        sds: rest.sds - own.sds,
        sss: rest.sss - own.sss,
        spanned: rest.spanned - own.spanned,
      });
      if (l.n === 0) continue;
      const r = p.t[i]! - predict(l, p.x[i]!);
      if ((r * r) / (p.noise(l) * (1 + leverage(l, p.x[i]!))) > strayLimit) p.setAside(i);
    }
  };

  /**
   * Bin m joins the segment [a, b), in each phase where it is on the segment's line; a phase whose
   * line fits better without its objects as a step of the sweep sets it aside so, and one where it
   * is off the line sets it aside as a stray.
   */
  const join = (a: number, m: number, b: number) => {
    const cut: Cut = { at: m, held: true };
    for (const p of phases) {
      const i = p.rank[m]!;
      if (!has(p, m) || p.stray[i]) continue;
      if (phaseStatistic(p, a, cut, b, false, true).statistic < phaseStatistic(p, a, cut, b, false, false).statistic) p.dropStep(i);
    }
    setAsideOffLine(a, m, b);
  };

  // 1. Binary segmentation.
  const cuts: Cut[] = [];
  const ranges: [number, number][] = [[0, size]];
  while (ranges.length > 0) {
    const [a, b] = ranges.pop()!;
    if (b - a < 2) continue;
    const cut = bestCut(a, b);
    if (significance(compare(a, cut, b, true)) <= 1) continue;
    cuts.push(cut);
    ranges.push([a, cut.at], [rightStart(cut), b]);
  }
  cuts.sort((x, y) => x.at - y.at);

  // 2. Merge what is one partition; collapse what is the bins around one boundary; move each
  // boundary to where it fits best; until settled.
  const from = (i: number) => (i > 0 ? rightStart(cuts[i - 1]!) : 0);
  const to = (i: number) => (i + 1 < cuts.length ? cuts[i + 1]!.at : size);
  /** Bins set aside so far, in all phases: what a boundary's test and place depend on besides its neighbours. */
  const version = () => phases.reduce((n, p) => n + p.version, 0);
  /** Each boundary's significance between its neighbours, kept until they or the bins set aside change. */
  const tested = new Map<string, number>();
  const significanceOf = (i: number): number => {
    const [a, cut, b] = [from(i), cuts[i]!, to(i)];
    const key = `${a}:${cut.at}:${cut.held}:${b}:${version()}`;
    let s = tested.get(key);
    if (s === undefined) tested.set(key, (s = significance(compare(a, cut, b, false))));
    return s;
  };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let changed = false;
    for (;;) {
      let weakest = -1;
      let weakestSignificance = 1;
      for (let i = 0; i < cuts.length; i++) {
        const s = significanceOf(i);
        if (s <= weakestSignificance) {
          weakest = i;
          weakestSignificance = s;
        }
      }
      if (weakest < 0) break;
      const [a, cut, b] = [from(weakest), cuts[weakest]!, to(weakest)];
      cuts.splice(weakest, 1);
      changed = true;
      if (cut.held) join(a, cut.at, b);
    }
    // A short segment between two boundaries may be the bins around one boundary (see oneCut).
    for (let i = 0; i + 1 < cuts.length; i++) {
      // Two points fit any line: a segment of fewer than three bins cannot show it is a sweep of its
      // own (a longer one can, and the merging and moving settle it).
      if (cuts[i + 1]!.at - rightStart(cuts[i]!) >= 3) continue;
      const [first, last] = [cuts[i]!.at, rightStart(cuts[i + 1]!)];
      const cut = oneCut(i);
      if (!cut) continue;
      cuts.splice(i, 2, cut);
      changed = true;
      for (let u = first; u < last; u++) if (u < cut.at) join(from(i), u, cut.at);
      for (let u = first; u < last; u++) if (u >= rightStart(cut)) join(rightStart(cut), u, to(i));
      i--;
    }
    // Nor can an end segment of fewer than three bins: its bins are events beyond the deletion's first
    // or last key (a stray marker, a repeated line), and join the segment beside them.
    while (cuts.length > 0 && size - rightStart(cuts[cuts.length - 1]!) < 3) {
      const a = from(cuts.length - 1);
      const cut = cuts.pop()!;
      for (let u = cut.at; u < size; u++) join(a, u, size);
      changed = true;
    }
    while (cuts.length > 0 && cuts[0]!.at < 3) {
      const b = to(0);
      const cut = cuts.shift()!;
      for (let u = 0; u < rightStart(cut); u++) join(0, u, b);
      changed = true;
    }
    rebuild();
    // Each boundary to where it fits best between its neighbours (again only when they have moved or its bins changed).
    for (let i = 0; i < cuts.length; i++) {
      const [a, b] = [from(i), to(i)];
      const settled = `${a}:${b}:${version()}`;
      if (cuts[i]!.settled === settled) continue;
      const cut = bestCut(a, b);
      cut.settled = settled;
      if (cut.at !== cuts[i]!.at || cut.held !== cuts[i]!.held) changed = true;
      cuts[i] = cut;
    }
    if (!changed) break;
  }

  // 3. Placement.
  const kept = (u: number) => phases.some((p) => has(p, u) && !p.stray[p.rank[u]!]);
  const strayBins = new Set<number>();
  for (let u = 0; u < size; u++) if (phases.some((p) => has(p, u) && p.stray[p.rank[u]!])) strayBins.add(u);
  let first = 0;
  while (first < size && !kept(first)) first++;
  const firstBins = [union[Math.min(first, size - 1)]!];
  for (let i = 0; i < cuts.length; i++) {
    const [a, cut, b] = [from(i), cuts[i]!, to(i)];
    const start = rightStart(cut);
    let lastLeft = cut.at - 1;
    while (lastLeft >= a && !kept(lastLeft)) lastLeft--;
    let firstRight = start;
    while (firstRight < b && !kept(firstRight)) firstRight++;
    if (lastLeft < a || firstRight >= b) continue;
    const lines = phases.map((p) => {
      const left = line(p.moments(p.rank[a]!, p.rank[cut.at]!));
      const right = line(p.moments(p.rank[start]!, p.rank[b]!));
      return { left, right, vl: p.noise(left), vr: p.noise(right) };
    });
    // Per bin between: how far it is from each side's lines (χ², over the phases where it is not a stray to both).
    const gap: { u: number; toLeft: number; toRight: number }[] = [];
    for (let u = lastLeft + 1; u < firstRight; u++) {
      let toLeft = 0;
      let toRight = 0;
      let used = false;
      for (const [k, p] of phases.entries()) {
        const { left, right, vl, vr } = lines[k]!;
        if (!has(p, u) || left.n === 0 || right.n === 0) continue;
        const i = p.rank[u]!;
        const x = p.x[i]!;
        const t = p.t[i]!;
        const [pl, pr] = [predict(left, x), predict(right, x)];
        const zl = (t - pl) ** 2 / (vl * (1 + leverage(left, x)));
        const zr = (t - pr) ** 2 / (vr * (1 + leverage(right, x)));
        // Far from both: a stray, unless bins hold many objects and it is between the two (a bin of both).
        if (zl > strayLimit && zr > strayLimit && (exact || t < Math.min(pl, pr) || t > Math.max(pl, pr))) continue;
        toLeft += zl;
        toRight += zr;
        used = true;
      }
      if (!used) strayBins.add(u);
      gap.push({ u, toLeft, toRight });
    }
    // The split of the bins between that puts each nearest its side; when it makes no difference, the later one.
    let cost = gap.reduce((c, g) => c + g.toRight, 0);
    let best = 0;
    let bestCost = cost;
    for (let j = 0; j < gap.length; j++) {
      cost += gap[j]!.toLeft - gap[j]!.toRight;
      if (cost <= bestCost) {
        bestCost = cost;
        best = j + 1;
      }
    }
    const begin = best < gap.length ? gap[best]!.u : firstRight;
    if (union[begin]! > firstBins[firstBins.length - 1]!) firstBins.push(union[begin]!);
  }
  for (const u of strayBins) if (u < first) strayBins.delete(u);
  return { firstBins, strays: strayBins.size };

  /**
   * Whether the segment between boundaries i and i + 1 is no partition but the bins around one
   * boundary: the bins from boundary i's to boundary i + 1's on the line of the segment before, then
   * the bins on the line of the segment after, with perhaps one bin between held out: one that holds
   * the end of one partition and the start of the next (when bins hold many objects: in every phase
   * the same share of the first's objects, each part on its side's line where it is along the sweep).
   * Returns that one boundary, or nothing when the bins are further from this than the noise allows
   * (a χ² test).
   */
  function oneCut(i: number): Cut | undefined {
    const [a, lo, hi, b] = [from(i), cuts[i]!.at, rightStart(cuts[i + 1]!), to(i + 1)];
    const lines = phases.map((p) => {
      const left = line(p.moments(p.rank[a]!, p.rank[lo]!));
      const right = line(p.moments(p.rank[hi]!, p.rank[b]!));
      return { left, right, vl: p.noise(left), vr: p.noise(right) };
    });
    // A bin on one side's lines in all its phases but one, and far off in that one, has a stray
    // event there (an event on an object the deletion does not touch is a bin of one phase): that
    // phase is left out of its χ² (and its degrees of freedom).
    const robust = (terms: number[]): { chi: number; dof: number } => {
      let chi = 0;
      let worst = 0;
      for (const z of terms) {
        chi += z;
        worst = Math.max(worst, z);
      }
      return worst > strayLimit ? { chi: chi - worst, dof: terms.length - 1 } : { chi, dof: terms.length };
    };
    const bins: { toLeft: number; toRight: number; leftDof: number; rightDof: number; mix: number; phases: number }[] = [];
    for (let u = lo; u < hi; u++) {
      const terms: { x: number; t: number; objects: number; k: number; variance: number }[] = [];
      const zLeft: number[] = [];
      const zRight: number[] = [];
      let most = 0;
      for (const [k, p] of phases.entries()) {
        const j = p.rank[u]!;
        const { left, right, vl, vr } = lines[k]!;
        if (!has(p, u) || p.stray[j] || left.n === 0 || right.n === 0) continue;
        const x = p.x[j]!;
        const [varL, varR] = [vl * (1 + leverage(left, x)), vr * (1 + leverage(right, x))];
        zLeft.push((p.t[j]! - predict(left, x)) ** 2 / varL);
        zRight.push((p.t[j]! - predict(right, x)) ** 2 / varR);
        const objects = p.step(j);
        most = Math.max(most, objects);
        terms.push({ x: x - objects / 2, t: p.t[j]!, objects, k, variance: Math.max(varL, varR) });
      }
      const toLeft = robust(zLeft);
      const toRight = robust(zRight);
      // Held out, the bin is free: it costs what a stray would in each of its phases, unless it is a mix of the two sides.
      let mix = strayLimit * terms.length;
      if (!exact && most > 1) {
        const shares = Math.min(most, MIX_SHARES);
        for (let s = 1; s < shares; s++) {
          const w = s / shares;
          let chi = 0;
          for (const { x, t, objects, k, variance } of terms) {
            const { left, right } = lines[k]!;
            const first = w * objects;
            const value = w * predict(left, x + first / 2) + (1 - w) * predict(right, x + first + (objects - first) / 2);
            chi += (t - value) ** 2 / variance;
          }
          mix = Math.min(mix, chi);
        }
      }
      bins.push({ toLeft: toLeft.chi, toRight: toRight.chi, leftDof: toLeft.dof, rightDof: toRight.dof, mix, phases: terms.length });
    }
    // The bins before the boundary on the left's lines, those after on the right's: running sums.
    const n = bins.length;
    const leftChi = new Float64Array(n + 1);
    const rightChi = new Float64Array(n + 1);
    const leftDof = new Float64Array(n + 1);
    const rightDof = new Float64Array(n + 1);
    for (let j = 0; j < n; j++) {
      leftChi[j + 1] = leftChi[j]! + bins[j]!.toLeft;
      leftDof[j + 1] = leftDof[j]! + bins[j]!.leftDof;
    }
    for (let j = n - 1; j >= 0; j--) {
      rightChi[j] = rightChi[j + 1]! + bins[j]!.toRight;
      rightDof[j] = rightDof[j + 1]! + bins[j]!.rightDof;
    }
    let best: Cut | undefined;
    let bestSignificance = 1;
    const consider = (chi: number, dof: number, cut: Cut) => {
      const s = dof > 0 ? chi / chiSquareQuantile(dof, tail) : 0;
      if (s <= bestSignificance) {
        bestSignificance = s;
        best = cut;
      }
    };
    for (let j = 0; j <= n; j++) {
      consider(leftChi[j]! + rightChi[j]!, leftDof[j]! + rightDof[j]!, { at: lo + j, held: false });
      if (j < n) {
        const mixDof = Math.max(0, bins[j]!.phases - (exact ? 0 : 1));
        consider(leftChi[j]! + bins[j]!.mix + rightChi[j + 1]!, leftDof[j]! + rightDof[j + 1]! + mixDof, { at: lo + j, held: true });
      }
    }
    return best;
  }
}

/** The bins with an event in any phase, ascending. */
function unionOfBins(sweeps: readonly PhaseSweep[]): Int32Array {
  let last = -1;
  for (const s of sweeps) if (s.bins.length > 0) last = Math.max(last, s.bins[s.bins.length - 1]!);
  const seen = new Uint8Array(last + 1);
  for (const s of sweeps) for (let i = 0; i < s.bins.length; i++) seen[s.bins[i]!] = 1;
  let n = 0;
  for (let b = 0; b <= last; b++) n += seen[b]!;
  const union = new Int32Array(n);
  n = 0;
  for (let b = 0; b <= last; b++) if (seen[b]) union[n++] = b;
  return union;
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

/** P(X > x) for X ~ χ² with `dof` degrees of freedom (a whole number). */
export function chiSquareTail(dof: number, x: number): number {
  if (x <= 0) return 1;
  const h = x / 2;
  let sum: number;
  if (dof % 2 === 0) {
    // Q(2j) = e^(−h) Σ_{i<j} h^i / i!
    let term = Math.exp(-h);
    sum = term;
    for (let i = 1; i < dof / 2; i++) {
      term *= h / i;
      sum += term;
    }
  } else {
    // Q(2j+1) = erfc(√h) + Σ_{i=1..j} h^(i−½) e^(−h) / Γ(i+½)
    sum = erfc(Math.sqrt(h));
    let term = 2 * Math.sqrt(h / Math.PI) * Math.exp(-h);
    for (let i = 1; i <= (dof - 1) / 2; i++) {
      if (i > 1) term *= h / (i - 0.5);
      sum += term;
    }
  }
  return Math.min(1, sum);
}

const quantiles = new Map<string, number>();

/** The x with P(X > x) = `tail`, X ~ χ² with `dof` degrees of freedom. */
export function chiSquareQuantile(dof: number, tail: number): number {
  const key = `${dof}:${tail}`;
  const cached = quantiles.get(key);
  if (cached !== undefined) return cached;
  let lo = 0;
  let hi = 10;
  while (chiSquareTail(dof, hi) > tail) hi *= 2;
  for (let i = 0; i < 100 && hi - lo > 1e-9 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (chiSquareTail(dof, mid) > tail) lo = mid;
    else hi = mid;
  }
  quantiles.set(key, hi);
  return hi;
}

/** The complementary error function, with a relative error below 1.2e-7 everywhere (Numerical Recipes' erfcc). */
function erfc(z: number): number {
  const a = Math.abs(z);
  const t = 1 / (1 + 0.5 * a);
  const r =
    t *
    Math.exp(
      -a * a -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? r : 2 - r;
}

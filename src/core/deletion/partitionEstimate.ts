// When the deletion will be over: each unfinished phase of each partition ends when its remaining
// objects are done at its pace; a phase not started yet starts after the lag seen between the same
// phases in the other partitions (or, seen nowhere yet, one to two days: S3 runs lifecycle once a
// day) and runs at its partition's first-phase pace, scaled as the other partitions' phases are.
// The whole deletion ends with the last of them; every figure is an interval (low, mid, high).
// "S3 lifecycle runs only once per day" (AWS Knowledge Center, "s3-lifecycle-rule-delay"); S3 "queues
// the object for removal and removes it asynchronously" (User Guide, lifecycle expiration).

import { HOUR_MS } from '../time';
import { EventKind } from './model';

export interface Interval {
  low: number;
  mid: number;
  high: number;
}

/** One phase of one partition, as the bins tell it (times in hours from the first bucket, except `started` and `lastEvent`, in ms). */
export interface PhaseFacts {
  kind: EventKind;
  done: number;
  started?: number;
  lastEvent?: number;
  /** Hours per object, from the fit; with its interval. */
  pace?: Interval;
  /** Hours: when a phase seen only in a partition's end bins began there (it may be the neighbour's). */
  edgeStart?: number;
  /** The pace is measured over enough points and time (several buckets) to go by. */
  paceMeasured: boolean;
  /** The fitted time (hours) of the object at sweep position `done`. */
  frontTime?: number;
  /** The last bin with an event. */
  frontBin: number;
  total: Interval;
  finished: boolean;
  end?: Interval;
  start?: Interval;
}

/** S3 runs lifecycle once a day: a phase that no partition has reached yet is assumed to follow the one before by one to two days. */
export const PRIOR_LAG_HOURS: Interval = { low: 24, mid: 36, high: 48 };
/** A partition's phases may lag by up to a day more or less than the lags seen in the others (a daily run). */
const LAG_SPREAD_HOURS = 24;
/**
 * Every partition is taken to have started its first phase within a day and a half of the first
 * event (S3 runs lifecycle once a day; a partition's run may drift within the next day). Before
 * that, keys not reached yet may belong to partitions that have not started.
 */
export const FIRST_RUN_HOURS = 36;

export interface EndInputs {
  phaseKinds: readonly EventKind[];
  leadIndex: number;
  /** The first bucket (ms): the zero of the hours. */
  origin: number;
  /** The time bucket, hours. */
  delta: number;
  /** The end of the last bucket seen, hours. */
  horizon: number;
  firstEventHours: number;
  /** Partitions may yet start (less than FIRST_RUN_HOURS since the first event) and a partition still sweeping has keys not reached. */
  unstartedMatter: boolean;
  /** Objects a partition's end bins may hold of its neighbours' (0 with one object per bin). */
  slack: number;
}

export interface EndEstimate {
  /** The whole deletion's end (hours), when anything is left. */
  end?: Interval;
  /** Later phases no partition has started. */
  unseenLags: EventKind[];
  /** Some phase not started somewhere follows a lag seen elsewhere. */
  lagsObserved: boolean;
  /** A phase seen running nowhere is assumed to run at its partition's first-phase pace. */
  pacesAssumed: boolean;
}

/** Fills in each phase's `start` and `end` (unfinished ones), and returns the whole deletion's end. */
export function estimateEnds(facts: PhaseFacts[][], inputs: EndInputs): EndEstimate {
  const { phaseKinds, leadIndex, origin, delta, horizon, firstEventHours, unstartedMatter, slack } = inputs;
  // Lags between phases, and the pace of each phase relative to the first, across partitions.
  const lagsSeen: Interval[] = [];
  const paceRatios: (Interval | undefined)[] = [];
  const unseenLags: EventKind[] = [];
  for (let k = 0; k < phaseKinds.length; k++) {
    lagsSeen.push(PRIOR_LAG_HOURS);
    paceRatios.push(undefined);
    if (k <= leadIndex) continue;
    const lags: number[] = [];
    const ratios: number[] = [];
    for (const phases of facts) {
      const before = phases[k - 1]!;
      const f = phases[k]!;
      if (f.started !== undefined && before.started !== undefined) lags.push((f.started - before.started) / HOUR_MS);
      const leadPace = phases[leadIndex]!.pace?.mid;
      if (f.pace && f.paceMeasured && leadPace) ratios.push(f.pace.mid / leadPace);
    }
    if (lags.length > 0) {
      lags.sort((a, b) => a - b);
      const lo = lags[0]!;
      const hi = lags[lags.length - 1]!;
      lagsSeen[k] = { low: Math.max(0, Math.min(lo, hi - LAG_SPREAD_HOURS)), mid: lags[lags.length >> 1]!, high: Math.max(hi, lo + LAG_SPREAD_HOURS) };
    } else if (facts.some((phases) => !phases[k]!.finished)) unseenLags.push(phaseKinds[k]!);
    if (ratios.length > 0) {
      ratios.sort((a, b) => a - b);
      paceRatios[k] = { low: ratios[0]!, mid: ratios[ratios.length >> 1]!, high: ratios[ratios.length - 1]! };
    }
  }

  // Each unfinished phase's end; a phase not started yet starts after its lag.
  let pacesAssumed = false;
  for (const phases of facts) {
    const leadPace = phases[leadIndex]!.pace;
    let previousStart: Interval | undefined;
    for (const [k, f] of phases.entries()) {
      if (k < leadIndex) continue;
      const startHours = f.started === undefined ? undefined : (f.started - origin) / HOUR_MS;
      if (startHours !== undefined) f.start = point(startHours);
      else if (previousStart) {
        const lag = lagsSeen[k]!;
        f.start = atLeast(horizon, { low: previousStart.low + lag.low, mid: previousStart.mid + lag.mid, high: previousStart.high + lag.high });
        // Seen in an end bin only: it may have begun there already.
        if (f.edgeStart !== undefined) f.start.low = Math.min(f.start.low, f.edgeStart);
      }
      previousStart = f.start;
      if (f.finished || !f.start) continue;
      let pace = f.pace;
      if (!pace || (!f.paceMeasured && k !== leadIndex)) {
        const ratio = paceRatios[k];
        if (!ratio) pacesAssumed ||= k !== leadIndex;
        const base = leadPace ?? point(0);
        // Seen nowhere else either: the first phase's pace, give or take a half.
        pace = ratio
          ? { low: base.low * ratio.low, mid: base.mid * ratio.mid, high: base.high * ratio.high }
          : leadPace
            ? { low: base.low / 1.5, mid: base.mid, high: base.high * 1.5 }
            : (f.pace ?? base);
      }
      const remaining = {
        low: Math.max(0, f.total.low - f.done - slack),
        mid: Math.max(0, f.total.mid - f.done),
        high: Math.max(0, f.total.high - f.done) + slack,
      };
      if (f.done > 0 && f.frontTime !== undefined) {
        // Running: on from where the fitted line puts its front (bucket starts are on average half a bucket early).
        f.end = atLeast(horizon, {
          low: f.frontTime + remaining.low * pace.low,
          mid: f.frontTime + delta / 2 + remaining.mid * pace.mid,
          high: f.frontTime + delta + remaining.high * pace.high,
        });
      } else {
        const n = { low: Math.max(0, f.total.low - 1 - f.done - slack), mid: Math.max(0, f.total.mid - 1), high: Math.max(0, f.total.high - 1) + slack };
        f.end = atLeast(horizon, {
          low: f.start.low + n.low * pace.low,
          mid: f.start.mid + n.mid * pace.mid,
          high: f.start.high + delta + n.high * pace.high,
        });
      }
    }
  }

  const lagsObserved = lagsSeen.some((lag, k) => k > leadIndex && lag !== PRIOR_LAG_HOURS);
  return { end: wholeEnd(), unseenLags, lagsObserved, pacesAssumed };

  function wholeEnd(): Interval | undefined {
    let low = -Infinity;
    let mid = -Infinity;
    let high = -Infinity;
    for (const phases of facts) {
      for (const f of phases) {
        if (f.finished || !f.end) continue;
        low = Math.max(low, f.end.low);
        mid = Math.max(mid, f.end.mid);
        high = Math.max(high, f.end.high);
      }
    }
    if (unstartedMatter) {
      // A partition that starts now still needs every later phase's lag before it is done.
      let floor = horizon;
      for (let k = leadIndex + 1; k < phaseKinds.length; k++) if (phaseKinds[k] !== EventKind.expireObject) floor += lagsSeen[k]!.low;
      low = Math.max(low, Math.min(floor, mid));
      // And one that starts as late as a partition may (FIRST_RUN_HOURS after the first event) and
      // sweeps as long as the longest finished first phase (two days at least) ends after all the lags.
      let longest = 48;
      for (const phases of facts) {
        const f = phases[leadIndex]!;
        if (f.finished && f.started !== undefined && f.lastEvent !== undefined) longest = Math.max(longest, (f.lastEvent - f.started) / HOUR_MS);
      }
      let ceiling = firstEventHours + FIRST_RUN_HOURS + longest;
      for (let k = leadIndex + 1; k < phaseKinds.length; k++) if (phaseKinds[k] !== EventKind.expireObject) ceiling += lagsSeen[k]!.high + longest;
      high = Math.max(high, ceiling);
    }
    return Number.isFinite(mid) ? { low, mid, high } : undefined;
  }
}

export function point(value: number): Interval {
  return { low: value, mid: value, high: value };
}

function atLeast(floor: number, interval: Interval): Interval {
  return { low: Math.max(floor, interval.low), mid: Math.max(floor, interval.mid), high: Math.max(floor, interval.high) };
}

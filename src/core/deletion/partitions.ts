// The deletion's progress and its end: which key ranges S3 deletes as a unit (its storage
// partitions, "a function of the object key", each running the lifecycle rules on its own), how far
// each has got in each phase and at what rate, and when the whole deletion should be over.
//
// It sees the events as frames are computed, in bounded memory: per bin of object ordinals (at most
// `bins`, one object per bin when there are no more objects than bins) and per deletion phase, the
// number of objects, and the least, greatest and summed time. From every phase's bins together it
// finds the partitions (partitionDetect.ts: where the phases' sweeps break at one place in key
// order, each phase on its own terms); the rest is arithmetic on the bins (partitionEstimate.ts):
// - a partition sweeps its keys in order, so the keys after its last deleted key and before the next
//   partition's first are its own, not yet reached (or out of the rule's scope — indistinguishable
//   until it has clearly stopped);
// - its rate is the slope of a line fitted to (position in the sweep, time), not two points;
// - a phase not yet started starts after the lag between the phases seen in the other partitions
//   (S3 runs lifecycle once a day), and runs at the pace of the partition's first phase, scaled as
//   the other partitions' phases are.

import { HOUR_MS } from '../time';
import { EventKind, type EventBatch } from './model';
import { detectPartitions, FALSE_ALARM_RATE, type PhaseSweep } from './partitionDetect';
import { robustLine } from './sweepLines';
import { estimateEnds, FIRST_RUN_HOURS, point, type Interval, type PhaseFacts } from './partitionEstimate';

const MINUTE_MS = 60_000;
const BUCKET_UNITS = [1000, MINUTE_MS, HOUR_MS, 24 * HOUR_MS];

export type PhaseKind = 'delete_marker' | 'expire_version' | 'expire_marker' | 'expire_object';

export interface PhaseProgress {
  kind: PhaseKind;
  done: number;
  total: number;
  started?: number;
  lastEvent?: number;
  ratePerHour?: number;
  /** estimated end of this phase when not finished */
  estimatedEnd?: number;
}

export interface DeletionPartition {
  index: number;
  firstObject: number;
  /** Exclusive: the next partition's first object, or the number of objects. */
  endObject: number;
  /** The objects the partition deletes: exact once its first phase has finished, estimated before. */
  objects: number;
  phases: PhaseProgress[];
  finished: boolean;
  estimatedEnd?: number;
}

export interface DeletionProgress {
  partitions: DeletionPartition[];
  complete: boolean;
  firstEvent?: number;
  lastEvent?: number;
  /** when the whole deletion should be over, with an uncertainty interval; absent when complete or unknowable */
  estimatedEnd?: { time: number; low: number; high: number };
  notes: string[];
}

export interface PartitionTrackerOptions {
  /** Bins over the object ordinals (default 65,536): the tracker's memory is a fixed ~110 bytes per bin. */
  bins?: number;
  /** The time bucket of the batches (ms); by default the longest of a second, minute, hour or day that the batches start on. */
  bucketMs?: number;
}

export const DEFAULT_PARTITION_BINS = 65_536;

const PHASE_KINDS: readonly PhaseKind[] = ['delete_marker', 'expire_version', 'expire_marker', 'expire_object'];
const VERSIONED_PHASES = [EventKind.deleteMarker, EventKind.expireVersion, EventKind.expireMarker] as const;
const DELETION_KINDS = 4;
/**
 * Per phase kind, per bin: objects, and their least, greatest and summed times, in minutes since the
 * epoch: whole numbers for minute, hour and day buckets, so sums are exact and do not depend on the
 * order the events came in.
 */
class KindBins {
  readonly count: Uint32Array;
  readonly sum: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  total = 0;
  constructor(bins: number) {
    this.count = new Uint32Array(bins);
    this.sum = new Float64Array(bins);
    this.min = new Float64Array(bins).fill(Infinity);
    this.max = new Float64Array(bins).fill(-Infinity);
  }
}

export class PartitionTracker {
  readonly bins: number;
  private readonly exact: boolean;
  private readonly kinds: (KindBins | undefined)[] = [undefined, undefined, undefined, undefined];
  private origin: number | undefined;
  /** `origin` in minutes, for `hours()`. */
  private originMinutes = 0;
  private firstBucket = Infinity;
  private lastBucket = -Infinity;
  /** Batches, and how many of them start on a whole second, minute, hour and day (BUCKET_UNITS). */
  private batches = 0;
  private readonly aligned = new Float64Array(BUCKET_UNITS.length);
  private outOfRange = 0;
  private duplicates = 0;
  private cached: DeletionProgress | undefined;
  /** Reused across batches: (kind, object) pairs of an unsorted batch. */
  private scratch = new Float64Array(0);
  private readonly lastInBatch = new Float64Array(DELETION_KINDS);

  constructor(
    readonly objects: number,
    private readonly options: PartitionTrackerOptions = {},
  ) {
    if (!Number.isInteger(objects) || objects < 0) throw new Error(`objects must be a whole number of at least 0, not ${objects}`);
    const bins = options.bins ?? DEFAULT_PARTITION_BINS;
    if (!Number.isInteger(bins) || bins < 1) throw new Error(`bins must be a whole number of at least 1, not ${bins}`);
    this.bins = Math.min(bins, objects);
    this.exact = this.bins === objects;
  }

  /** The bin of an object ordinal. */
  binOf(object: number): number {
    return this.exact ? object : Math.floor((object * this.bins) / this.objects);
  }

  /** The first object ordinal of a bin (`bins` gives `objects`). */
  firstObjectOf(bin: number): number {
    return this.exact ? bin : Math.ceil((bin * this.objects) / this.bins);
  }

  record(batch: EventBatch): void {
    if (batch.length === 0) return;
    this.cached = undefined;
    const time = batch.bucketStart;
    this.origin ??= time;
    this.batches++;
    for (let u = 0; u < BUCKET_UNITS.length; u++) if (time % BUCKET_UNITS[u]! === 0) this.aligned[u]!++;
    if (time < this.firstBucket) this.firstBucket = time;
    if (time > this.lastBucket) this.lastBucket = time;
    const minutes = time / MINUTE_MS;
    const { kinds, objects } = batch;
    if (this.exact) {
      // One object per bin: a second event of the same kind is a duplicate (the earliest time counts).
      for (let i = 0; i < batch.length; i++) {
        const kind = kinds[i]!;
        if (kind >= DELETION_KINDS) continue;
        const object = objects[i]!;
        if (object >= this.objects) {
          this.outOfRange++;
          continue;
        }
        const bins = (this.kinds[kind] ??= new KindBins(this.bins));
        if (bins.count[object]! > 0) {
          this.duplicates++;
          if (minutes < bins.min[object]!) bins.sum[object] = bins.min[object] = bins.max[object] = minutes;
          continue;
        }
        bins.count[object] = 1;
        bins.sum[object] = bins.min[object] = bins.max[object] = minutes;
        bins.total++;
      }
      return;
    }
    // Many objects per bin: a line delivered twice, or one line per version of an object, is the
    // same (kind, object) twice in one batch (one time bucket). When each kind's objects come in
    // order (as grouped_events gives them) a repeat is next to its first; otherwise sort.
    this.lastInBatch.fill(-1);
    let ordered = true;
    for (let i = 0; i < batch.length && ordered; i++) {
      const kind = kinds[i]!;
      if (kind >= DELETION_KINDS) continue;
      if (objects[i]! < this.lastInBatch[kind]!) ordered = false;
      this.lastInBatch[kind] = objects[i]!;
    }
    this.lastInBatch.fill(-1);
    if (ordered) {
      for (let i = 0; i < batch.length; i++) {
        const kind = kinds[i]!;
        if (kind >= DELETION_KINDS) continue;
        const object = objects[i]!;
        if (object === this.lastInBatch[kind]) {
          this.duplicates++;
          continue;
        }
        this.lastInBatch[kind] = object;
        this.add(kind, object, minutes);
      }
      return;
    }
    if (this.scratch.length < batch.length) this.scratch = new Float64Array(batch.length);
    let n = 0;
    for (let i = 0; i < batch.length; i++) if (kinds[i]! < DELETION_KINDS) this.scratch[n++] = kinds[i]! * 4294967296 + objects[i]!;
    const pairs = this.scratch.subarray(0, n).sort();
    for (let i = 0; i < n; i++) {
      if (i > 0 && pairs[i] === pairs[i - 1]) {
        this.duplicates++;
        continue;
      }
      const kind = Math.floor(pairs[i]! / 4294967296);
      this.add(kind, pairs[i]! - kind * 4294967296, minutes);
    }
  }

  private add(kind: number, object: number, minutes: number): void {
    if (object >= this.objects) {
      this.outOfRange++;
      return;
    }
    const bins = (this.kinds[kind] ??= new KindBins(this.bins));
    const bin = this.binOf(object);
    bins.count[bin]!++;
    bins.sum[bin]! += minutes;
    if (minutes < bins.min[bin]!) bins.min[bin] = minutes;
    if (minutes > bins.max[bin]!) bins.max[bin] = minutes;
    bins.total++;
  }

  report(): DeletionProgress {
    this.cached ??= this.compute();
    return this.cached;
  }

  /**
   * The time bucket: the longest of a second, a minute, an hour and a day that nearly every batch
   * starts on (a stray batch does not shrink it), or a millisecond when they are exact times.
   */
  private bucketSize(): number {
    let size = 1;
    for (let u = 0; u < BUCKET_UNITS.length; u++) if (this.aligned[u]! >= 0.95 * this.batches) size = BUCKET_UNITS[u]!;
    return size;
  }

  /** A stored time (minutes since the epoch) in hours from the first bucket. */
  private hours(minutes: number): number {
    return (minutes - this.originMinutes) / 60;
  }

  private binWidth(bin: number): number {
    return this.firstObjectOf(bin + 1) - this.firstObjectOf(bin);
  }

  /** A bin's objects of a kind: its events, but never more than the objects it holds. */
  private doneIn(bins: KindBins, bin: number): number {
    const n = bins.count[bin]!;
    return this.exact || n <= 1 ? n : Math.min(n, this.binWidth(bin));
  }

  private compute(): DeletionProgress {
    const notes: string[] = [];
    // Times in hours from the first bucket (which, unlike the first batch, does not depend on the order).
    const origin = this.origin === undefined ? undefined : this.firstBucket;
    this.originMinutes = this.firstBucket / MINUTE_MS;
    const [markers, versions, markerRemovals, unversioned] = this.kinds;
    const anyVersioned = (markers?.total ?? 0) + (versions?.total ?? 0) + (markerRemovals?.total ?? 0) > 0;
    const phaseKinds: EventKind[] = anyVersioned ? [...VERSIONED_PHASES] : [];
    if ((unversioned?.total ?? 0) > 0) phaseKinds.push(EventKind.expireObject);
    if (origin === undefined || phaseKinds.length === 0) {
      notes.push('No lifecycle deletion events yet: nothing to measure.');
      return { partitions: [], complete: false, notes };
    }
    const lead = phaseKinds.find((k) => (this.kinds[k]?.total ?? 0) > 0)!;
    const leadBins = this.kinds[lead]!;
    const delta = (this.options.bucketMs ?? this.bucketSize()) / HOUR_MS;
    const horizon = (this.lastBucket - origin) / HOUR_MS + delta;

    // The partitions: where the phases' sweeps break together (partitionDetect.ts). An unversioned
    // object among versioned ones is counted, not scheduled: its expiry does not place boundaries.
    const sweeps = new Map(phaseKinds.map((kind) => [kind, this.sweep(kind)]));
    const scheduled = phaseKinds.filter((kind) => kind === lead || kind !== EventKind.expireObject);
    const detected = detectPartitions(
      scheduled.map((kind) => sweeps.get(kind)!),
      delta,
      this.exact,
    );
    const firstBins = detected.firstBins;
    const strays = detected.strays;

    // Each partition's phases, from its bins.
    const facts: PhaseFacts[][] = firstBins.map((from, p) => {
      const to = p + 1 < firstBins.length ? firstBins[p + 1]! : this.bins;
      const phases = phaseKinds.map((kind) => this.phaseFacts(kind, sweeps.get(kind)!, from, to, delta, true));
      // A partition whose first phase shows only in its end bins is all edge: use every bin.
      const leadFacts = phases[phaseKinds.indexOf(lead)]!;
      return leadFacts.started === undefined ? phaseKinds.map((kind) => this.phaseFacts(kind, sweeps.get(kind)!, from, to, delta, false)) : phases;
    });

    // What is left of each partition's first phase: its keys not reached yet, at the density of
    // objects being deleted among the keys it has swept. Finished once it has clearly stopped.
    const leadIndex = phaseKinds.indexOf(lead);
    const firstEventHours = (this.firstBucket - origin) / HOUR_MS;
    const unstartedPossible = horizon < firstEventHours + FIRST_RUN_HOURS;
    let unstartedMatter = false;
    let estimatedTotals = false;
    for (const [p, phases] of facts.entries()) {
      const leadFacts = phases[leadIndex]!;
      const from = firstBins[p]!;
      const to = p + 1 < firstBins.length ? firstBins[p + 1]! : this.bins;
      const unreached = this.firstObjectOf(to) - this.firstObjectOf(leadFacts.frontBin + 1);
      const paceHours = leadFacts.pace?.mid ?? 0;
      const idle = horizon - (leadFacts.lastEvent! - origin) / HOUR_MS;
      leadFacts.finished = unreached <= 0 || idle > 2 * delta + 3 * paceHours;
      if (leadFacts.finished) leadFacts.total = point(leadFacts.done);
      else {
        const density = this.densities(leadBins, from, leadFacts.frontBin);
        // The keys not reached may all be outside the rule (or, while partitions may yet start, theirs):
        // at least none more for this one.
        if (unstartedPossible) unstartedMatter = true;
        leadFacts.total = {
          low: leadFacts.done,
          mid: leadFacts.done + Math.round(unreached * density.mid),
          high: leadFacts.done + Math.round(unreached * density.high),
        };
        if (unreached > 0) estimatedTotals = true;
      }
      for (const [k, f] of phases.entries()) {
        if (k === leadIndex) continue;
        if (phaseKinds[k] === EventKind.expireObject && lead !== EventKind.expireObject) {
          // An unversioned object among versioned ones: counted, not scheduled.
          f.total = point(f.done);
          f.finished = true;
          continue;
        }
        f.total = k < leadIndex ? point(f.done) : leadFacts.total;
        const reachedEnd = f.frontBin >= leadFacts.frontBin;
        const fIdle = f.lastEvent === undefined ? 0 : horizon - (f.lastEvent - origin) / HOUR_MS;
        // Done when every object has had it (exact bins only: a shared end bin can make up the count),
        // or when it has reached the partition's last key and stopped (some log lines are never delivered).
        f.finished =
          k < leadIndex ||
          (leadFacts.finished &&
            ((this.exact && f.done >= f.total.mid) ||
              (reachedEnd && f.started !== undefined && (f.done >= f.total.mid || fIdle > 2 * delta + 3 * (f.pace?.mid ?? 0)))));
      }
    }

    const estimate = estimateEnds(facts, {
      phaseKinds,
      leadIndex,
      origin,
      delta,
      horizon,
      firstEventHours,
      unstartedMatter,
      // With many objects per bin, a partition's end bins may hold up to a bin of its neighbours' objects either way.
      slack: this.exact ? 0 : 2 * Math.ceil(this.objects / this.bins),
    });

    // The report.
    const toMs = (hours: number) => Math.round(origin + hours * HOUR_MS);
    const partitions: DeletionPartition[] = facts.map((phases, p) => {
      const from = firstBins[p]!;
      const to = p + 1 < firstBins.length ? firstBins[p + 1]! : this.bins;
      const finished = phases.every((f) => f.finished);
      let end: Interval | undefined;
      for (const f of phases) if (f.end && (!end || f.end.mid > end.mid)) end = f.end;
      return {
        index: p,
        firstObject: this.firstObjectOf(from),
        endObject: this.firstObjectOf(to),
        objects: phases[leadIndex]!.total.mid,
        phases: phases.map((f, k) => ({
          kind: PHASE_KINDS[phaseKinds[k]!]!,
          done: f.done,
          total: f.total.mid,
          ...(f.started !== undefined ? { started: f.started } : {}),
          ...(f.lastEvent !== undefined ? { lastEvent: f.lastEvent } : {}),
          ...(f.pace && f.pace.mid > 0 ? { ratePerHour: 1 / f.pace.mid } : {}),
          ...(!f.finished && f.end ? { estimatedEnd: toMs(f.end.mid) } : {}),
        })),
        finished,
        ...(!finished && end ? { estimatedEnd: toMs(end.mid) } : {}),
      };
    });
    const complete = partitions.every((p) => p.finished);
    const estimatedEnd: DeletionProgress['estimatedEnd'] =
      !complete && estimate.end ? { time: toMs(estimate.end.mid), low: toMs(estimate.end.low), high: toMs(estimate.end.high) } : undefined;

    notes.push(
      `Partitions are the key ranges whose deletion times rise steadily with the key in every phase; a new one begins where the phases' times drop, jump or change pace beyond the noise of the time buckets (a ${FALSE_ALARM_RATE * 100}% chance of a false boundary).`,
    );
    if (!this.exact)
      notes.push(
        `${this.objects.toLocaleString('en-US')} objects in ${this.bins.toLocaleString('en-US')} bins: partition boundaries are known to within one bin (about ${Math.ceil(this.objects / this.bins).toLocaleString('en-US')} objects), and a repeated event is recognised only within its time bucket.`,
      );
    if (estimatedTotals)
      notes.push(
        'A partition still sweeping owns the keys after its last deleted key up to the next partition: a partition that has not started at all cannot be told from the unreached tail of the one before it, nor keys outside the rule from keys not reached yet; its total is estimated from the share of keys deleted so far in its range.',
      );
    if (unstartedMatter)
      notes.push(
        `Less than ${FIRST_RUN_HOURS} hours since the first event: partitions that have not started yet may hold keys counted here as not reached, so the estimated end assumes they are swept at the pace of the partition before them and its low end assumes they are partitions of their own, starting now.`,
      );
    for (const kind of estimate.unseenLags)
      notes.push(
        `No partition has started ${PHASE_KINDS[kind]} yet: it is assumed to follow the phase before it by one to two days (S3 runs lifecycle once a day).`,
      );
    if (estimate.pacesAssumed)
      notes.push('A phase not yet seen running anywhere is assumed to run at the pace of its partition’s first phase, give or take a half.');
    if (estimate.lagsObserved && !complete)
      notes.push('Phases not started yet are expected after the lag seen between the phases in the other partitions, give or take a day.');
    if (strays > 0)
      notes.push(`${strays} ${this.exact ? 'objects' : 'bins'} deleted at times that fit neither neighbour were left out of the fits (anomalies).`);
    if (this.outOfRange > 0) notes.push(`${this.outOfRange} events named objects beyond the ${this.objects} of the snapshot and were ignored.`);
    if (this.duplicates > 0) notes.push(`${this.duplicates} repeated events (a log line delivered twice, or one per version) were counted once.`);
    return {
      partitions,
      complete,
      firstEvent: this.firstBucket,
      lastEvent: this.lastBucket,
      ...(estimatedEnd ? { estimatedEnd } : {}),
      notes,
    };
  }

  /** A phase's bins with events: their objects and mean times (hours from the first bucket). */
  private sweep(kind: EventKind): PhaseSweep {
    const bins = this.kinds[kind];
    if (!bins) return { bins: new Int32Array(0), counts: new Float64Array(0), times: new Float64Array(0), spans: new Float64Array(0) };
    let n = 0;
    for (let b = 0; b < this.bins; b++) if (bins.count[b]! > 0) n++;
    const sweep: PhaseSweep = { bins: new Int32Array(n), counts: new Float64Array(n), times: new Float64Array(n), spans: new Float64Array(n) };
    n = 0;
    for (let b = 0; b < this.bins; b++) {
      if (bins.count[b] === 0) continue;
      sweep.bins[n] = b;
      sweep.counts[n] = this.doneIn(bins, b);
      sweep.times[n] = this.hours(bins.sum[b]! / bins.count[b]!);
      sweep.spans[n] = (bins.max[b]! - bins.min[b]!) / 60;
      n++;
    }
    return sweep;
  }

  /**
   * A phase of one partition (bins [from, to)): counts, times, and a line fitted to its sweep. When
   * bins hold many objects, the bin at each end of a partition may hold some of its neighbour's
   * objects: they count, but the times and the line come from the bins between them when those
   * have events (a phase seen only in an end bin may be the neighbour's, and counts as not started).
   */
  private phaseFacts(kind: EventKind, sweep: PhaseSweep, from: number, to: number, delta: number, edgesShared: boolean): PhaseFacts {
    const bins = this.kinds[kind];
    const facts: PhaseFacts = { kind, done: 0, frontBin: from - 1, total: point(0), finished: false, paceMeasured: false };
    if (!bins) return facts;
    const origin = this.firstBucket;
    const shared = edgesShared && !this.exact && to - from >= 3;
    const coreFrom = shared && from > 0 ? from + 1 : from;
    const coreTo = shared && to < this.bins ? to - 1 : to;
    // The phase's bins with events in [from, to), and those in the core: ranges of the sweep's points.
    const lo = firstAtLeast(sweep.bins, from);
    const hi = firstAtLeast(sweep.bins, to);
    const coreFirst = firstAtLeast(sweep.bins, coreFrom);
    const coreEnd = firstAtLeast(sweep.bins, coreTo);
    let done = 0;
    for (let i = lo; i < hi; i++) done += sweep.counts[i]!;
    facts.done = done;
    const used = coreEnd - coreFirst;
    if (used === 0) {
      if (shared && done > 0) {
        let edgeStart = Infinity;
        for (const b of [from, to - 1]) if (bins.count[b]! > 0) edgeStart = Math.min(edgeStart, this.hours(bins.min[b]!));
        facts.edgeStart = edgeStart;
      }
      return facts;
    }
    const lastUsed = sweep.bins[coreEnd - 1]!;
    facts.frontBin = lastUsed === coreTo - 1 && coreTo < to && bins.count[coreTo]! > 0 ? coreTo : lastUsed;
    const xs = new Float64Array(used);
    const ts = sweep.times.subarray(coreFirst, coreEnd);
    let position = 0;
    for (let i = 0; i < used; i++) {
      const n = sweep.counts[coreFirst + i]!;
      xs[i] = position + n / 2;
      position += n;
    }
    const fit = robustLine(xs, ts, delta);
    let first = Infinity;
    let last = -Infinity;
    for (let i = 0; i < used; i++) {
      const b = sweep.bins[coreFirst + i]!;
      if (fit?.far[i]) continue;
      first = Math.min(first, this.hours(bins.min[b]!));
      last = Math.max(last, this.hours(bins.max[b]!));
    }
    // The last events may be in the end bin the phase has reached.
    if (facts.frontBin !== lastUsed) last = Math.max(last, this.hours(bins.max[facts.frontBin]!));
    facts.started = Math.round(origin + first * HOUR_MS);
    facts.lastEvent = Math.round(origin + last * HOUR_MS);
    // The line's position counts from the first core bin: the objects before it are the start's.
    const before = done - position - (facts.frontBin === coreTo && coreTo < to ? this.doneIn(bins, coreTo) : 0);
    if (fit) {
      facts.pace = fit.pace;
      facts.paceMeasured = fit.points >= 4 && fit.span >= 3 * delta && done >= 8;
      facts.frontTime = fit.intercept + fit.pace.mid * (done - before - 0.5);
    } else {
      // Every event in one time bucket: at least this fast.
      facts.pace = point(Math.max(delta, last - first) / done);
      facts.frontTime = last;
    }
    return facts;
  }

  /** The share of keys deleted in bins [from, front], and the greatest over up to eight stretches of them. */
  private densities(bins: KindBins, from: number, front: number): { mid: number; high: number } {
    const firstObject = this.firstObjectOf(from);
    const endObject = this.firstObjectOf(front + 1);
    const span = endObject - firstObject;
    let total = 0;
    for (let b = from; b <= front; b++) total += this.doneIn(bins, b);
    const mid = span > 0 ? Math.min(1, total / span) : 1;
    const stretches = Math.min(8, front - from + 1);
    let high = mid;
    for (let s = 0; s < stretches; s++) {
      const a = from + Math.floor(((front - from + 1) * s) / stretches);
      const z = from + Math.floor(((front - from + 1) * (s + 1)) / stretches);
      let n = 0;
      for (let b = a; b < z; b++) n += this.doneIn(bins, b);
      const width = this.firstObjectOf(z) - this.firstObjectOf(a);
      if (width > 0) high = Math.max(high, Math.min(1, n / width));
    }
    return { mid, high };
  }
}

/** The first index of an ascending list whose value is at least `value` (the list's length when none is). */
function firstAtLeast(sorted: Int32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

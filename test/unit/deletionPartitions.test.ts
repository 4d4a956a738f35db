// The deletion's partitions, their rates and progress, and when it will end: on the generated
// estate's own lifecycle deletion (read back from its log files, duplicates and late lines included)
// against truth.json, and on small hand-made sweeps for the cases the estate does not have.

import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { EventKind, type EventBatch } from '../../src/core/deletion/model';
import { DEFAULT_PARTITION_BINS, PartitionTracker, type DeletionProgress } from '../../src/core/deletion/partitions';
import { robustLine } from '../../src/core/deletion/sweepLines';
import { Random } from '../../src/core/random';
import { batchesOf, generatedDeletion, type GeneratedDeletion, type LoggedEvent } from './deletionFixture';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const KIND_NAMES = ['delete_marker', 'expire_version', 'expire_marker'] as const;

function track(objects: number, batches: readonly EventBatch[], options?: { bins?: number }): DeletionProgress {
  const tracker = new PartitionTracker(objects, options);
  for (const batch of batches) tracker.record(batch);
  return tracker.report();
}

/** The report without the note that counts repeated events (which duplicating events changes by design). */
function withoutRepeatNote(progress: DeletionProgress): DeletionProgress {
  return { ...progress, notes: progress.notes.filter((n) => !n.includes('repeated events')) };
}

describe('deletion partitions on the generated estate', () => {
  let deletion: GeneratedDeletion;
  /** Per truth partition: its first object's ordinal. */
  let truthFirsts: number[];
  let realEnd: number;
  let firstEvent: number;

  before(async () => {
    deletion = await generatedDeletion(11, 6000);
    truthFirsts = deletion.truth.lifecycle.partitions.map((p) => deletion.ordinalOf.get(p.firstKey)!);
    realEnd = Math.max(...deletion.truth.lifecycle.partitions.map((p) => Date.parse(p.phases[2]!.end)));
    firstEvent = Math.min(...deletion.truth.lifecycle.partitions.map((p) => Date.parse(p.phases[0]!.start)));
  });

  for (const [name, bucket] of [
    ['minute', MINUTE],
    ['hour', HOUR],
  ] as const) {
    it(`finds exactly the generator's key-range partitions, one object per bin, in ${name} buckets`, () => {
      const truth = deletion.truth.lifecycle.partitions;
      assert.ok(deletion.keys.length <= DEFAULT_PARTITION_BINS);
      const progress = track(deletion.keys.length, batchesOf(deletion.events, bucket));
      assert.deepEqual(
        progress.partitions.map((p) => p.firstObject),
        truthFirsts,
      );
      for (const [i, p] of progress.partitions.entries()) {
        assert.equal(p.endObject, i + 1 < truthFirsts.length ? truthFirsts[i + 1] : deletion.keys.length);
        assert.equal(p.objects, truth[i]!.objects, `partition ${i}: its objects`);
        assert.deepEqual(
          p.phases.map((ph) => [ph.kind, ph.done, ph.total]),
          KIND_NAMES.map((kind) => [kind, truth[i]!.objects, truth[i]!.objects]),
        );
        assert.ok(p.finished);
        assert.equal(p.estimatedEnd, undefined);
      }
      assert.equal(progress.complete, true);
      assert.equal(progress.estimatedEnd, undefined, 'no end to estimate once it is over');
    });
  }

  it("measures each partition's rate in each phase within a few percent of the generator's pace", () => {
    const truth = deletion.truth.lifecycle.partitions;
    for (const [bucket, tolerance] of [
      [MINUTE, 0.03],
      [HOUR, 0.08],
    ] as const) {
      const progress = track(deletion.keys.length, batchesOf(deletion.events, bucket));
      for (const [i, p] of progress.partitions.entries()) {
        for (const [k, phase] of p.phases.entries()) {
          const span = truth[i]!.phases[k]!;
          // The generator spaces a phase's objects evenly from its start to its end.
          const pace = (truth[i]!.objects - 1) / ((Date.parse(span.end) - Date.parse(span.start)) / HOUR);
          assert.ok(
            Math.abs(phase.ratePerHour! / pace - 1) <= tolerance,
            `partition ${i} ${phase.kind} in ${bucket / MINUTE}-minute buckets: ${phase.ratePerHour} objects/h, the generator's ${pace}`,
          );
          assert.equal(phase.started! - (phase.started! % bucket), phase.started, 'times are bucket starts');
          assert.ok(
            Math.abs(phase.started! - Date.parse(span.start)) < bucket,
            `partition ${i} ${phase.kind} in ${bucket / MINUTE}-minute buckets: its start ${new Date(phase.started!).toISOString()}`,
          );
          assert.ok(
            Math.abs(phase.lastEvent! - Date.parse(span.end)) < bucket,
            `partition ${i} ${phase.kind} in ${bucket / MINUTE}-minute buckets: its last event ${new Date(phase.lastEvent!).toISOString()}`,
          );
        }
      }
    }
  });

  it('reports a deletion cut short exactly as far as it got, and an end interval that holds the real end', () => {
    for (const fraction of [0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95]) {
      const cut = Math.floor((firstEvent + fraction * (realEnd - firstEvent)) / MINUTE) * MINUTE;
      const progress = track(deletion.keys.length, batchesOf(deletion.events, MINUTE, cut));
      const label = `cut at ${fraction} of the deletion (${new Date(cut).toISOString()})`;
      assert.equal(progress.complete, false, label);
      // Progress: per partition found and per phase, the objects with an event before the cut.
      for (const p of progress.partitions) {
        for (const [k, phase] of p.phases.entries()) {
          const objects = new Set(
            deletion.events.filter((e) => e.kind === k && e.time < cut && e.object >= p.firstObject && e.object < p.endObject).map((e) => e.object),
          );
          assert.equal(phase.done, objects.size, `${label}: partition ${p.index} ${phase.kind}`);
          assert.ok(phase.total >= phase.done);
          if (phase.done < phase.total)
            assert.ok(phase.estimatedEnd !== undefined && phase.estimatedEnd >= cut, `${label}: partition ${p.index} ${phase.kind} has an end ahead`);
        }
      }
      // Every boundary found is one of the generator's.
      for (const p of progress.partitions.slice(1)) assert.ok(truthFirsts.includes(p.firstObject), `${label}: a boundary at ${p.firstObject}`);
      const end = progress.estimatedEnd;
      assert.ok(end, label);
      assert.ok(end.low <= end.time && end.time <= end.high, label);
      assert.ok(
        end.low <= realEnd && realEnd <= end.high,
        `${label}: [${new Date(end.low).toISOString()}, ${new Date(end.high).toISOString()}] holds ${new Date(realEnd).toISOString()}`,
      );
      assert.ok(end.low >= cut, `${label}: not before the logs end`);
    }
  });

  it('says what it cannot know while partitions may still start, and what it assumes about phases not yet seen', () => {
    const early = firstEvent + 6 * HOUR;
    const progress = track(deletion.keys.length, batchesOf(deletion.events, MINUTE, early));
    assert.ok(progress.notes.some((n) => n.includes('cannot be told from the unreached tail')));
    assert.ok(progress.notes.some((n) => n.includes('partitions that have not started yet')));
    assert.ok(progress.notes.some((n) => n.includes('No partition has started expire_version yet')));
    assert.ok(progress.partitions.length < deletion.truth.lifecycle.partitions.length, 'some partitions have not started');
  });

  it('gives the same report whatever the order of the batches and their events, and with lines delivered twice', () => {
    const batches = batchesOf(deletion.events, HOUR);
    const expected = track(deletion.keys.length, batches);
    const random = new Random(5);
    const shuffled = batches.map((b) => shuffleBatch(b, random, 0.01));
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = random.int(i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    // A whole hour delivered twice, too: with one object per bin, a repeat is recognised anywhere.
    shuffled.push(batches[Math.floor(batches.length / 2)]!);
    assert.deepEqual(withoutRepeatNote(track(deletion.keys.length, shuffled)), withoutRepeatNote(expected));

    // With many objects per bin a repeat is recognised within its time bucket (where a repeated log line falls).
    const coarse = track(deletion.keys.length, batches, { bins: 512 });
    assert.deepEqual(
      withoutRepeatNote(track(deletion.keys.length, batches.map((b) => shuffleBatch(b, random, 0.01)).reverse(), { bins: 512 })),
      withoutRepeatNote(coarse),
    );
  });

  it('is not thrown by a few anomalous events: stray times, unknown objects, transitions', () => {
    const batches = batchesOf(deletion.events, MINUTE);
    const expected = track(deletion.keys.length, batches);
    const random = new Random(9);
    const extra: LoggedEvent[] = [];
    for (let i = 0; i < 6; i++) {
      // A delete marker at some odd time on an object the deletion does not touch, or a second one days later on one it does.
      const object = random.int(deletion.keys.length);
      extra.push({ time: firstEvent + random.int(5 * 24) * HOUR, kind: EventKind.deleteMarker, object });
    }
    extra.push({ time: firstEvent + HOUR, kind: EventKind.transition, object: 3 });
    const noisy = [
      ...batchesOf([...deletion.events, ...extra], MINUTE),
      { bucketStart: firstEvent, kinds: Uint8Array.of(0), objects: Uint32Array.of(deletion.keys.length + 5), length: 1 },
    ];
    const progress = track(deletion.keys.length, noisy);
    assert.deepEqual(
      progress.partitions.map((p) => p.firstObject),
      expected.partitions.map((p) => p.firstObject),
    );
    assert.ok(progress.notes.some((n) => n.includes('beyond the')));
  });

  it('keeps to a fixed number of bins, with boundaries within one bin of the real ones', () => {
    const bins = 512;
    const perBin = Math.ceil(deletion.keys.length / bins);
    const deleted = new Set(deletion.events.map((e) => e.object));
    const progress = track(deletion.keys.length, batchesOf(deletion.events, HOUR), { bins });
    assert.equal(progress.partitions.length, truthFirsts.length);
    for (const [i, p] of progress.partitions.entries()) {
      if (i === 0) continue;
      // The objects put on the wrong side of the boundary: the deleted ones between the two.
      const [a, b] = [Math.min(p.firstObject, truthFirsts[i]!), Math.max(p.firstObject, truthFirsts[i]!)];
      let misplaced = 0;
      for (let o = a; o < b; o++) if (deleted.has(o)) misplaced++;
      assert.ok(misplaced <= perBin, `boundary ${i}: ${misplaced} objects on the wrong side`);
    }
    const total = progress.partitions.reduce((n, p) => n + p.phases[0]!.done, 0);
    assert.equal(total, deletion.truth.lifecycle.objects, 'every object counted once');
    assert.equal(progress.complete, true);
    assert.equal(new PartitionTracker(10_000_000).bins, DEFAULT_PARTITION_BINS);
    assert.equal(new PartitionTracker(1000).bins, 1000);
  });
});

/** The batch's events in a random order, with a share of them repeated (a line delivered twice). */
function shuffleBatch(batch: EventBatch, random: Random, repeatShare: number): EventBatch {
  const order: number[] = [];
  for (let i = 0; i < batch.length; i++) {
    order.push(i);
    if (random.chance(repeatShare)) order.push(i);
  }
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return {
    bucketStart: batch.bucketStart,
    kinds: Uint8Array.from(order.map((i) => batch.kinds[i]!)),
    objects: Uint32Array.from(order.map((i) => batch.objects[i]!)),
    length: order.length,
  };
}

/** Hand-made sweeps: partitions of [first, end) objects, each phase from `starts[k]` at `perHour` objects an hour. */
function sweep(partitions: { first: number; end: number; starts: number[]; perHour: number }[], kinds: readonly EventKind[], bucket: number): LoggedEvent[] {
  const events: LoggedEvent[] = [];
  for (const p of partitions) {
    for (const [k, kind] of kinds.entries()) {
      for (let o = p.first; o < p.end; o++) events.push({ time: Math.floor(p.starts[k]! + ((o - p.first) * HOUR) / p.perHour), kind, object: o });
    }
  }
  void bucket;
  return events;
}

describe('deletion partitions on hand-made sweeps', () => {
  const t0 = Date.UTC(2026, 3, 1);
  const VERSIONED = [EventKind.deleteMarker, EventKind.expireVersion, EventKind.expireMarker];

  it('reports nothing, and says so, before any event', () => {
    const progress = new PartitionTracker(1000).report();
    assert.deepEqual(progress.partitions, []);
    assert.equal(progress.complete, false);
    assert.equal(progress.estimatedEnd, undefined);
    assert.ok(progress.notes.some((n) => n.startsWith('No lifecycle deletion events yet')));
    assert.equal(new PartitionTracker(0).report().partitions.length, 0);
  });

  it('finds a single partition and its steady rate', () => {
    const events = sweep([{ first: 0, end: 800, starts: [t0, t0 + 30 * HOUR, t0 + 60 * HOUR], perHour: 50 }], VERSIONED, MINUTE);
    const progress = track(800, batchesOf(events, MINUTE));
    assert.equal(progress.partitions.length, 1);
    const [p] = progress.partitions;
    assert.deepEqual([p!.firstObject, p!.endObject, p!.objects, p!.finished], [0, 800, 800, true]);
    for (const phase of p!.phases) assert.ok(Math.abs(phase.ratePerHour! - 50) < 0.5, `${phase.kind}: ${phase.ratePerHour}`);
  });

  it('expires an unversioned bucket in one phase, and estimates the end of a sweep cut short', () => {
    const partitions = [
      { first: 0, end: 300, starts: [t0 + 5 * HOUR], perHour: 20 },
      { first: 300, end: 1000, starts: [t0], perHour: 40 },
      { first: 1000, end: 1200, starts: [t0 + 9 * HOUR], perHour: 10 },
    ];
    const events = sweep(partitions, [EventKind.expireObject], MINUTE);
    const done = track(1200, batchesOf(events, MINUTE));
    assert.deepEqual(
      done.partitions.map((p) => [p.firstObject, p.phases.map((ph) => ph.kind)]),
      [
        [0, ['expire_object']],
        [300, ['expire_object']],
        [1000, ['expire_object']],
      ],
    );
    assert.equal(done.complete, true);
    // Cut at 10 hours: the first partition is 100 in (of 300), the second 400 (of 700), the third 10 (of 200).
    const cut = t0 + 10 * HOUR;
    const running = track(1200, batchesOf(events, MINUTE, cut));
    assert.deepEqual(
      running.partitions.map((p) => p.phases[0]!.done),
      [100, 400, 10],
    );
    const realEnd = t0 + 9 * HOUR + (199 * HOUR) / 10;
    const end = running.estimatedEnd!;
    assert.ok(end.low <= realEnd && realEnd <= end.high, `[${new Date(end.low).toISOString()}, ${new Date(end.high).toISOString()}]`);
    assert.ok(Math.abs(end.time - realEnd) < HOUR, `estimated ${new Date(end.time).toISOString()}, real ${new Date(realEnd).toISOString()}`);
  });

  it('counts keys not reached after a partition’s last deleted key as its own', () => {
    // Keys 500–999 are swept by a partition that has not started: until it does, they look like the first one's tail.
    const partitions = [
      { first: 0, end: 500, starts: [t0, t0 + 30 * HOUR, t0 + 55 * HOUR], perHour: 25 },
      { first: 500, end: 1000, starts: [t0 + 40 * HOUR, t0 + 70 * HOUR, t0 + 95 * HOUR], perHour: 25 },
    ];
    const events = sweep(partitions, VERSIONED, MINUTE);
    const progress = track(1000, batchesOf(events, MINUTE, t0 + 10 * HOUR));
    assert.equal(progress.partitions.length, 1);
    assert.deepEqual([progress.partitions[0]!.endObject, progress.partitions[0]!.objects, progress.partitions[0]!.phases[0]!.done], [1000, 1000, 250]);
    assert.ok(progress.notes.some((n) => n.includes('cannot be told from the unreached tail')));
    // Once the second has started, it is found.
    assert.equal(track(1000, batchesOf(events, MINUTE, t0 + 45 * HOUR)).partitions.length, 2);
  });

  it('expects a phase no partition has started one to two days after the one before, and later ones after the lags seen elsewhere', () => {
    const partitions = [
      { first: 0, end: 400, starts: [t0, t0 + 30 * HOUR, t0 + 60 * HOUR], perHour: 40 },
      { first: 400, end: 800, starts: [t0 + 20 * HOUR, t0 + 50 * HOUR, t0 + 80 * HOUR], perHour: 40 },
    ];
    const events = sweep(partitions, VERSIONED, MINUTE);
    const beforeAny = track(800, batchesOf(events, MINUTE, t0 + 25 * HOUR));
    assert.ok(beforeAny.notes.some((n) => n.includes('No partition has started expire_version yet')));
    const second = beforeAny.partitions[1]!.phases[1]!;
    assert.equal(second.done, 0);
    // From the second partition's start (20 h) plus one to two days, then 400 objects at 40 an hour.
    assert.ok(
      second.estimatedEnd! >= t0 + 44 * HOUR + 9 * HOUR && second.estimatedEnd! <= t0 + 68 * HOUR + 11 * HOUR,
      new Date(second.estimatedEnd!).toISOString(),
    );
    const afterOne = track(800, batchesOf(events, MINUTE, t0 + 35 * HOUR));
    assert.ok(afterOne.notes.some((n) => n.includes('lag seen between the phases in the other partitions')));
    const end = afterOne.estimatedEnd!;
    const realEnd = t0 + 80 * HOUR + (399 * HOUR) / 40;
    assert.ok(end.low <= realEnd && realEnd <= end.high);
  });

  it('finds the partitions of a deletion of more objects than bins to within a bin, in hourly buckets', () => {
    // 400,000 objects in 65,536 bins, every key in the rule: 12 partitions, their phases a day or two apart.
    const objects = 400_000;
    const random = new Random(21);
    const firsts = [0];
    while (firsts.length < 12) firsts.push(firsts[firsts.length - 1]! + 15_000 + random.int(30_000));
    const streams = firsts.flatMap((first, p) => {
      const end = p + 1 < firsts.length ? firsts[p + 1]! : objects;
      const start = t0 + random.int(30) * HOUR + random.int(HOUR);
      const hours = 6 + random.int(42);
      const second = start + (24 + random.int(24)) * HOUR;
      return [start, second, second + (24 + random.int(24)) * HOUR].map((phaseStart, k) => ({
        first,
        end,
        kind: VERSIONED[k]!,
        start: phaseStart,
        step: (hours * HOUR) / (end - first),
      }));
    });
    const byHour = new Map<number, { kinds: number[]; objects: number[] }>();
    for (const s of streams) {
      for (let o = s.first; o < s.end; o++) {
        const hour = Math.floor((s.start + (o - s.first) * s.step) / HOUR) * HOUR;
        let batch = byHour.get(hour);
        if (!batch) byHour.set(hour, (batch = { kinds: [], objects: [] }));
        batch.kinds.push(s.kind);
        batch.objects.push(o);
      }
    }
    const batches = [...byHour.entries()]
      .sort(([a], [b]) => a - b)
      .map(([bucketStart, b]) => ({ bucketStart, kinds: Uint8Array.from(b.kinds), objects: Uint32Array.from(b.objects), length: b.kinds.length }));
    const tracker = new PartitionTracker(objects);
    for (const batch of batches) tracker.record(batch);
    const progress = tracker.report();
    const perBin = Math.ceil(objects / DEFAULT_PARTITION_BINS);
    assert.equal(progress.partitions.length, firsts.length);
    for (const [i, p] of progress.partitions.entries())
      assert.ok(Math.abs(p.firstObject - firsts[i]!) <= perBin, `boundary ${i}: ${p.firstObject}, not ${firsts[i]}`);
    assert.equal(
      progress.partitions.reduce((n, p) => n + p.phases[0]!.done, 0),
      objects,
    );
    assert.equal(progress.complete, true);
  });

  it('refuses a negative object count or bin count with a clear message', () => {
    assert.throws(() => new PartitionTracker(-1), /objects must be a whole number/);
    assert.throws(() => new PartitionTracker(10, { bins: 0 }), /bins must be a whole number/);
  });
});

describe("a sweep's robust line", () => {
  it('fits tens of thousands of points at their pace and sets aside exactly the stray ones, scattered or in a run', () => {
    // 50,000 bins of 3 objects, 0.001 hours an object, in minute buckets; every 37th point and a run of 500 are hours off.
    const n = 50_000;
    const random = new Random(7);
    const xs = new Float64Array(n);
    const ts = new Float64Array(n);
    const stray = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      xs[i] = 3 * i + 1.5;
      stray[i] = i % 37 === 0 || (i >= 20_000 && i < 20_500) ? 1 : 0;
      const time = 10 + 0.001 * xs[i]! + (stray[i] ? 2 + random.int(100) : 0);
      ts[i] = Math.floor(time * 60) / 60;
    }
    const fit = robustLine(xs, ts, 1 / 60);
    assert.ok(fit);
    assert.ok(Math.abs(fit.pace.mid / 0.001 - 1) < 1e-4, `pace ${fit.pace.mid}`);
    assert.ok(fit.pace.low <= 0.001 && 0.001 <= fit.pace.high);
    const wrong: number[] = [];
    for (let i = 0; i < n; i++) if (fit.far[i] !== stray[i]) wrong.push(i);
    assert.deepEqual(wrong.slice(0, 10), []);
  });
});

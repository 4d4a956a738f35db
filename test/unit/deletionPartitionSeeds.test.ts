// The partition detection across many generated estates: for each seed, the generator's lifecycle
// deletion (read back from its log files) must give exactly the generator's key-range partitions
// (truth.json `lifecycle.partitions`), one object per bin and 512 bins, in minute and hour buckets,
// and again with a few anomalous events added. Small estates (3,000 objects, a week of logs) keep it
// quick; their partitions hold from a handful of objects to several hundred.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { EventKind } from '../../src/core/deletion/model';
import { PartitionTracker } from '../../src/core/deletion/partitions';
import { Random } from '../../src/core/random';
import { batchesOf, generatedDeletion, type GeneratedDeletion, type LoggedEvent } from './deletionFixture';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** 42 seeds: 1–40, and 61 and 67, where an earlier detection went wrong (an extra partition in coarse bins; a boundary moved by a stray event). */
const SEEDS = [...Array.from({ length: 40 }, (_, i) => i + 1), 61, 67];
const OBJECTS = 3000;
const DAYS = 7;
const COARSE_BINS = 512;

interface Setting {
  name: string;
  bins?: number;
  bucket: number;
  anomalies: boolean;
}

const SETTINGS: Setting[] = [
  { name: 'one object per bin, minute buckets', bucket: MINUTE, anomalies: false },
  { name: 'one object per bin, hour buckets', bucket: HOUR, anomalies: false },
  { name: `${COARSE_BINS} bins, hour buckets`, bins: COARSE_BINS, bucket: HOUR, anomalies: false },
  { name: `${COARSE_BINS} bins, minute buckets`, bins: COARSE_BINS, bucket: MINUTE, anomalies: false },
  { name: 'one object per bin, minute buckets, anomalies', bucket: MINUTE, anomalies: true },
  { name: `${COARSE_BINS} bins, hour buckets, anomalies`, bins: COARSE_BINS, bucket: HOUR, anomalies: true },
];

/**
 * A few events that do not belong to the deletion: delete markers on objects it may not touch at
 * times anywhere in it, one object's event repeated days later, and one object's event logged
 * hours before its real time (with one object per bin, the earliest time of a kind counts).
 */
function anomalies(deletion: GeneratedDeletion, seed: number): LoggedEvent[] {
  const random = new Random(seed, 0xa11);
  const times = deletion.events.map((e) => e.time);
  const first = Math.min(...times);
  const last = Math.max(...times);
  const pick = () => deletion.events[random.int(deletion.events.length)]!;
  const extra: LoggedEvent[] = [];
  for (let i = 0; i < 2; i++) extra.push({ time: first + random.int(last - first), kind: EventKind.deleteMarker, object: random.int(deletion.keys.length) });
  const late = pick();
  extra.push({ ...late, time: late.time + DAY + random.int(2 * DAY) });
  const early = pick();
  extra.push({ ...early, time: early.time - 2 * HOUR - random.int(12 * HOUR) });
  return extra;
}

/** What is wrong with the partitions found, if anything: their number, and per boundary the deleted objects put on the wrong side. */
function check(deletion: GeneratedDeletion, deleted: Uint8Array, setting: Setting, events: readonly LoggedEvent[]): string | undefined {
  const truthFirsts = deletion.truth.lifecycle.partitions.map((p) => deletion.ordinalOf.get(p.firstKey)!);
  const tracker = new PartitionTracker(deletion.keys.length, setting.bins ? { bins: setting.bins } : {});
  for (const batch of batchesOf(events, setting.bucket)) tracker.record(batch);
  const found = tracker.report().partitions.map((p) => p.firstObject);
  const perBin = Math.ceil(deletion.keys.length / tracker.bins);
  if (found.length !== truthFirsts.length)
    return `${found.length} partitions, not ${truthFirsts.length}: found ${found.join(',')}; the generator's ${truthFirsts.join(',')}`;
  const wrong: string[] = [];
  for (let i = 1; i < found.length; i++) {
    const [a, b] = [Math.min(found[i]!, truthFirsts[i]!), Math.max(found[i]!, truthFirsts[i]!)];
    let misplaced = 0;
    for (let o = a; o < b; o++) misplaced += deleted[o]!;
    if (misplaced > perBin) wrong.push(`boundary ${i} at ${found[i]}, not ${truthFirsts[i]} (${misplaced} objects on the wrong side)`);
  }
  return wrong.length > 0 ? wrong.join('; ') : undefined;
}

/**
 * Seeds 101–140, never tuned against: what the detection still gets wrong there, and why. A change
 * may fix these (the test still passes) but must not add to them.
 */
const HELD_OUT_SEEDS = Array.from({ length: 40 }, (_, i) => i + 101);
const HELD_OUT_KNOWN: Record<string, string> = {
  // Two stray delete markers on keys the deletion skips, inside the last partition: the sweep after them reads as a partition of its own.
  'seed 123, one object per bin, minute buckets, anomalies': 'an extra boundary after stray events inside a partition',
  // A 23-object partition (four bins of ~6 objects) with a stray event in it: merged with its neighbour.
  'seed 116, 512 bins, hour buckets, anomalies': 'a four-bin partition with a stray event merged away',
  // A stray event beside a boundary bin: the bin and the stray read as a one-bin partition.
  'seed 138, 512 bins, hour buckets, anomalies': 'an extra boundary beside a stray next to a boundary',
  // A 9-object partition (1.5 bins of ~6 objects) beside a 42-object one: the boundary bins mix three partitions and one extra boundary is found.
  'seed 139, 512 bins, hour buckets': 'partitions smaller than two bins',
  'seed 139, 512 bins, minute buckets': 'partitions smaller than two bins',
  'seed 139, 512 bins, hour buckets, anomalies': 'partitions smaller than two bins',
};

async function sweep(seeds: readonly number[]): Promise<{ failures: Map<string, string>; partitions: number; smallest: number }> {
  const failures = new Map<string, string>();
  let partitions = 0;
  let smallest = Infinity;
  for (const seed of seeds) {
    const deletion = await generatedDeletion(seed, OBJECTS, DAYS);
    partitions += deletion.truth.lifecycle.partitions.length;
    for (const p of deletion.truth.lifecycle.partitions) smallest = Math.min(smallest, p.objects);
    const deleted = new Uint8Array(deletion.keys.length);
    for (const e of deletion.events) deleted[e.object] = 1;
    const noisy = [...deletion.events, ...anomalies(deletion, seed)];
    for (const setting of SETTINGS) {
      const problem = check(deletion, deleted, setting, setting.anomalies ? noisy : deletion.events);
      if (problem) failures.set(`seed ${seed}, ${setting.name}`, problem);
    }
  }
  return { failures, partitions, smallest };
}

describe('deletion partitions across generator seeds', () => {
  it(`on ${HELD_OUT_SEEDS.length} more seeds, gets wrong only the ${Object.keys(HELD_OUT_KNOWN).length} known detections of ${HELD_OUT_SEEDS.length * SETTINGS.length}`, async () => {
    const { failures } = await sweep(HELD_OUT_SEEDS);
    const unexpected = [...failures].filter(([name]) => !(name in HELD_OUT_KNOWN)).map(([name, problem]) => `${name}: ${problem}`);
    assert.deepEqual(unexpected, [], `${failures.size} of ${HELD_OUT_SEEDS.length * SETTINGS.length} detections wrong`);
  });

  it(`finds the generator's partitions on ${SEEDS.length} seeds, in fine and coarse bins, with and without anomalous events`, async () => {
    const { failures, partitions, smallest } = await sweep(SEEDS);
    // The sweep covers what it should: many partitions, some of them small.
    assert.ok(partitions >= 10 * SEEDS.length, `${partitions} partitions`);
    assert.ok(smallest <= 16, `the smallest partition holds ${smallest} objects`);
    assert.deepEqual(
      [...failures].map(([name, problem]) => `${name}: ${problem}`),
      [],
      `${failures.size} of ${SEEDS.length * SETTINGS.length} detections wrong`,
    );
  });
});

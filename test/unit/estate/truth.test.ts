// truth.json agrees with the generated files: recomputed here from the inventory CSVs and the
// access-log lines alone, with the rules the product's analysis must follow.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EstateTruth } from '../../../src/core/estate/generate';
import type { InventoryManifest } from '../../../src/core/inventory/inventoryCsv';
import { prefixOfKey } from '../../../src/core/prefix';
import { compareKeys, decodeLogKey, decodeS3Key } from '../../../src/core/s3keys';
import { generateInto, listFiles, parseLogTime, readInventoryCsv, readLogRows, smallEstateOptions, type LogRow } from './fixture';

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe('truth.json', () => {
  let dir: string;
  let truth: EstateTruth;
  let inventory: string[][];
  let rows: LogRow[];

  before(async () => {
    ({ dir } = await generateInto(smallEstateOptions({ objects: 6000, days: 21, seed: 11 })));
    truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
    const manifestPath = listFiles(dir).find((f) => f.endsWith('/manifest.json'))!;
    inventory = readInventoryCsv(dir, JSON.parse(readFileSync(join(dir, manifestPath), 'utf8')) as InventoryManifest);
    rows = readLogRows(dir);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('describes the window: 21 days ending with the as-of date, and what counts as a read', () => {
    assert.equal(truth.window.start, '2026-03-11');
    assert.equal(truth.window.end, '2026-03-31');
    assert.deepEqual(truth.window.countedOperations, [
      'REST.GET.OBJECT',
      'REST.HEAD.OBJECT',
      'REST.COPY.OBJECT_GET',
      'REST.COPY.PART_GET',
      'WEBSITE.GET.OBJECT',
      'WEBSITE.HEAD.OBJECT',
      'REST.POST.RESTORE',
    ]);
  });

  it('lists exactly the unused prefixes that the inventory and the logs imply, with their objects and bytes', () => {
    const windowStart = Date.parse(`${truth.window.start}T00:00:00Z`);
    const windowEnd = Date.parse(`${truth.window.end}T00:00:00Z`) + DAY;

    // What exists: current versions that are not delete markers, older than the window, not held or locked.
    const eligible = new Map<string, { objects: number; bytes: number; newest: number; classes: Record<string, number> }>();
    const exempt = new Set<string>();
    for (const r of inventory) {
      const [, encodedKey, , isLatest, isDeleteMarker, size, lastModified, , storageClass, , , , retainUntil, , legalHold] = r;
      if (isLatest !== 'true' || isDeleteMarker === 'true') continue;
      const key = decodeS3Key(encodedKey!);
      if (legalHold === 'ON' || (retainUntil !== '' && Date.parse(retainUntil!) >= windowEnd)) {
        exempt.add(key);
        continue;
      }
      const modified = Date.parse(lastModified!);
      if (modified >= windowStart) continue;
      const prefix = prefixOfKey(key);
      const entry = eligible.get(prefix) ?? { objects: 0, bytes: 0, newest: 0, classes: {} };
      entry.objects++;
      entry.bytes += Number(size);
      entry.newest = Math.max(entry.newest, modified);
      entry.classes[storageClass!] = (entry.classes[storageClass!] ?? 0) + 1;
      eligible.set(prefix, entry);
    }

    // What was read: counted operations that succeeded, by anyone but S3 itself, inside the window, once per request id.
    const reads = new Map<string, Set<string>>();
    for (const r of rows) {
      if (
        ![
          'REST.GET.OBJECT',
          'REST.HEAD.OBJECT',
          'REST.COPY.OBJECT_GET',
          'REST.COPY.PART_GET',
          'WEBSITE.GET.OBJECT',
          'WEBSITE.HEAD.OBJECT',
          'REST.POST.RESTORE',
        ].includes(r.operation!)
      )
        continue;
      if (!['200', '202', '206', '304'].includes(r.httpstatus!) || r.requester === 'AmazonS3') continue;
      const time = parseLogTime(r.requestdatetime!);
      if (time < windowStart || time >= windowEnd) continue;
      const prefix = prefixOfKey(decodeLogKey(r.key!, r.operation!)!);
      if (!reads.has(prefix)) reads.set(prefix, new Set());
      reads.get(prefix)!.add(r.requestid!);
    }

    const expected = [...eligible.entries()].filter(([prefix]) => !reads.has(prefix)).sort(([a], [b]) => (a < b ? -1 : 1));
    assert.ok(expected.length > 10, 'the estate has unused prefixes');
    assert.ok(reads.size > 10, 'and read ones');
    assert.deepEqual(
      truth.unusedPrefixes.map((p) => p.prefix),
      expected.map(([prefix]) => prefix),
    );
    for (const [i, [, e]] of expected.entries()) {
      const t = truth.unusedPrefixes[i]!;
      assert.equal(t.objects, e.objects, t.prefix);
      assert.equal(t.bytes, e.bytes, t.prefix);
      assert.equal(t.newestLastModified, new Date(e.newest).toISOString(), t.prefix);
      assert.deepEqual(t.storageClasses, Object.fromEntries(Object.entries(e.classes).sort(([a], [b]) => (a < b ? -1 : 1))), t.prefix);
    }

    const readOnce = [...reads.entries()]
      .filter(([, ids]) => ids.size === 1)
      .map(([prefix]) => prefix)
      .sort();
    assert.deepEqual(
      truth.readOnce.map((p) => p.prefix),
      readOnce,
    );
    assert.ok(readOnce.length > 0, 'some prefixes are read only once');

    assert.deepEqual(new Set(truth.exempt.map((e) => e.key)), exempt);
  });

  it('counts duplicated log lines once: the same request id delivered twice', () => {
    const ids = new Map<string, number>();
    for (const r of rows) if (r.requester !== 'AmazonS3') ids.set(r.requestid!, (ids.get(r.requestid!) ?? 0) + 1);
    assert.ok(
      [...ids.values()].some((n) => n > 1),
      'the logs hold duplicated lines',
    );
    assert.ok(truth.logs.duplicated > 0 && truth.logs.dropped > 0 && truth.logs.late > 0);
  });

  it('replays the lifecycle deletion per hour exactly as the log lines tell it', () => {
    const lifecycle = rows.filter((r) => r.requester === 'AmazonS3' && (r.operation === 'S3.CREATE.DELETEMARKER' || r.operation === 'S3.EXPIRE.OBJECT'));
    const seen = new Set<string>();
    const markers = new Map<string, { version: string; time: number }>();
    const noncurrent = new Map<string, number>();
    const markerGone = new Map<string, number>();
    // Delete markers first (lines may be out of order in the files), then the expirations.
    for (const r of lifecycle) {
      if (r.operation === 'S3.CREATE.DELETEMARKER' && !seen.has(r.requestid!)) {
        seen.add(r.requestid!);
        markers.set(decodeLogKey(r.key!, r.operation!)!, { version: r.versionid!, time: parseLogTime(r.requestdatetime!) });
      }
    }
    for (const r of lifecycle) {
      if (r.operation !== 'S3.EXPIRE.OBJECT' || seen.has(r.requestid!)) continue;
      seen.add(r.requestid!);
      const key = decodeLogKey(r.key!, r.operation!)!;
      const marker = markers.get(key);
      assert.ok(marker, `an expiration follows a delete marker: ${key}`);
      const time = parseLogTime(r.requestdatetime!);
      assert.ok(time > marker.time, 'each key is expired after its marker was created');
      const target = r.versionid === marker.version ? markerGone : noncurrent;
      target.set(key, Math.min(target.get(key) ?? Infinity, time));
    }
    assert.equal(markers.size, truth.lifecycle.objects);
    assert.equal(truth.lifecycle.objects, truth.summary.unusedObjects, 'every eligible object of the unused prefixes is expired');

    const hourOf = (t: number) => Math.floor(t / HOUR);
    const at = (times: Iterable<number>, hour: number) => [...times].filter((t) => hourOf(t) <= hour).length;
    const timeline = truth.lifecycle.timeline;
    assert.ok(timeline.length > 24, 'the deletion spreads over days');
    for (const bucket of timeline) {
      const hour = hourOf(Date.parse(bucket.bucket));
      const dm = at(
        [...markers.values()].map((m) => m.time),
        hour,
      );
      const nc = at(noncurrent.values(), hour);
      const gone = at(markerGone.values(), hour);
      assert.deepEqual(bucket, { bucket: bucket.bucket, current: markers.size - dm, deleteMarked: dm - nc, noncurrentExpired: nc - gone, gone }, bucket.bucket);
    }
    const last = timeline.at(-1)!;
    assert.equal(last.gone, markers.size, 'in the end every expired object is gone');
  });

  it('runs the lifecycle deletion per key range: each partition sweeps its keys in key order on its own schedule', () => {
    const partitions = truth.lifecycle.partitions;
    assert.ok(partitions.length >= 8, 'several partitions');
    assert.equal(
      partitions.reduce((n, p) => n + p.objects, 0),
      truth.lifecycle.objects,
    );
    // The partitions are contiguous, ordered key ranges.
    for (const [i, p] of partitions.entries()) {
      assert.equal(p.index, i);
      assert.ok(compareKeys(p.firstKey, p.lastKey) <= 0, `${i}: first key before last key`);
      if (i > 0) assert.ok(compareKeys(partitions[i - 1]!.lastKey, p.firstKey) < 0, `${i}: after the partition before it`);
    }
    // Every object of the deletion, in key order, with the time of each of its phases.
    const phases = new Map<string, [number, number, number]>();
    const markerVersion = new Map<string, string>();
    const sorted = rows
      .filter((r) => r.requester === 'AmazonS3' && (r.operation === 'S3.CREATE.DELETEMARKER' || r.operation === 'S3.EXPIRE.OBJECT'))
      .sort((a, b) => (a.operation === b.operation ? 0 : a.operation === 'S3.CREATE.DELETEMARKER' ? -1 : 1));
    for (const r of sorted) {
      const key = decodeLogKey(r.key!, r.operation!)!;
      const time = parseLogTime(r.requestdatetime!);
      let entry = phases.get(key);
      if (!entry) phases.set(key, (entry = [Infinity, Infinity, Infinity]));
      const phase = r.operation === 'S3.CREATE.DELETEMARKER' ? 0 : r.versionid === markerVersion.get(key) ? 2 : 1;
      if (phase === 0) markerVersion.set(key, r.versionid!);
      entry[phase] = Math.min(entry[phase], time);
    }
    const keys = [...phases.keys()].sort(compareKeys);
    assert.equal(keys.length, truth.lifecycle.objects);
    let previous = -1;
    let rank = 0;
    for (const [i, p] of partitions.entries()) {
      const own = keys.slice(rank, rank + p.objects);
      rank += p.objects;
      assert.equal(own[0], p.firstKey, `${i}: its first key`);
      assert.equal(own.at(-1), p.lastKey, `${i}: its last key`);
      // The partition of every object is monotone in key order: no key of another partition inside the range.
      const inside = keys.filter((k) => compareKeys(k, p.firstKey) >= 0 && compareKeys(k, p.lastKey) <= 0);
      assert.equal(inside.length, p.objects, `${i}: its range holds only its own objects`);
      assert.ok(i > previous);
      previous = i;
      for (const phase of [0, 1, 2] as const) {
        const times = own.map((k) => phases.get(k)![phase]);
        for (let j = 1; j < times.length; j++) assert.ok(times[j]! >= times[j - 1]!, `${i}: phase ${phase} sweeps in key order`);
        // Log times have whole seconds.
        const span = p.phases[phase]!;
        assert.equal(times[0], Math.floor(Date.parse(span.start) / 1000) * 1000, `${i}: phase ${phase} starts as truth says`);
        assert.equal(times.at(-1), Math.floor(Date.parse(span.end) / 1000) * 1000, `${i}: phase ${phase} ends as truth says`);
      }
      assert.deepEqual(
        p.phases.map((ph) => ph.kind),
        ['delete_marker', 'expire_version', 'expire_marker'],
      );
    }
    // The partitions start at different times: the first delete markers of the earliest and the latest are hours apart.
    const starts = partitions.map((p) => Date.parse(p.phases[0]!.start));
    assert.ok(Math.max(...starts) - Math.min(...starts) > 6 * HOUR);
    // And they are uneven in size.
    const sizes = partitions.map((p) => p.objects);
    assert.ok(Math.max(...sizes) > 2 * Math.min(...sizes));
  });
});

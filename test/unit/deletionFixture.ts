// A generated estate's lifecycle deletion as the player sees it: the snapshot's keys in key order
// (what key_prefix_segment gives: segments in prefix order, keys in key order within each — the
// UTF-8 byte order of the key), and every lifecycle log line (duplicates and late deliveries
// included) as (time, kind, object ordinal), read from the generated files, not from the generator.

import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EstateTruth } from '../../src/core/estate/generate';
import type { InventoryManifest } from '../../src/core/inventory/inventoryCsv';
import { EventKind, type EventBatch } from '../../src/core/deletion/model';
import { compareKeys, decodeLogKey, decodeS3Key } from '../../src/core/s3keys';
import { generateInto, listFiles, parseLogTime, readInventoryCsv, readLogRows, smallEstateOptions } from './estate/fixture';

export interface LoggedEvent {
  time: number;
  kind: EventKind;
  object: number;
  /** The line's request id, when read from the logs: a line S3 delivered twice has the same one. */
  requestId?: string;
}

export interface GeneratedDeletion {
  truth: EstateTruth;
  /** The snapshot's keys in key order: the ordinal of a key is its index here. */
  keys: string[];
  ordinalOf: Map<string, number>;
  /** One per log line, in the order the files hold them. */
  events: LoggedEvent[];
}

/** The estate of `objects` objects whose access logs cover `days` days (fewer days: a quicker estate, a different set of unused prefixes). */
export async function generatedDeletion(seed: number, objects: number, days = 21): Promise<GeneratedDeletion> {
  const { dir } = await generateInto(smallEstateOptions({ objects, seed, days }));
  try {
    return readGeneratedDeletion(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The deletion of an estate generated into `dir` (left in place). */
export function readGeneratedDeletion(dir: string): GeneratedDeletion {
  const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as EstateTruth;
  const manifestPath = listFiles(dir).find((f) => f.endsWith('/manifest.json'))!;
  const inventory = readInventoryCsv(dir, JSON.parse(readFileSync(join(dir, manifestPath), 'utf8')) as InventoryManifest);
  // The snapshot before the deletion: every key with a version that is not a delete marker.
  const keySet = new Set<string>();
  for (const row of inventory) if (row[4] !== 'true') keySet.add(decodeS3Key(row[1]!));
  const keys = [...keySet].sort(compareKeys);
  const ordinalOf = new Map(keys.map((k, i) => [k, i]));
  const rows = readLogRows(dir).filter((r) => r.requester === 'AmazonS3' && (r.operation === 'S3.CREATE.DELETEMARKER' || r.operation === 'S3.EXPIRE.OBJECT'));
  const markerVersion = new Map<string, string>();
  for (const r of rows) if (r.operation === 'S3.CREATE.DELETEMARKER') markerVersion.set(decodeLogKey(r.key!, r.operation)!, r.versionid!);
  const events = rows.map((r): LoggedEvent => {
    const key = decodeLogKey(r.key!, r.operation!)!;
    const object = ordinalOf.get(key);
    if (object === undefined) throw new Error(`a lifecycle event for a key not in the snapshot: ${key}`);
    const kind =
      r.operation === 'S3.CREATE.DELETEMARKER'
        ? EventKind.deleteMarker
        : r.versionid === markerVersion.get(key)
          ? EventKind.expireMarker
          : EventKind.expireVersion;
    return { time: parseLogTime(r.requestdatetime!), kind, object, requestId: r.requestid! };
  });
  return { truth, keys, ordinalOf, events };
}

/** Events before `cut` (all when omitted), in time buckets of `bucketMs`, one batch per bucket in time order, each batch's events by kind and object. */
export function batchesOf(events: readonly LoggedEvent[], bucketMs: number, cut = Infinity): EventBatch[] {
  const byBucket = new Map<number, LoggedEvent[]>();
  for (const e of events) {
    if (e.time >= cut) continue;
    const bucket = Math.floor(e.time / bucketMs) * bucketMs;
    let list = byBucket.get(bucket);
    if (!list) byBucket.set(bucket, (list = []));
    list.push(e);
  }
  return [...byBucket.keys()]
    .sort((a, b) => a - b)
    .map((bucket) => {
      const list = byBucket.get(bucket)!.sort((a, b) => a.kind - b.kind || a.object - b.object);
      return {
        bucketStart: bucket,
        kinds: Uint8Array.from(list.map((e) => e.kind)),
        objects: Uint32Array.from(list.map((e) => e.object)),
        length: list.length,
      };
    });
}

/**
 * Per hour from the first event of the objects under `prefix` to their last, the counts in each
 * state (STATE_NAMES order) of those objects, replayed from the generated inventory and log lines:
 * an object is delete marked from its S3.CREATE.DELETEMARKER's hour, its noncurrent version
 * expired from its first version expiry's, gone from its marker's expiry's.
 */
export function expectedUnder(deletion: GeneratedDeletion, prefix: string) {
  const objects = deletion.keys.flatMap((key, ordinal) => (key.startsWith(prefix) ? [ordinal] : []));
  const scoped = new Set(objects);
  const events = deletion.events.filter((e) => scoped.has(e.object));
  const firstAt = new Map<string, number>();
  for (const e of events) {
    const at = `${e.object}:${e.kind}`;
    firstAt.set(at, Math.min(firstAt.get(at) ?? Infinity, e.time));
  }
  const HOUR = 3_600_000;
  const hourOf = (time: number) => Math.floor(time / HOUR) * HOUR;
  const first = hourOf(Math.min(...events.map((e) => e.time)));
  const last = hourOf(Math.max(...events.map((e) => e.time)));
  const frames: number[][] = [];
  for (let hour = first; hour <= last; hour += HOUR) {
    const counts = [0, 0, 0, 0, 0];
    const by = (object: number, kind: EventKind) => (firstAt.get(`${object}:${kind}`) ?? Infinity) < hour + HOUR;
    for (const object of objects) {
      if (by(object, EventKind.expireMarker)) counts[4]!++;
      else if (by(object, EventKind.expireVersion)) counts[3]!++;
      else if (by(object, EventKind.deleteMarker)) counts[2]!++;
      else counts[0]!++;
    }
    frames.push(counts);
  }
  const touched = new Set(events.map((e) => e.object));
  return {
    objects: objects.length,
    keys: objects.map((o) => deletion.keys[o]!),
    /** The first object with an event, counted from the prefix's first object. */
    firstTouched: objects.findIndex((o) => touched.has(o)),
    first,
    last,
    frames,
    // Lines delivered twice carry one request id: one event.
    events: new Set(events.map((e) => e.requestId)).size,
  };
}

// A synthetic lifecycle deletion shaped like the generator's (src/core/estate/lifecycle.ts): the
// objects split into 16 key ranges (storage partitions) of uneven sizes; each partition runs the three
// phases — delete marker, noncurrent version expired, marker removed — at its own pace, a day or two
// apart, sweeping its keys in order. Events come in hourly buckets, the partitions' streams
// interleaved, with about one log line in a thousand duplicated (S3 logs are best effort).

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** EventKind values (src/core/deletion/model.ts): delete marker, expire version, expire marker. */
const PHASE_KINDS = [0, 1, 2];

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The plan: partitions as ordinal ranges, each phase's start and pace. */
export function deletionWorkload({ objects, partitions = 16, seed = 15, start = Date.UTC(2024, 0, 1) }) {
  const random = mulberry32(seed);
  const int = (n) => Math.floor(random() * n);
  const weights = Array.from({ length: partitions }, () => 0.5 + random());
  const total = weights.reduce((a, b) => a + b, 0);
  const streams = [];
  let first = 0;
  for (let p = 0; p < partitions; p++) {
    const end = p === partitions - 1 ? objects : Math.min(objects, first + Math.round((objects * weights[p]) / total));
    const size = end - first;
    const begin = start + 6 * HOUR_MS + int(30 * HOUR_MS);
    const duration = 6 * HOUR_MS + int(42 * HOUR_MS);
    const second = begin + DAY_MS + int(DAY_MS);
    const third = second + DAY_MS + int(DAY_MS);
    [begin, second, third].forEach((phaseStart, phase) =>
      streams.push({ partition: p, kind: PHASE_KINDS[phase], first, size, start: phaseStart, step: duration / Math.max(1, size) }),
    );
    first = end;
  }
  const firstBucket = Math.floor(Math.min(...streams.map((s) => s.start)) / HOUR_MS) * HOUR_MS;
  const lastBucket = Math.floor(Math.max(...streams.map((s) => s.start + s.step * s.size)) / HOUR_MS) * HOUR_MS;
  return { objects, streams, firstBucket, buckets: (lastBucket - firstBucket) / HOUR_MS + 1, bucketMs: HOUR_MS };
}

/**
 * The events bucket by bucket, in batches of at most `chunk` events: yields { bucketStart, batch, last }
 * (`last`: the bucket's final batch). The batch's arrays are reused from one yield to the next.
 */
export function* deletionBatches(workload, chunk = 1 << 20) {
  const kinds = new Uint8Array(chunk);
  const ordinals = new Uint32Array(chunk);
  let duplicate = 0;
  for (let b = 0; b < workload.buckets; b++) {
    const from = workload.firstBucket + b * workload.bucketMs;
    const to = from + workload.bucketMs;
    // Each stream's ranks whose time falls in this bucket.
    const active = [];
    for (const s of workload.streams) {
      const r0 = Math.max(0, Math.ceil((from - s.start) / s.step));
      const r1 = Math.min(s.size, Math.ceil((to - s.start) / s.step));
      if (r1 > r0) active.push({ s, next: r0, end: r1 });
    }
    let length = 0;
    const flush = function* (last) {
      yield { bucketStart: from, batch: { bucketStart: from, kinds, objects: ordinals, length }, last };
      length = 0;
    };
    // Interleave the streams 64 events at a time, as a merge in time order roughly does.
    while (active.some((a) => a.next < a.end)) {
      for (const a of active) {
        const stop = Math.min(a.end, a.next + 64);
        for (; a.next < stop; a.next++) {
          const ordinal = a.s.first + a.next;
          const copies = ++duplicate % 997 === 0 ? 2 : 1;
          for (let c = 0; c < copies; c++) {
            kinds[length] = a.s.kind;
            ordinals[length++] = ordinal;
            if (length === chunk) yield* flush(false);
          }
        }
      }
    }
    yield* flush(true);
  }
}

/** All of it in memory, one batch per bucket (for timing the canvas without the generation). */
export function collectBatches(workload) {
  const buckets = [];
  let parts = [];
  for (const { bucketStart, batch, last } of deletionBatches(workload)) {
    parts.push({ kinds: batch.kinds.slice(0, batch.length), objects: batch.objects.slice(0, batch.length) });
    if (!last) continue;
    const length = parts.reduce((n, p) => n + p.kinds.length, 0);
    const kinds = new Uint8Array(length);
    const objects = new Uint32Array(length);
    let at = 0;
    for (const p of parts) {
      kinds.set(p.kinds, at);
      objects.set(p.objects, at);
      at += p.kinds.length;
    }
    buckets.push({ bucketStart, kinds, objects, length });
    parts = [];
  }
  return buckets;
}

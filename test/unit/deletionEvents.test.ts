// The deletion player's data path: grouped_events' rows, in whatever order and however often an
// engine gives them, become one batch per time bucket in time order, each kind in its place, with
// the right object ordinals; and the templates classify the real S3.EXPIRE.OBJECT lines.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventOrder, KIND_ORDER, type GroupedEventRow } from '../../src/core/deletion/eventOrder';
import { EventKind, type SegmentInterval } from '../../src/core/deletion/model';
import { SegmentTable } from '../../src/core/deletion/segments';
import { feedGroupedEvents, keysAt, parseIndexes, sqlTimestamp, timestampMs } from '../../src/app/deletionQueries';
import type { QueryColumn, QueryEngine, QueryRequest, QueryResult, QueryValue } from '../../src/engines/engine';
import { collectRows } from '../../src/engines/engine';
import { LocalEngine } from '../../src/engines/local';
import { TemplateRunner } from '../../src/engines/runner';
import { TemplateCatalog } from '../../src/sql/catalog';
import { readExternal } from './externalCorpus';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 3, 1, 22);

function row(bucketStart: number, kind: EventKind, segment: number, objects: number[]): GroupedEventRow {
  return { bucketStart, kind, segment, objects: Uint32Array.from(objects) };
}

async function drain(order: EventOrder): Promise<{ bucketStart: number; events: [EventKind, number][] }[]> {
  const out: { bucketStart: number; events: [EventKind, number][] }[] = [];
  for await (const batch of order.batches()) {
    const events: [EventKind, number][] = [];
    for (let i = 0; i < batch.length; i++) events.push([batch.kinds[i] as EventKind, batch.objects[i]!]);
    out.push({ bucketStart: batch.bucketStart, events });
  }
  return out;
}

/** Consecutive batches of one bucket as one. */
function joinBuckets(batches: { bucketStart: number; events: [EventKind, number][] }[]) {
  const joined: { bucketStart: number; events: [EventKind, number][] }[] = [];
  for (const b of batches) {
    const last = joined.at(-1);
    if (last && last.bucketStart === b.bucketStart) last.events.push(...b.events);
    else joined.push({ bucketStart: b.bucketStart, events: [...b.events] });
  }
  return joined;
}

async function ordered(rows: GroupedEventRow[], memoryEvents?: number, tempDir?: string) {
  const order = new EventOrder({ memoryEvents, tempDir });
  try {
    for (const r of rows) await order.add(r);
    const summary = await order.finish();
    return { summary, batches: await drain(order), duplicates: order.duplicateRows };
  } finally {
    await order.dispose();
  }
}

/** The rows of three hours as an engine might give them: the 22:00 hour's last rows after the 23:00 hour's first, one row twice. */
const ROWS = [
  row(T0 + HOUR, EventKind.deleteMarker, 1, [0, 1]),
  row(T0, EventKind.expireMarker, 2, [5]),
  row(T0 + 3 * HOUR, EventKind.expireVersion, 1, [1, 1]),
  row(T0, EventKind.deleteMarker, 2, [4, 6]),
  row(T0 + HOUR, EventKind.transition, 2, [7]),
  row(T0, EventKind.expireVersion, 2, [5, 5, 6]),
  row(T0 + HOUR, EventKind.deleteMarker, 1, [0, 1]),
  row(T0, EventKind.deleteMarker, 1, [2]),
];

const EXPECTED = [
  {
    bucketStart: T0,
    events: [
      [EventKind.deleteMarker, 2],
      [EventKind.deleteMarker, 4],
      [EventKind.deleteMarker, 6],
      [EventKind.expireVersion, 5],
      [EventKind.expireVersion, 5],
      [EventKind.expireVersion, 6],
      [EventKind.expireMarker, 5],
    ],
  },
  {
    bucketStart: T0 + HOUR,
    events: [
      [EventKind.transition, 7],
      [EventKind.deleteMarker, 0],
      [EventKind.deleteMarker, 1],
    ],
  },
  {
    bucketStart: T0 + 3 * HOUR,
    events: [
      [EventKind.expireVersion, 1],
      [EventKind.expireVersion, 1],
    ],
  },
];

describe('EventOrder: the events in time order whatever order the rows come in', () => {
  it('replays interleaved rows one batch per bucket, in time order, each kind in its place, a row given twice once', async () => {
    const { summary, batches, duplicates } = await ordered(ROWS);
    assert.deepEqual(batches, EXPECTED);
    assert.equal(duplicates, 1);
    assert.deepEqual(summary, { firstBucket: T0, lastBucket: T0 + 3 * HOUR, rows: 8, events: 14, spilled: false });
  });

  it('orders a bucket: transition, delete marker, version expired, marker removed, unversioned expiry', () => {
    assert.deepEqual(KIND_ORDER, [EventKind.transition, EventKind.deleteMarker, EventKind.expireVersion, EventKind.expireMarker, EventKind.expireObject]);
  });

  it('gives the same batches in any order of the rows', async () => {
    for (let seed = 1; seed <= 5; seed++) {
      const shuffled = [...ROWS].sort(
        (a, b) => ((a.segment * 31 + a.objects[0]! * seed + a.kind) % 7) - ((b.segment * 31 + b.objects[0]! * seed + b.kind) % 7),
      );
      assert.deepEqual((await ordered(shuffled)).batches, EXPECTED);
    }
  });

  it('spills to files cut by time range past its memory bound and replays the same batches, then removes them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's3ls-order-test-'));
    try {
      // 20 events with rows of ROW_COST: the bound is passed at once; each hour its own range.
      const { summary, batches, duplicates } = await ordered(ROWS, 20, dir);
      assert.equal(summary.spilled, true);
      assert.deepEqual(batches, EXPECTED);
      assert.equal(duplicates, 1);
      assert.deepEqual(readdirSync(dir), [], 'the spill folder is gone');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('replays a bucket bigger than the bound in several batches of that bucket, in kind order, a row given twice once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's3ls-order-test-'));
    try {
      const { batches, duplicates } = await ordered(ROWS, 3, dir);
      assert.ok(batches.length > EXPECTED.length, `${batches.length} batches`);
      assert.ok(batches.every((b) => b.events.length <= 3 || new Set(b.events.map(([, o]) => o)).size <= 3));
      // Joined per bucket, kinds in order; within a kind the file's order (events of one kind on different objects commute).
      const joined = joinBuckets(batches);
      const rank = (kind: EventKind) => KIND_ORDER.indexOf(kind);
      for (const b of joined) {
        const ranks = b.events.map(([kind]) => rank(kind));
        assert.deepEqual(
          ranks,
          [...ranks].sort((x, y) => x - y),
          'kinds in order',
        );
        b.events.sort((x, y) => rank(x[0]) - rank(y[0]) || x[1] - y[1]);
      }
      assert.deepEqual(joined, EXPECTED);
      assert.equal(duplicates, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps a row as big as a whole range, and many rows, through the spill', async () => {
    const rows: GroupedEventRow[] = [];
    for (let h = 40; h >= 0; h--) for (let s = 1; s <= 4; s++) rows.push(row(T0 + h * HOUR, EventKind.deleteMarker, s, [s * 1000 + h, s * 1000 + h + 100]));
    rows.push(
      row(
        T0 + 7 * HOUR,
        EventKind.expireObject,
        9,
        Array.from({ length: 5000 }, (_v, i) => 9000 + i),
      ),
    );
    const inMemory = await ordered(rows);
    const spilled = await ordered(rows, 64);
    assert.equal(spilled.summary.spilled, true);
    const events = (b: { events: unknown[] }[]) => b.reduce((n, x) => n + x.events.length, 0);
    assert.equal(events(spilled.batches), 41 * 8 + 5000);
    assert.deepEqual(
      spilled.batches.map((b) => b.bucketStart),
      [...spilled.batches.map((b) => b.bucketStart)].sort((a, b) => a - b),
      'in time order',
    );
    assert.deepEqual(joinBuckets(spilled.batches), inMemory.batches);
  });

  it('stops when its signal is aborted', async () => {
    const controller = new AbortController();
    const order = new EventOrder({ signal: controller.signal });
    for (const r of ROWS) await order.add(r);
    await order.finish();
    controller.abort();
    await assert.rejects(drain(order), { name: 'AbortError' });
    await order.dispose();
  });
});

describe('segment table and engine answers', () => {
  const intervals: SegmentInterval[] = [
    { segment: 1, prefix: 'a', keys: 3, first: 0, firstKey: 'a/1', lastKey: 'a/3' },
    { segment: 2, prefix: 'b', keys: 5, first: 3, firstKey: 'b/1', lastKey: 'b/5' },
  ];

  it("makes a segment's 1-based index an ordinal from its first pixel: first + index - 1", () => {
    const table = new SegmentTable(intervals);
    assert.equal(table.objects, 8);
    assert.equal(table.ordinal(1, 1), 0);
    assert.equal(table.ordinal(1, 3), 2);
    assert.equal(table.ordinal(2, 1), 3);
    assert.equal(table.ordinal(2, 5), 7);
    assert.equal(table.ordinal(2, 6), -1, 'past the segment');
    assert.equal(table.ordinal(2, 0), -1, 'indexes start at 1');
    assert.equal(table.ordinal(3, 1), -1, 'no such segment');
    assert.deepEqual(table.locate(3), { interval: intervals[1], index: 1 });
    assert.deepEqual(table.locate(2), { interval: intervals[0], index: 3 });
    assert.equal(table.locate(8), undefined);
  });

  it('refuses intervals that do not tile the objects', () => {
    assert.throws(() => new SegmentTable([intervals[0]!, { ...intervals[1]!, first: 4 }]), /do not tile the objects/);
  });

  it("reads the local engine's lists and Athena's text for arrays", () => {
    assert.deepEqual(parseIndexes([1, 2, 30]), [1, 2, 30]);
    assert.deepEqual(parseIndexes('[1, 2, 30]'), [1, 2, 30]);
    assert.deepEqual(parseIndexes('[1,2,30]'), [1, 2, 30]);
    assert.deepEqual(parseIndexes('[]'), []);
    assert.throws(() => parseIndexes('[1, x]'), /list of indexes/);
    assert.throws(() => parseIndexes(null), /list of indexes/);
    assert.equal(timestampMs('2026-04-01 22:00:00.000', 't'), T0);
    assert.equal(timestampMs('2026-04-01T22:00:00.000Z', 't'), T0);
    assert.throws(() => timestampMs('soon', 'time_bucket'), /time_bucket/);
    assert.equal(sqlTimestamp(T0), '2026-04-01 22:00:00');
  });

  it("feeds Athena's text rows (any order, zone-less times, unknown kinds) to the order as ordinals", async () => {
    const columns: QueryColumn[] = [
      { name: 'time_bucket', type: 'timestamp' },
      { name: 'kind', type: 'varchar' },
      { name: 'segment', type: 'bigint' },
      { name: 'indexes', type: 'array' },
    ];
    const rows: QueryValue[][] = [
      ['2026-04-01 23:00:00.000', 'delete_marker', 2, '[1, 5]'],
      ['2026-04-01 22:00:00.000', 'expire_version', 1, '[2, 2]'],
      ['2026-04-01 22:00:00.000', null, 1, '[1]'],
      ['2026-04-01 22:00:00.000', 'delete_marker', 2, '[9]'],
    ];
    const result: QueryResult = {
      columns,
      batches: (async function* () {
        yield rows.slice(0, 2);
        yield rows.slice(2);
      })(),
      statistics: () => ({ engine: 'athena', rows: 4, bytesScanned: 0, elapsedMs: 0, costUsd: 0, notes: [] }),
    };
    const order = new EventOrder();
    const stats = await feedGroupedEvents(result, new SegmentTable(intervals), order, HOUR);
    assert.deepEqual(stats, { rows: 4, events: 4, otherKinds: { '(none)': 1 }, unplaced: 1 });
    await order.finish();
    assert.deepEqual(await drain(order), [
      {
        bucketStart: T0,
        events: [
          [EventKind.expireVersion, 1],
          [EventKind.expireVersion, 1],
        ],
      },
      {
        bucketStart: T0 + HOUR,
        events: [
          [EventKind.deleteMarker, 3],
          [EventKind.deleteMarker, 7],
        ],
      },
    ]);
  });

  it('asks the engine only for keys that are not a segment’s first or last, in one query', async () => {
    const asked: string[] = [];
    const engine: QueryEngine = {
      kind: 'local',
      async run(request: QueryRequest): Promise<QueryResult> {
        asked.push(request.sql);
        return {
          columns: [
            { name: 'segment', type: 'BIGINT' },
            { name: 'segment_index', type: 'BIGINT' },
            { name: 'key', type: 'VARCHAR' },
          ],
          batches: (async function* () {
            yield [
              [2, 3, 'b/3'],
              [1, 2, 'a/2'],
            ];
          })(),
          statistics: () => ({ engine: 'local', rows: 2, bytesScanned: 0, elapsedMs: 0, costUsd: 0, notes: [] }),
        };
      },
      dispose: () => Promise.resolve(),
    };
    const keys = await keysAt(engine, 'key_prefix_segment_abc', new SegmentTable(intervals), [0, 1, 5, 7, 99]);
    assert.deepEqual(
      [...keys].sort((a, b) => a[0] - b[0]),
      [
        [0, 'a/1'],
        [1, 'a/2'],
        [5, 'b/3'],
        [7, 'b/5'],
      ],
    );
    assert.deepEqual(asked, [
      'SELECT segment, segment_index, key FROM key_prefix_segment_abc WHERE (segment = 1 AND segment_index IN (2)) OR (segment = 2 AND segment_index IN (3))',
    ]);
  });
});

describe('lifecycle_events on the real S3.EXPIRE.OBJECT lines', () => {
  it('classifies an expiry by its version id: a version, the marker a S3.CREATE.DELETEMARKER line created, or no version at all', async () => {
    // The two real lifecycle expirations of the corpus each carry the version id they expired.
    const real = ['panther-s3_server_access_test.log', 'elastic-integrations-aws-s3access-pipeline.log']
      .flatMap((f) => readExternal('access-logs', f).split('\n'))
      .filter((l) => l.includes(' S3.EXPIRE.OBJECT '));
    assert.equal(real.length, 2);
    const fields = (line: string) => line.split(' ');
    const [first, second] = real as [string, string];
    assert.match(fields(first)[18]!, /^[A-Za-z0-9._]{32}$/, 'the version id field');
    // The first expiry's version is made a delete marker by a S3.CREATE.DELETEMARKER line a day earlier (same key and version id);
    // an expiry with no version id (an unversioned bucket) and a transition complete the kinds.
    const marker = first
      .replace('[06/Feb/2019:00:00:38 +0000]', '[05/Feb/2019:00:00:38 +0000]')
      .replace('128E87669E4C15FA S3.EXPIRE.OBJECT', '128E87669E4C15FB S3.CREATE.DELETEMARKER');
    const unversioned = first.replace('128E87669E4C15FA', '128E87669E4C15FC').replace(fields(first)[18]!, '-');
    const transition = first.replace('128E87669E4C15FA S3.EXPIRE.OBJECT', '128E87669E4C15FD S3.TRANSITION_GDA.OBJECT');
    assert.notEqual(marker, first);
    const dir = mkdtempSync(join(tmpdir(), 's3ls-real-expire-'));
    const engine = new LocalEngine({ cacheDir: join(dir, 'cache'), threads: 1 });
    try {
      mkdirSync(join(dir, 'logs'));
      // The first expiry delivered twice: one row.
      writeFileSync(join(dir, 'logs', '2019-02-06-00-00-00-0000000000000001'), [marker, first, first, second, unversioned, transition, ''].join('\n'));
      const catalog = TemplateCatalog.load();
      const runner = new TemplateRunner(catalog, engine, { logs: join(dir, 'logs') });
      await collectRows(await runner.run({ template: catalog.resolve('lifecycle_events').template }));
      const { rows } = await collectRows(await engine.run({ sql: 'SELECT request_id, operation, kind, version_id FROM lifecycle_events ORDER BY request_id' }));
      assert.deepEqual(
        rows.map(([id, op, kind]) => [id, op, kind]),
        [
          ['128E87669E4C15FA', 'S3.EXPIRE.OBJECT', 'expire_marker'],
          ['128E87669E4C15FB', 'S3.CREATE.DELETEMARKER', 'delete_marker'],
          ['128E87669E4C15FC', 'S3.EXPIRE.OBJECT', 'expire_object'],
          ['128E87669E4C15FD', 'S3.TRANSITION_GDA.OBJECT', 'transition'],
          ['366DB3C4B325AB11', 'S3.EXPIRE.OBJECT', 'expire_version'],
        ],
      );
    } finally {
      await engine.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

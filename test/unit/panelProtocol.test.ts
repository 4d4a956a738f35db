import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  MAX_REQUEST_PREFIXES,
  PANEL_STRING_KEYS,
  decodeFrameRegion,
  isBucketSummaryList,
  isFrameRegionWire,
  isGifExportResult,
  isPixelDescription,
  isProgressAtFrame,
  isPanelStrings,
  isTagForExpirationResult,
  parseHostMessage,
  parseRetentionReport,
  parseWebviewMessage,
  type RetentionReport,
} from '../../src/panelProtocol';

const request = (method: string, params: unknown) => ({ type: 'request', requestId: 7, method, params });

describe('messages from the (untrusted) webview', () => {
  it('accepts the ready handshake and known requests', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseWebviewMessage({ type: 'request', requestId: 3, method: 'listBuckets', params: {} }), {
      type: 'request',
      requestId: 3,
      method: 'listBuckets',
      params: {},
    });
  });

  it('drops extra fields rather than passing them on', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready', evil: '<img src=x onerror=alert(1)>' }), { type: 'ready' });
  });

  it('rejects malformed and unknown messages', () => {
    for (const raw of [
      null,
      'ready',
      [],
      { type: 'unknown' },
      { type: 'request', requestId: 0, method: 'listBuckets', params: {} },
      { type: 'request', requestId: 1.5, method: 'listBuckets', params: {} },
      { type: 'request', requestId: '1', method: 'listBuckets', params: {} },
      { type: 'request', requestId: 1, method: 'deleteEverything', params: {} },
      { type: 'request', requestId: 1, method: 'constructor', params: {} },
      { type: 'request', requestId: 1, method: 'listBuckets', params: { bucket: 'x' } },
    ]) {
      assert.equal(parseWebviewMessage(raw), undefined, JSON.stringify(raw));
    }
  });
});

describe('tagForExpiration requests', () => {
  it('accepts a bucket and distinct prefixes, the bucket root included', () => {
    assert.deepEqual(parseWebviewMessage(request('tagForExpiration', { bucket: 'estate-2019', prefixes: ['logs/2023', '', 'a b+c%/ü'] })), {
      type: 'request',
      requestId: 7,
      method: 'tagForExpiration',
      params: { bucket: 'estate-2019', prefixes: ['logs/2023', '', 'a b+c%/ü'] },
    });
  });

  it('accepts the largest request allowed', () => {
    const prefixes = Array.from({ length: MAX_REQUEST_PREFIXES }, (_, i) => `p/${i}`);
    const parsed = parseWebviewMessage(request('tagForExpiration', { bucket: 'estate-2019', prefixes }));
    assert.equal(parsed?.type === 'request' && parsed.method === 'tagForExpiration' ? parsed.params.prefixes.length : 0, MAX_REQUEST_PREFIXES);
  });

  it('rejects a bad bucket name', () => {
    for (const bucket of ['', 'ab', 'a'.repeat(64), '-estate', 'estate..2019', 'estate/2019', '../x', 42, null, undefined]) {
      assert.equal(parseWebviewMessage(request('tagForExpiration', { bucket, prefixes: ['a'] })), undefined, String(bucket));
    }
  });

  it('rejects prefixes of the wrong type, too long, duplicated, too many or none', () => {
    for (const prefixes of [
      'a',
      undefined,
      { 0: 'a', length: 1 },
      [1],
      [null],
      ['a', ['b']],
      ['x'.repeat(1025)],
      ['a', 'b', 'a'],
      Array.from({ length: MAX_REQUEST_PREFIXES + 1 }, (_, i) => `p/${i}`),
      [],
    ]) {
      assert.equal(parseWebviewMessage(request('tagForExpiration', { bucket: 'estate-2019', prefixes })), undefined, JSON.stringify(prefixes)?.slice(0, 60));
    }
  });

  it('accepts a prefix of exactly the longest key length', () => {
    assert.notEqual(parseWebviewMessage(request('tagForExpiration', { bucket: 'estate-2019', prefixes: ['x'.repeat(1024)] })), undefined);
  });

  it('rejects parameters it does not know', () => {
    assert.equal(parseWebviewMessage(request('tagForExpiration', { bucket: 'estate-2019', prefixes: ['a'], days: 1 })), undefined);
    assert.equal(parseWebviewMessage(request('tagForExpiration', undefined)), undefined);
  });
});

describe('findUnusedPrefixes requests', () => {
  it('accepts no bucket or a valid one', () => {
    assert.deepEqual(parseWebviewMessage(request('findUnusedPrefixes', {})), { type: 'request', requestId: 7, method: 'findUnusedPrefixes', params: {} });
    assert.deepEqual(parseWebviewMessage(request('findUnusedPrefixes', undefined)), {
      type: 'request',
      requestId: 7,
      method: 'findUnusedPrefixes',
      params: {},
    });
    assert.deepEqual(parseWebviewMessage(request('findUnusedPrefixes', { bucket: 'estate-2019' })), {
      type: 'request',
      requestId: 7,
      method: 'findUnusedPrefixes',
      params: { bucket: 'estate-2019' },
    });
  });

  it('rejects a bad bucket and unknown parameters', () => {
    assert.equal(parseWebviewMessage(request('findUnusedPrefixes', { bucket: 'no' })), undefined);
    assert.equal(parseWebviewMessage(request('findUnusedPrefixes', { bucket: 5 })), undefined);
    assert.equal(parseWebviewMessage(request('findUnusedPrefixes', { bucket: 'estate-2019', inventory: 's3://x' })), undefined);
    assert.equal(parseWebviewMessage(request('findUnusedPrefixes', 'estate-2019')), undefined);
  });
});

function validReport(): RetentionReport {
  return {
    bucket: 'estate-2019',
    engine: 'local',
    sources: { inventory: 's3://inventory/estate-2019/', logs: 's3://logs/estate-2019/' },
    window: { asOf: '2026-09-30', days: 30, start: '2026-09-01' },
    lookbackDays: 365,
    coverage: {
      days: 30,
      daysWithLogs: 29,
      missingDays: ['2026-09-07'],
      overridden: true,
      linesPerDay: { '2026-09-06': 1200, '2026-09-07': 0, '2026-09-08': 90 },
      suspectDays: ['2026-09-08'],
      malformed: { lines: 2, withKey: 0, examples: ['logs/x:3: the time field has no such date'], overridden: false },
    },
    exemptions: { globs: ['keep/**'], keepTag: 'retain=true' },
    prices: { region: 'us-east-1', perGbMonth: { STANDARD: 0.023, GLACIER: 0.0036 }, source: 'built-in list prices' },
    prefixes: [
      {
        prefix: 'logs/2023',
        objects: 12,
        bytes: 1610612736,
        storageClasses: ['GLACIER', 'STANDARD'],
        bytesByStorageClass: { GLACIER: 1073741824, STANDARD: 536870912 },
        newestLastModified: '2024-01-01T00:00:00.000Z',
        lastAccess: null,
        monthlySavingsUsd: 0.0151,
      },
      {
        prefix: '',
        objects: 1,
        bytes: 10,
        storageClasses: ['STANDARD'],
        bytesByStorageClass: { STANDARD: 10 },
        newestLastModified: '2024-02-01T00:00:00.000Z',
        lastAccess: '2025-01-02T03:04:05.000Z',
        monthlySavingsUsd: 0,
      },
    ],
    totals: { prefixes: 2, objects: 13, bytes: 1610612746, monthlySavingsUsd: 0.0151 },
    notes: ['2 malformed log lines were skipped'],
    generatedAt: '2026-10-01T10:00:00.000Z',
  };
}

/** A valid report with one field changed, addressed by a path. */
function withField(path: (string | number)[], value: unknown): unknown {
  const report = structuredClone(validReport()) as unknown as Record<string, unknown>;
  let target = report as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return report;
}

describe('retention reports from the host', () => {
  it('accepts a well-formed report and copies only the known fields', () => {
    const raw = { ...validReport(), secret: 'x', prefixes: validReport().prefixes.map((p) => ({ ...p, extra: '<b>' })) };
    assert.deepEqual(parseRetentionReport(raw), validReport());
    const message = parseHostMessage({ type: 'retentionReport', report: validReport() });
    assert.deepEqual(message, { type: 'retentionReport', report: validReport() });
  });

  it('keeps a storage class called "__proto__" as a plain key', () => {
    const raw = JSON.parse(JSON.stringify(validReport()).replace('"GLACIER":1073741824', '"__proto__":1073741824')) as unknown;
    const parsed = parseRetentionReport(raw);
    assert.equal(Object.getPrototypeOf(parsed!.prefixes[0]!.bytesByStorageClass), Object.prototype);
    assert.deepEqual(Object.keys(parsed!.prefixes[0]!.bytesByStorageClass), ['__proto__', 'STANDARD']);
  });

  it('accepts a report without prefixes (nothing unused)', () => {
    const empty = { ...validReport(), prefixes: [], totals: { prefixes: 0, objects: 0, bytes: 0, monthlySavingsUsd: 0 } };
    assert.deepEqual(parseRetentionReport(empty), empty);
  });

  it('rejects wrong types, NaN, infinities and negative amounts field by field', () => {
    const cases: [(string | number)[], unknown][] = [
      [['bucket'], 5],
      [['engine'], 'spark'],
      [['generatedAt'], undefined],
      [['sources', 'logs'], null],
      [['window', 'days'], '30'],
      [['window', 'days'], 1.5],
      [['window', 'asOf'], 20260930],
      [['lookbackDays'], -1],
      [['coverage', 'daysWithLogs'], NaN],
      [['coverage', 'missingDays'], '2026-09-07'],
      [['coverage', 'missingDays', 0], 7],
      [['coverage', 'overridden'], 'yes'],
      [['exemptions', 'globs'], [1]],
      [['exemptions', 'keepTag'], undefined],
      [['prices', 'perGbMonth', 'STANDARD'], Infinity],
      [['prices', 'perGbMonth'], [0.023]],
      [['prices', 'region'], undefined],
      [['totals', 'bytes'], NaN],
      [['totals', 'monthlySavingsUsd'], -Infinity],
      [['notes'], [null]],
      [['prefixes'], {}],
      [['prefixes', 0], null],
      [['prefixes', 0, 'prefix'], 1],
      [['prefixes', 0, 'objects'], -1],
      [['prefixes', 0, 'objects'], NaN],
      [['prefixes', 0, 'bytes'], Infinity],
      [['prefixes', 0, 'bytes'], '10'],
      [['prefixes', 0, 'storageClasses'], 'STANDARD'],
      [['prefixes', 0, 'bytesByStorageClass', 'GLACIER'], NaN],
      [['prefixes', 0, 'bytesByStorageClass'], null],
      [['prefixes', 0, 'newestLastModified'], null],
      [['prefixes', 0, 'lastAccess'], undefined],
      [['prefixes', 0, 'lastAccess'], 0],
      [['prefixes', 0, 'monthlySavingsUsd'], NaN],
      [['prefixes', 1, 'prefix'], 'logs/2023'],
    ];
    for (const [path, value] of cases) {
      const raw = withField(path, value);
      assert.equal(parseRetentionReport(raw), undefined, `${path.join('.')} = ${String(value)}`);
      assert.equal(parseHostMessage({ type: 'retentionReport', report: raw }), undefined, `${path.join('.')} = ${String(value)}`);
    }
  });

  it('rejects a missing report', () => {
    assert.equal(parseHostMessage({ type: 'retentionReport' }), undefined);
    assert.equal(parseHostMessage({ type: 'retentionReport', report: [] }), undefined);
  });
});

describe('prefix status messages from the host', () => {
  it('accepts each status, with an optional detail', () => {
    for (const status of ['tagging', 'tagged', 'failed', 'untagged']) {
      assert.deepEqual(parseHostMessage({ type: 'prefixStatus', bucket: 'b', prefixes: ['a', ''], status }), {
        type: 'prefixStatus',
        bucket: 'b',
        prefixes: ['a', ''],
        status,
      });
    }
    assert.deepEqual(parseHostMessage({ type: 'prefixStatus', bucket: 'b', prefixes: ['a'], status: 'failed', detail: '3 objects failed' }), {
      type: 'prefixStatus',
      bucket: 'b',
      prefixes: ['a'],
      status: 'failed',
      detail: '3 objects failed',
    });
  });

  it('rejects an unknown status and malformed fields', () => {
    for (const raw of [
      { type: 'prefixStatus', bucket: 'b', prefixes: ['a'], status: 'deleted' },
      { type: 'prefixStatus', bucket: 'b', prefixes: 'a', status: 'tagged' },
      { type: 'prefixStatus', bucket: 'b', prefixes: [1], status: 'tagged' },
      { type: 'prefixStatus', bucket: 1, prefixes: ['a'], status: 'tagged' },
      { type: 'prefixStatus', bucket: 'b', prefixes: ['a'], status: 'failed', detail: 3 },
    ]) {
      assert.equal(parseHostMessage(raw), undefined, JSON.stringify(raw));
    }
  });
});

describe('messages from the host', () => {
  const strings = Object.fromEntries(['title', 'connectionLabel'].map((k) => [k, k]));

  it('accepts connectionChanged and responses', () => {
    const connection = { description: 'AWS', engine: 'local' };
    assert.deepEqual(parseHostMessage({ type: 'connectionChanged', connection }), { type: 'connectionChanged', connection });
    assert.deepEqual(parseHostMessage({ type: 'response', requestId: 1, ok: false, error: 'Access denied' }), {
      type: 'response',
      requestId: 1,
      ok: false,
      error: 'Access denied',
    });
  });

  it('accepts init only with every string the panel shows', () => {
    const connection = { description: 'AWS', engine: 'local' };
    const every = Object.fromEntries(PANEL_STRING_KEYS.map((key) => [key, `<${key}>`]));
    assert.deepEqual(parseHostMessage({ type: 'init', strings: every, connection }), { type: 'init', strings: every, connection });
    assert.equal(parseHostMessage({ type: 'init', strings, connection }), undefined);
    assert.equal(isPanelStrings({ ...every, tagSelected: 3 }), false);
  });

  it('rejects an error response without a message and an unknown engine', () => {
    assert.equal(parseHostMessage({ type: 'response', requestId: 1, ok: false }), undefined);
    assert.equal(parseHostMessage({ type: 'connectionChanged', connection: { description: 'x', engine: 'spark' } }), undefined);
  });

  it('checks the shape of a bucket list', () => {
    assert.ok(
      isBucketSummaryList([
        { name: 'a', createdAt: null },
        { name: 'b', createdAt: '2024-01-01T00:00:00.000Z' },
      ]),
    );
    assert.ok(!isBucketSummaryList([{ name: 1, createdAt: null }]));
    assert.ok(!isBucketSummaryList({ name: 'a' }));
  });

  it('checks the shape of a tagging result', () => {
    assert.ok(isTagForExpirationResult({ tagged: [] }));
    assert.ok(isTagForExpirationResult({ tagged: ['a'], runId: 'r1' }));
    assert.ok(!isTagForExpirationResult({ tagged: [1] }));
    assert.ok(!isTagForExpirationResult(null));
  });
});

describe("the deletion player's requests", () => {
  it('accepts a frame, a pixel, an export, play and stop with valid parameters', () => {
    const cases: [string, unknown][] = [
      ['deletionFrame', { session: 2, index: 0, base: -1 }],
      ['deletionFrame', { session: 2, index: 199_999, base: 7 }],
      ['describeDeletionPixel', { session: 2, x: 0, y: 2047 }],
      ['deletionProgress', { session: 2, index: 5 }],
      ['exportDeletionGif', { session: 2, frameDelayMs: 100 }],
      ['playDeletion', {}],
      ['cancelDeletion', { session: 2 }],
    ];
    for (const [method, params] of cases) assert.deepEqual(parseWebviewMessage(request(method, params)), { ...request(method, params) }, method);
    assert.deepEqual(parseWebviewMessage(request('playDeletion', undefined)), request('playDeletion', {}));
  });

  it('rejects bad sessions, indexes out of bounds, odd delays and unknown parameters', () => {
    const cases: [string, unknown][] = [
      ['deletionFrame', { session: 0, index: 0, base: -1 }],
      ['deletionFrame', { session: 2, index: -1, base: -1 }],
      ['deletionFrame', { session: 2, index: 200_000, base: -1 }],
      ['deletionFrame', { session: 2, index: 1.5, base: -1 }],
      ['deletionFrame', { session: 2, index: 1, base: -2 }],
      ['deletionFrame', { session: 2, index: 1, base: '0' }],
      ['deletionFrame', { session: 2, index: 1 }],
      ['deletionFrame', { session: 2, index: 1, base: 0, full: true }],
      ['describeDeletionPixel', { session: 2, x: 2048, y: 0 }],
      ['deletionProgress', { session: 2, index: -1 }],
      ['deletionProgress', { session: 2 }],
      ['describeDeletionPixel', { session: 2, x: 0, y: -1 }],
      ['exportDeletionGif', { session: 2, frameDelayMs: 5 }],
      ['exportDeletionGif', { session: 2, frameDelayMs: 60_000 }],
      ['exportDeletionGif', { session: 2, frameDelayMs: 100, path: '/etc/passwd' }],
      ['playDeletion', { bucket: 'estate-2019' }],
      ['cancelDeletion', {}],
      ['cancelDeletion', { session: '2' }],
    ];
    for (const [method, params] of cases) assert.equal(parseWebviewMessage(request(method, params)), undefined, `${method} ${JSON.stringify(params)}`);
  });
});

describe("the deletion player's messages from the host", () => {
  const start = {
    type: 'deletionStart',
    session: 4,
    bucket: 'estate',
    width: 3,
    height: 2,
    palette: [0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9, 1, 2, 3],
    stateColours: [0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9],
    objects: 6,
    frames: 10,
    firstBucket: 1_735_689_600_000,
    granularity: 'hour',
    layout: 'hilbert',
  };
  const frames = {
    type: 'deletionFrames',
    session: 4,
    first: 0,
    bucketStarts: [1, 2],
    counts: [6, 0, 0, 0, 0, 5, 0, 1, 0, 0],
    events: [0, 1],
    anomalies: [0, 0],
    progress: {
      partitions: [
        {
          index: 0,
          firstObject: 0,
          endObject: 6,
          objects: 6,
          phases: [{ kind: 'delete_marker', done: 1, total: 6, ratePerHour: 0.5, estimatedEnd: 9 }],
          finished: false,
          estimatedEnd: 9,
          firstKey: 'a',
          lastKey: 'f',
        },
      ],
      complete: false,
      firstEvent: 2,
      lastEvent: 2,
      estimatedEnd: { time: 9, low: 8, high: 12 },
      notes: ['a note'],
    },
  };
  const end = {
    type: 'deletionEnd',
    session: 4,
    outcome: 'complete',
    frames: 10,
    anomalies: [{ state: 'gone', kind: 'expire_marker', count: 3, description: 'expire_marker on a gone object' }],
    complete: true,
  };

  it('accepts the preparing, start, frames and end messages as they are', () => {
    for (const message of [
      { type: 'deletionPreparing', session: 4, bucket: 'estate' },
      { type: 'deletionPreparing', session: 4, bucket: 'estate', prefix: 'logs/2019/' },
      start,
      { ...start, prefix: 'tenant-001/' },
      { ...start, resumeFrame: 3 },
      frames,
      end,
      { ...end, outcome: 'failed', message: 'why', complete: false },
    ]) {
      assert.deepEqual(parseHostMessage(message), message, message.type);
    }
    assert.equal(parseHostMessage({ type: 'deletionPreparing', session: 4, bucket: 'estate', prefix: ['a/'] }), undefined, 'a prefix that is not text');
  });

  it('drops fields it does not know', () => {
    const parsed = parseHostMessage({ ...start, html: '<img onerror=x>' });
    assert.deepEqual(parsed, start);
    const withExtra = structuredClone(frames) as typeof frames & { progress: { partitions: Record<string, unknown>[] } };
    withExtra.progress.partitions[0]!.extra = 1;
    assert.deepEqual(parseHostMessage(withExtra), frames);
  });

  it('rejects a malformed start: a size, a palette or colours the player cannot use', () => {
    for (const bad of [
      { width: 0 },
      { width: 2049 },
      { height: 1.5 },
      { palette: [0, 0] },
      { palette: [0, 0, 256] },
      { palette: Array.from({ length: 256 * 3 }, () => 0) },
      { stateColours: [0, 0, 0] },
      { frames: 200_001 },
      { granularity: 'week' },
      { layout: 'spiral' },
      { session: -1 },
      { firstBucket: Number.NaN },
      { resumeFrame: -1 },
      { resumeFrame: '3' },
      { prefix: 7 },
      { prefix: 'k'.repeat(1025) },
    ]) {
      assert.equal(parseHostMessage({ ...start, ...bad }), undefined, JSON.stringify(bad));
    }
  });

  it('rejects a batch of frames whose arrays do not line up, and a malformed progress', () => {
    const withProgress = (change: (p: Record<string, unknown>) => void) => {
      const copy = structuredClone(frames) as unknown as { progress: Record<string, unknown> };
      change(copy.progress);
      return copy;
    };
    for (const bad of [
      { ...frames, counts: [6, 0, 0, 0, 0] },
      { ...frames, events: [0] },
      { ...frames, anomalies: [0, -1] },
      { ...frames, bucketStarts: [] },
      { ...frames, first: 199_999 },
      { ...frames, counts: frames.counts.map(() => 0.5) },
      withProgress((p) => (p.estimatedEnd = { time: 9, low: 10, high: 12 })),
      withProgress((p) => (p.notes = [1])),
      withProgress((p) => ((p.partitions as Record<string, unknown>[])[0]!.phases = [{ kind: 'transition', done: 0, total: 1 }])),
      withProgress((p) => ((p.partitions as Record<string, unknown>[])[0]!.endObject = -1)),
      withProgress((p) => (p.partitions = Array.from({ length: 4097 }, () => (p.partitions as unknown[])[0]))),
    ]) {
      assert.equal(parseHostMessage(bad), undefined, JSON.stringify(bad).slice(0, 120));
    }
  });

  it('rejects an end with an unknown outcome or anomaly', () => {
    assert.equal(parseHostMessage({ ...end, outcome: 'done' }), undefined);
    assert.equal(parseHostMessage({ ...end, anomalies: [{ state: 'lost', kind: 'expire_marker', count: 1, description: '' }] }), undefined);
    assert.equal(parseHostMessage({ ...end, message: 3 }), undefined);
  });

  it('decodes a frame only when it fits the image and the palette', () => {
    const image = { width: 3, height: 2, colours: 6 };
    const wire = (pixels: number[], rect: Partial<{ x: number; y: number; width: number; height: number; full: boolean }> = {}) => ({
      index: 1,
      x: 1,
      y: 0,
      width: 2,
      height: 2,
      full: false,
      ...rect,
      pixels: Buffer.from(pixels).toString('base64'),
    });
    const good = wire([0, 255, 5, 1]);
    assert.ok(isFrameRegionWire(good));
    assert.deepEqual(decodeFrameRegion(good, image), { index: 1, x: 1, y: 0, width: 2, height: 2, full: false, pixels: Uint8Array.of(0, 255, 5, 1) });
    assert.equal(decodeFrameRegion(wire([0, 255, 6, 1]), image), undefined, 'an index past the palette');
    assert.equal(decodeFrameRegion(wire([0, 1, 2]), image), undefined, 'too few pixels');
    assert.equal(decodeFrameRegion(wire([0, 1, 2, 3], { x: 2 }), image), undefined, 'outside the image');
    assert.equal(decodeFrameRegion(wire([0, 1, 2, 3], { full: true }), image), undefined, 'a whole image that is not whole');
    assert.ok(!isFrameRegionWire({ ...good, pixels: 'not base64!' }));
    assert.ok(!isFrameRegionWire({ ...good, pixels: 'A'.repeat(6_000_000) }));
    assert.ok(!isFrameRegionWire({ ...good, full: 'yes' }));
  });

  it('checks the progress answered for a frame', () => {
    assert.ok(isProgressAtFrame({ frame: 3, progress: frames.progress }));
    assert.ok(!isProgressAtFrame({ frame: -1, progress: frames.progress }));
    assert.ok(!isProgressAtFrame({ frame: 3, progress: { ...frames.progress, complete: 'no' } }));
  });

  it('checks a pixel description and an export result', () => {
    assert.ok(isPixelDescription(null));
    assert.ok(isPixelDescription({ segmentPrefix: 'a/', firstKey: 'a/1', lastKey: 'a/9', objects: 3 }));
    assert.ok(!isPixelDescription({ segmentPrefix: 'a/', firstKey: 'a/1', objects: 3 }));
    assert.ok(isGifExportResult(null));
    assert.ok(isGifExportResult({ path: '/tmp/x.gif', frames: 3, bytes: 100 }));
    assert.ok(!isGifExportResult({ path: '/tmp/x.gif', frames: -1, bytes: 100 }));
  });
});

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { DeletionRenderResult, RenderDeletionOptions } from '../../src/app/deletionRender';
import { DeletionSession, DeletionSessionError, MAX_PROGRESS_VIEWS, type GifWriterFactory } from '../../src/app/deletionSession';
import { applyRegion } from '../../src/core/deletion/frameStore';
import { TRANSPARENT_INDEX, type FramePatch } from '../../src/core/deletion/model';
import type { DeletionProgress } from '../../src/core/deletion/partitions';
import { decodeFrameRegion, parseHostMessage, type DeletionEventMessage } from '../../src/panelProtocol';

const W = 4;
const H = 2;
const PALETTE: [number, number, number][] = [
  [0, 200, 0],
  [0, 0, 200],
  [200, 200, 0],
  [200, 0, 0],
  [0, 0, 0],
];

/** Frame f: the first f objects (row-major) are gone, the rest present; each frame changes one pixel. */
function patches(frames: number): FramePatch[] {
  return Array.from({ length: frames }, (_, f) => {
    const counts = [W * H - f, 0, 0, 0, f];
    const base = { index: f, bucketStart: Date.UTC(2025, 0, 1) + f * 3_600_000, counts, anomalies: 0, events: f === 0 ? 0 : 1 };
    if (f === 0) return { ...base, x: 0, y: 0, width: W, height: H, pixels: new Uint8Array(W * H) };
    const o = f - 1;
    return { ...base, x: o % W, y: Math.floor(o / W), width: 1, height: 1, pixels: Uint8Array.of(4) };
  });
}

function progress(done: number): DeletionProgress {
  return {
    partitions: [
      {
        index: 0,
        firstObject: 0,
        endObject: W * H,
        objects: W * H,
        phases: [{ kind: 'expire_object', done, total: W * H, ratePerHour: 1 }],
        finished: done === W * H,
      },
    ],
    complete: done === W * H,
    notes: [],
  };
}

interface FakeOptions {
  frames?: number;
  failAt?: number;
  start?: Partial<Parameters<NonNullable<RenderDeletionOptions['onStart']>>[0]>;
  /** Called before each frame: the test may cancel the session there. */
  beforeFrame?: (index: number) => void;
}

const disposed = { count: 0 };

function fakeRender({ frames = 6, failAt, start, beforeFrame }: FakeOptions = {}) {
  return async (control: Pick<RenderDeletionOptions, 'signal' | 'onStart' | 'onFrame'>): Promise<DeletionRenderResult> => {
    await control.onStart?.({
      width: W,
      height: H,
      palette: PALETTE,
      objects: W * H,
      frames,
      firstBucket: Date.UTC(2025, 0, 1),
      lastBucket: 0,
      segments: [],
      ...start,
    });
    for (const patch of patches(frames)) {
      beforeFrame?.(patch.index);
      if (control.signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      if (patch.index === failAt) throw new Error('The engine went away.');
      await control.onFrame?.(patch, progress(patch.index));
    }
    return {
      width: W,
      height: H,
      bucket: 'estate',
      prefix: '',
      granularity: 'hour',
      events: frames - 1,
      notes: ['The inventory report of 2025-01-01 was used.'],
      dispose: async () => {
        disposed.count++;
        return [];
      },
      frames,
      objects: W * H,
      totals: { present: W * H - frames + 1, transitioned: 0, deleteMarked: 0, noncurrentExpired: 0, gone: frames - 1 },
      anomalies: [
        { state: 'gone', kind: 'expire_marker', count: 2, description: 'expire_marker on a gone object' },
        { state: 'present', kind: 'expire_marker', count: 0, description: 'none' },
      ],
      progress: progress(frames - 1),
      partitions: [{ ...progress(frames - 1).partitions[0]!, firstKey: 'a/1', lastKey: 'z/9' }],
      describePixel: async (x, y) => (y * W + x < W * H - 1 ? { segmentPrefix: `p${x}/`, firstKey: `p${x}/a`, lastKey: `p${x}/z`, objects: 1 } : undefined),
    };
  };
}

function session(render: ReturnType<typeof fakeRender>, options: { flushFrames?: number; prefix?: string } = {}) {
  const s = new DeletionSession({ id: 3, bucket: 'estate', granularity: 'hour', layout: 'rows', render, stateColours: (p) => p.slice(0, 5), ...options });
  const sent: DeletionEventMessage[] = [];
  s.listen((m) => sent.push(m));
  return { s, sent };
}

/** Every message must pass the webview's own check unchanged. */
function checked(messages: DeletionEventMessage[]): DeletionEventMessage[] {
  return messages.map((m) => {
    const parsed = parseHostMessage(JSON.parse(JSON.stringify(m)));
    assert.deepEqual(parsed, m, m.type);
    return m;
  });
}

describe('a deletion session', () => {
  it("streams the start, every frame's counts in batches and the end, each a valid message", async () => {
    const { s, sent } = session(fakeRender({ frames: 6 }), { flushFrames: 4 });
    const result = await s.run();
    assert.equal(result?.frames, 6);
    checked(sent);
    assert.deepEqual(
      sent.map((m) => m.type),
      ['deletionPreparing', 'deletionStart', 'deletionFrames', 'deletionFrames', 'deletionEnd'],
    );
    const start = sent[1] as Extract<DeletionEventMessage, { type: 'deletionStart' }>;
    assert.deepEqual(start.palette, PALETTE.flat());
    assert.deepEqual(start.stateColours, PALETTE.flat());
    const batches = sent.filter((m) => m.type === 'deletionFrames');
    assert.deepEqual(
      batches.map((b) => [b.first, b.bucketStarts.length]),
      [
        [0, 4],
        [4, 2],
      ],
    );
    assert.deepEqual(batches[1]!.counts, [...patches(6)[4]!.counts, ...patches(6)[5]!.counts]);
    const end = sent.at(-1) as Extract<DeletionEventMessage, { type: 'deletionEnd' }>;
    assert.equal(end.outcome, 'complete');
    assert.equal(end.complete, true);
    assert.equal(end.frames, 6);
    // Anomalies that did not happen are left out; the partitions carry their keys once complete.
    assert.deepEqual(end.anomalies, [{ state: 'gone', kind: 'expire_marker', count: 2, description: 'expire_marker on a gone object' }]);
    assert.equal(end.progress?.partitions[0]?.firstKey, 'a/1');
    assert.deepEqual(end.progress?.notes, ['The inventory report of 2025-01-01 was used.']);
    assert.deepEqual(s.countsAt(3), patches(6)[3]!.counts);
  });

  it('names the prefix it keeps to in its preparing and start messages, and only then', async () => {
    const scoped = session(fakeRender({ frames: 3 }), { prefix: 'logs/2019/' });
    assert.equal(scoped.s.prefix, 'logs/2019/');
    await scoped.s.run();
    const [preparing, start] = checked(scoped.sent);
    assert.deepEqual(preparing, { type: 'deletionPreparing', session: 3, bucket: 'estate', prefix: 'logs/2019/' });
    assert.equal(start?.type === 'deletionStart' && start.prefix, 'logs/2019/');
    assert.equal((checked(scoped.s.replay())[0] as { prefix?: string }).prefix, 'logs/2019/', 'a panel opened later');
    const whole = session(fakeRender({ frames: 3 }));
    await whole.s.run();
    assert.ok(
      checked(whole.sent).every((m) => !('prefix' in m)),
      'the whole bucket: no prefix field',
    );
  });

  it('replays to a panel that opens later exactly what a panel open from the start saw (but the frames in fewer batches)', async () => {
    const { s, sent } = session(fakeRender({ frames: 6 }), { flushFrames: 2 });
    await s.run();
    const replay = checked(s.replay());
    assert.deepEqual(
      replay.map((m) => m.type),
      ['deletionStart', 'deletionFrames', 'deletionEnd'],
    );
    const all = (messages: DeletionEventMessage[]) => messages.flatMap((m) => (m.type === 'deletionFrames' ? m.counts : []));
    assert.deepEqual(all(replay), all(sent));
    assert.deepEqual(replay.at(-1), sent.at(-1));
    // Once the panel has asked for a frame, a panel that opens again comes back to it.
    s.frame(4, 3);
    assert.equal(checked(s.replay())[0]!.type === 'deletionStart' && (s.replay()[0] as { resumeFrame?: number }).resumeFrame, 4);
  });

  it("answers any frame from any frame with pixels that take the webview's image there", async () => {
    const { s } = session(fakeRender({ frames: 9 }));
    await s.run();
    const image = (index: number) => {
      const img = new Uint8Array(W * H).fill(TRANSPARENT_INDEX);
      for (const p of patches(9).slice(0, index + 1)) applyRegion(img, W, p);
      return img;
    };
    for (const [base, index] of [
      [-1, 0],
      [0, 1],
      [1, 8],
      [8, 2],
      [5, 5],
      [20, 3],
    ] as const) {
      const wire = JSON.parse(JSON.stringify(s.frame(index, base)));
      const region = decodeFrameRegion(wire, { width: W, height: H, colours: PALETTE.length });
      assert.ok(region, `${base} → ${index}`);
      const shown = base < 0 || base >= 9 || region.full ? new Uint8Array(W * H).fill(TRANSPARENT_INDEX) : image(base);
      applyRegion(shown, W, region);
      assert.deepEqual(shown, image(index), `${base} → ${index}`);
    }
    assert.throws(
      () => s.frame(9, 8),
      (error: unknown) => error instanceof DeletionSessionError && error.reason === 'noFrame',
    );
  });

  it("answers the progress as it was known after any frame, the partitions' keys added once known", async () => {
    const { s } = session(fakeRender({ frames: 6 }));
    await s.run();
    for (let i = 0; i < 6; i++) {
      const { frame, progress: view } = s.progressAt(i);
      assert.equal(frame, i);
      assert.equal(view.partitions[0]!.phases[0]!.done, i);
      // The partition found then is the final one: it has its keys.
      assert.equal(view.partitions[0]!.firstKey, 'a/1');
    }
    assert.throws(
      () => s.progressAt(6),
      (error: unknown) => error instanceof DeletionSessionError && error.reason === 'noFrame',
    );
  });

  it('keeps a bounded number of progress reports on a long reading, the nearest before a frame answering for it', async () => {
    const frames = 3000;
    const render = async (control: Pick<RenderDeletionOptions, 'signal' | 'onStart' | 'onFrame'>): Promise<DeletionRenderResult> => {
      const result = await fakeRender({ frames: 1 })(control);
      for (let f = 1; f < frames; f++)
        await control.onFrame?.(
          { index: f, bucketStart: f, x: 0, y: 0, width: 0, height: 0, pixels: new Uint8Array(0), counts: [8, 0, 0, 0, 0], anomalies: 0, events: 0 },
          progress(f % 9),
        );
      return { ...result, frames, progress: progress(3) };
    };
    const { s } = session(render);
    await s.run();
    const kept = new Set<number>();
    for (let i = 0; i < frames; i++) {
      const { frame } = s.progressAt(i);
      assert.ok(frame <= i && i - frame < 16, `frame ${i} answered by ${frame}`);
      kept.add(frame);
    }
    assert.ok(kept.size <= MAX_PROGRESS_VIEWS + 1, `${kept.size} kept`);
    assert.equal(s.progressAt(frames - 1).frame, frames - 1, 'the last frame is always kept');
    assert.equal(s.progressAt(frames - 1).progress.partitions[0]!.phases[0]!.done, 3, "…with the render's final progress");
  });

  it('describes a pixel only once the reading completed, and null for the background', async () => {
    let probe: Promise<unknown> | undefined;
    const { s } = session(
      fakeRender({
        frames: 3,
        beforeFrame: (i) => {
          if (i === 1) probe = s.describePixel(0, 0);
        },
      }),
    );
    await s.run();
    await assert.rejects(probe!, (error: unknown) => error instanceof DeletionSessionError && error.reason === 'notReady');
    assert.deepEqual(await s.describePixel(1, 0), { segmentPrefix: 'p1/', firstKey: 'p1/a', lastKey: 'p1/z', objects: 1 });
    assert.equal(await s.describePixel(W - 1, H - 1), null);
    assert.equal(await s.describePixel(W, 0), null);
  });

  it("lets go of the render's tables when disposed, after which pixels are no longer described", async () => {
    const { s } = session(fakeRender({ frames: 3 }));
    await s.run();
    const before = disposed.count;
    assert.deepEqual(await s.dispose(), []);
    assert.equal(disposed.count, before + 1);
    await assert.rejects(s.describePixel(0, 0), (error: unknown) => error instanceof DeletionSessionError && error.reason === 'notReady');
    assert.deepEqual(await s.dispose(), [], 'a second dispose does nothing');
    assert.equal(disposed.count, before + 1);
  });

  it('stops when cancelled, keeping the frames read so far playable', async () => {
    let cancel = () => {};
    const { s, sent } = session(fakeRender({ frames: 8, beforeFrame: (i) => i === 4 && cancel() }));
    cancel = () => s.cancel();
    assert.equal(await s.run(), undefined);
    assert.equal(s.outcome, 'cancelled');
    assert.equal(s.frames, 4);
    const end = checked(sent).at(-1);
    assert.deepEqual(end && end.type === 'deletionEnd' && [end.outcome, end.frames, end.complete], ['cancelled', 4, false]);
    assert.equal(
      sent.filter((m) => m.type === 'deletionFrames').reduce((n, m) => n + (m.type === 'deletionFrames' ? m.bucketStarts.length : 0), 0),
      4,
    );
    assert.ok(s.frame(3, -1));
  });

  it('tells the panel why it failed, and rethrows', async () => {
    const { s, sent } = session(fakeRender({ frames: 8, failAt: 2 }));
    await assert.rejects(s.run(), /engine went away/);
    const end = checked(sent).at(-1);
    assert.deepEqual(end && end.type === 'deletionEnd' && [end.outcome, end.message, end.frames], ['failed', 'The engine went away.', 2]);
  });

  it('refuses more frames or a larger image than the player holds, saying what to choose instead', async () => {
    await assert.rejects(session(fakeRender({ start: { frames: 300_000 } })).s.run(), /coarser granularity/);
    await assert.rejects(session(fakeRender({ start: { width: 5000 } })).s.run(), /smaller size/);
  });

  it('says where to look when no lifecycle event was found', async () => {
    await assert.rejects(session(fakeRender({ frames: 0 })).s.run(), /logs location holds the days the lifecycle rule ran/);
  });

  it('writes every frame read, in order, to the GIF writer', async () => {
    const { s } = session(fakeRender({ frames: 5 }));
    await s.run();
    const added: number[] = [];
    let options: unknown;
    let finished = false;
    const factory: GifWriterFactory = (sink, o) => {
      options = o;
      return {
        addFrame: async (patch) => {
          added.push(patch.index);
          await sink(Uint8Array.of(patch.index));
        },
        finish: async () => {
          finished = true;
        },
      };
    };
    const chunks: number[] = [];
    assert.equal(await s.writeGif(factory, (bytes) => void chunks.push(...bytes), 250), 5);
    assert.deepEqual(added, [0, 1, 2, 3, 4]);
    assert.deepEqual(chunks, [0, 1, 2, 3, 4]);
    assert.ok(finished);
    assert.deepEqual(options, { width: W, height: H, palette: PALETTE, delayMs: 250, loop: true });
  });
});

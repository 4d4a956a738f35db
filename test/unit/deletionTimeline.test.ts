import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { STATE_COUNT } from '../../src/core/deletion/model';
import { DeletionTimeline } from '../../src/core/deletion/timeline';

/** Frame f of 10: f × 10 of 100 objects gone. */
const counts = (f: number) => [100 - f * 10, 0, 0, 0, f * 10];

function batch(timeline: DeletionTimeline, first: number, n: number): boolean {
  const frames = Array.from({ length: n }, (_, i) => first + i);
  return timeline.add(
    first,
    frames.map((f) => f * 3_600_000),
    frames.flatMap(counts),
    frames.map((f) => f),
    frames.map(() => 0),
  );
}

describe('the deletion timeline', () => {
  it("keeps each frame's time, counts and events as batches arrive", () => {
    const timeline = new DeletionTimeline(10);
    assert.ok(batch(timeline, 0, 4));
    assert.ok(batch(timeline, 4, 6));
    assert.equal(timeline.known, 10);
    assert.deepEqual(timeline.counts(7), counts(7));
    assert.equal(timeline.bucketStart(7), 7 * 3_600_000);
    assert.equal(timeline.events(7), 7);
    assert.throws(() => timeline.counts(10), /not known/);
  });

  it('refuses a batch that would leave a gap, and takes one again (a replay) in place', () => {
    const timeline = new DeletionTimeline(10);
    assert.equal(batch(timeline, 2, 2), false);
    assert.ok(batch(timeline, 0, 5));
    assert.ok(batch(timeline, 0, 3));
    assert.equal(timeline.known, 5);
  });

  it('grows past the frames it expected', () => {
    const timeline = new DeletionTimeline(2);
    assert.ok(batch(timeline, 0, 9));
    assert.equal(timeline.span, 9);
    assert.deepEqual(timeline.counts(8), counts(8));
  });

  it("stacks each column's shares in state order, and leaves the columns past the known frames empty", () => {
    const timeline = new DeletionTimeline(10);
    batch(timeline, 0, 5);
    const { frames, tops } = timeline.stackedColumns(20);
    assert.deepEqual([...frames.slice(0, 11)], [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, -1]);
    // Column 6 shows frame 3: 70 present (0.7), then nothing until gone tops it at 1.
    assert.deepEqual([...tops.slice(6 * STATE_COUNT, 7 * STATE_COUNT)], [0.7, 0.7, 0.7, 0.7, 1]);
    assert.deepEqual([...tops.slice(12 * STATE_COUNT, 13 * STATE_COUNT)], [0, 0, 0, 0, 0]);
  });

  it('goes to the frame under a point of the chart, never past the known ones', () => {
    const timeline = new DeletionTimeline(10);
    assert.equal(timeline.frameAt(0.5), -1);
    batch(timeline, 0, 5);
    assert.equal(timeline.frameAt(0), 0);
    assert.equal(timeline.frameAt(0.25), 2);
    assert.equal(timeline.frameAt(0.9), 4);
    assert.equal(timeline.frameAt(-3), 0);
  });
});

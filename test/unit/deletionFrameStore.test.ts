import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { applyRegion, FrameStore, MAX_COMPOSED_FRAMES } from '../../src/core/deletion/frameStore';
import { TRANSPARENT_INDEX, type FramePatch } from '../../src/core/deletion/model';
import { Random } from '../../src/core/random';

const W = 13;
const H = 9;

/** Random frames: each changes a random rectangle (or nothing), marking some of its pixels unchanged. */
function randomPatches(count: number, seed: number): FramePatch[] {
  const random = new Random(seed);
  const patches: FramePatch[] = [];
  for (let index = 0; index < count; index++) {
    const base = { index, bucketStart: index * 3_600_000, counts: [index, 0, 0, 0, 0], anomalies: 0, events: index };
    if (index === 0) {
      patches.push({ ...base, x: 0, y: 0, width: W, height: H, pixels: Uint8Array.from({ length: W * H }, () => random.int(5)) });
      continue;
    }
    if (random.int(5) === 0) {
      patches.push({ ...base, x: 0, y: 0, width: 0, height: 0, pixels: new Uint8Array(0) });
      continue;
    }
    const x = random.int(W);
    const y = random.int(H);
    const width = 1 + random.int(W - x);
    const height = 1 + random.int(H - y);
    const pixels = Uint8Array.from({ length: width * height }, () => (random.int(3) === 0 ? TRANSPARENT_INDEX : random.int(5)));
    patches.push({ ...base, x, y, width, height, pixels });
  }
  return patches;
}

/** Frame `index` rebuilt the slow way: every patch from the first. */
function naiveImage(patches: FramePatch[], index: number): Uint8Array {
  const image = new Uint8Array(W * H).fill(TRANSPARENT_INDEX);
  for (let i = 0; i <= index; i++) applyRegion(image, W, patches[i]!);
  return image;
}

describe('the frame store', () => {
  it('rebuilds every frame, in any order, whatever the keyframe spacing', () => {
    const patches = randomPatches(200, 1);
    for (const keyframeBudget of [1, W * H * 3, 1 << 30]) {
      const store = new FrameStore(W, H, { expectedFrames: patches.length, keyframeBudget });
      for (const patch of patches) store.add(patch);
      const random = new Random(7);
      for (let n = 0; n < 300; n++) {
        const index = random.int(patches.length);
        assert.deepEqual(store.image(index), naiveImage(patches, index), `frame ${index}, keyframes every ${store.keyframeInterval}`);
      }
    }
  });

  it('spaces keyframes to stay within the memory budget', () => {
    const store = new FrameStore(100, 100, { expectedFrames: 10_000, keyframeBudget: 1_000_000 });
    // 100 keyframes of 10,000 bytes fit the budget: one every 100 frames.
    assert.equal(store.keyframeInterval, 100);
  });

  it('answers a webview at any frame with what takes its image to the frame it asks for', () => {
    const patches = randomPatches(150, 2);
    const store = new FrameStore(W, H, { expectedFrames: patches.length, keyframeBudget: W * H * 4 });
    for (const patch of patches) store.add(patch);
    const random = new Random(3);
    const pairs: [number, number][] = [
      [-1, 0],
      [-1, 149],
      [0, 1],
      [10, 10 + MAX_COMPOSED_FRAMES],
      [10, 11 + MAX_COMPOSED_FRAMES],
      [149, 0],
      [40, 40],
    ];
    for (let n = 0; n < 200; n++) pairs.push([random.int(150), random.int(150)]);
    for (const [base, index] of pairs) {
      const region = store.transition(base, index);
      assert.equal(region.index, index);
      const shown = base < 0 || region.full ? new Uint8Array(W * H).fill(TRANSPARENT_INDEX) : naiveImage(patches, base).slice();
      applyRegion(shown, W, region);
      assert.deepEqual(shown, naiveImage(patches, index), `from ${base} to ${index}`);
      assert.equal(region.pixels.length, region.width * region.height);
      assert.ok(region.x + region.width <= W && region.y + region.height <= H);
    }
  });

  it('sends the next frame as the patch itself, and a few frames ahead as one rectangle, not the whole image', () => {
    const store = new FrameStore(W, H);
    const patches = randomPatches(5, 4);
    for (const patch of patches) store.add(patch);
    const next = store.transition(2, 3);
    assert.equal(next.full, false);
    assert.deepEqual(next.pixels, patches[3]!.pixels);
    assert.equal(store.transition(0, 4).full, false);
    assert.equal(store.transition(4, 0).full, true);
  });

  it('keeps its own copy of each patch: a producer may reuse its buffer', () => {
    const store = new FrameStore(2, 1);
    const pixels = Uint8Array.from([1, 2]);
    store.add({ index: 0, bucketStart: 0, x: 0, y: 0, width: 2, height: 1, pixels, counts: [2, 0, 0, 0, 0], anomalies: 0, events: 0 });
    pixels.fill(4);
    assert.deepEqual([...store.image(0)], [1, 2]);
  });

  it('refuses a frame out of order or a rectangle outside the image', () => {
    const store = new FrameStore(4, 4);
    const base = { bucketStart: 0, counts: [0, 0, 0, 0, 0], anomalies: 0, events: 0 };
    assert.throws(() => store.add({ ...base, index: 1, x: 0, y: 0, width: 0, height: 0, pixels: new Uint8Array(0) }), /Frame 1 arrived where frame 0/);
    assert.throws(() => store.add({ ...base, index: 0, x: 2, y: 0, width: 3, height: 1, pixels: new Uint8Array(3) }), /does not fit/);
    assert.throws(() => store.add({ ...base, index: 0, x: 0, y: 0, width: 2, height: 2, pixels: new Uint8Array(3) }), /does not fit/);
    assert.throws(() => store.image(0), /no frame 0/);
    assert.throws(() => new FrameStore(0, 4), /cannot be stored/);
  });
});

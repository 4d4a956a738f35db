import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { GifReader } from 'omggif';
import { DeletionCanvas, type CanvasOptions } from '../../src/core/deletion/canvas';
import { GifWriter } from '../../src/core/deletion/gif';
import { EVENT_KIND_COUNT, EventKind, type FramePatch, TRANSPARENT_INDEX } from '../../src/core/deletion/model';
import { Random } from '../../src/core/random';

const HOUR = 3_600_000;
const T0 = Date.UTC(2022, 8, 10);

/** Runs a small deletion through a canvas into a GIF; returns the GIF, the patches and the canvas image after each frame. */
async function renderGif(objects: number, options: CanvasOptions, frames: number, quietFrames: number[] = []) {
  const canvas = new DeletionCanvas(objects, options);
  const chunks: Uint8Array[] = [];
  // An asynchronous sink, as a file stream is.
  const writer = new GifWriter(
    async (bytes) => {
      await new Promise((resolve) => setImmediate(resolve));
      chunks.push(bytes);
    },
    { width: canvas.width, height: canvas.height, palette: canvas.palette, delayMs: 80 },
  );
  const random = new Random(objects, frames);
  const patches: FramePatch[] = [];
  const images: Uint8Array[] = [];
  for (let f = 0; f < frames; f++) {
    if (f > 0 && !quietFrames.includes(f)) {
      const length = 1 + random.int(Math.ceil(objects / 4));
      const kinds = new Uint8Array(length);
      const ordinals = new Uint32Array(length);
      // A sweep over one key range, as a storage partition does, with some noise.
      const from = random.int(objects);
      for (let i = 0; i < length; i++) {
        kinds[i] = random.int(10) === 0 ? random.int(EVENT_KIND_COUNT) : [EventKind.deleteMarker, EventKind.expireVersion, EventKind.expireMarker][f % 3]!;
        ordinals[i] = (from + i) % objects;
      }
      canvas.apply({ bucketStart: T0 + f * HOUR, kinds, objects: ordinals, length });
    }
    const patch = canvas.frame(T0 + f * HOUR);
    patches.push(patch);
    images.push(canvas.image());
    await writer.addFrame(patch);
  }
  await writer.finish();
  return { canvas, gif: Buffer.concat(chunks), patches, images, writer };
}

function rgbaOf(canvas: DeletionCanvas, image: Uint8Array): Uint8Array {
  const rgba = new Uint8Array(image.length * 4);
  image.forEach((index, i) => {
    rgba.set([...canvas.palette[index]!, 255], i * 4);
  });
  return rgba;
}

describe('the deletion GIF', () => {
  for (const [name, objects, options] of [
    ['fewer objects than pixels, Hilbert, with the header band', 3000, { size: 200, layout: 'hilbert', header: true, bucketMs: HOUR }],
    ['more objects than pixels (mixed pixels), rows', 40_000, { size: 64, layout: 'rows' }],
    ['more objects than pixels (mixed pixels), Hilbert, no header band (the default picture)', 40_000, { size: 64, layout: 'hilbert' }],
    ['fewer objects than pixels, rows, with the header band', 3000, { size: 200, layout: 'rows', header: true, bucketMs: HOUR }],
  ] as const) {
    it(`decodes to one frame per bucket with the canvas's pixels: ${name}`, async () => {
      const { canvas, gif, patches, images, writer } = await renderGif(objects, options, 12, [4, 5]);
      const reader = new GifReader(gif);
      assert.equal(reader.width, canvas.width);
      assert.equal(reader.height, canvas.height);
      assert.equal(reader.numFrames(), 12);
      assert.equal(writer.frameCount, 12);
      assert.equal(writer.bytesWritten, gif.length);
      assert.equal(reader.loopCount(), 0, 'loops forever');
      const screen = new Uint8Array(canvas.width * canvas.height * 4);
      for (let f = 0; f < reader.numFrames(); f++) {
        const info = reader.frameInfo(f);
        const patch = patches[f]!;
        const rect = patch.width === 0 ? [0, 0, 1, 1] : [patch.x, patch.y, patch.width, patch.height];
        assert.deepEqual([info.x, info.y, info.width, info.height], rect, `frame ${f}'s rectangle`);
        assert.equal(info.disposal, 1, 'do not dispose');
        // One image per time step, each with the step's delay: browsers play a delay of 0 as 100 ms, so no step is split into sub-images.
        assert.equal(info.delay, 8);
        if (f > 0) assert.equal(info.transparent_index, TRANSPARENT_INDEX);
        reader.decodeAndBlitFrameRGBA(f, screen);
        assert.deepEqual(screen, rgbaOf(canvas, images[f]!), `frame ${f}'s composited pixels`);
      }
      // Later frames carry only what changed: they are much smaller than the first.
      assert.ok(reader.frameInfo(4).width * reader.frameInfo(4).height < canvas.width * canvas.height);
    });
  }

  it('plays once when asked not to loop', async () => {
    const chunks: Uint8Array[] = [];
    const canvas = new DeletionCanvas(10, { size: 4, layout: 'rows' });
    const writer = new GifWriter((b) => void chunks.push(b), { width: 4, height: 4, palette: canvas.palette, loop: false });
    await writer.addFrame(canvas.frame(T0));
    await writer.finish();
    const reader = new GifReader(Buffer.concat(chunks));
    assert.equal(reader.numFrames(), 1);
    assert.equal(reader.loopCount(), null);
  });

  it('keeps the frames in order when the caller does not wait for each', async () => {
    const canvas = new DeletionCanvas(16, { size: 4, layout: 'rows' });
    const chunks: Uint8Array[] = [];
    const writer = new GifWriter(
      async (b) => {
        chunks.push(b);
        await new Promise((resolve) => setImmediate(resolve));
      },
      { width: 4, height: 4, palette: canvas.palette },
    );
    const pending = [writer.addFrame(canvas.frame(T0))];
    canvas.apply({ bucketStart: T0 + HOUR, kinds: Uint8Array.of(EventKind.expireObject), objects: Uint32Array.of(5), length: 1 });
    pending.push(writer.addFrame(canvas.frame(T0 + HOUR)), writer.finish());
    await Promise.all(pending);
    const reader = new GifReader(Buffer.concat(chunks));
    assert.equal(reader.numFrames(), 2);
    assert.deepEqual([reader.frameInfo(1).x, reader.frameInfo(1).y, reader.frameInfo(1).width, reader.frameInfo(1).height], [1, 1, 1, 1]);
  });

  it('is still a valid image when given no frame', async () => {
    const chunks: Uint8Array[] = [];
    const writer = new GifWriter((b) => void chunks.push(b), { width: 3, height: 2, palette: [[1, 2, 3]] });
    await writer.finish();
    const reader = new GifReader(Buffer.concat(chunks));
    assert.equal(reader.numFrames(), 1);
    assert.deepEqual([reader.frameInfo(0).width, reader.frameInfo(0).height], [3, 2]);
  });

  it('says what is wrong with a frame or a palette it cannot write', async () => {
    const canvas = new DeletionCanvas(10, { size: 4, layout: 'rows' });
    const writer = new GifWriter(() => undefined, { width: 4, height: 4, palette: canvas.palette });
    const patch = canvas.frame(T0);
    await assert.rejects(writer.addFrame({ ...patch, x: 1, width: 3, pixels: new Uint8Array(12) }), /first frame of a GIF must be the whole 4×4 image/);
    await writer.addFrame(patch);
    await assert.rejects(writer.addFrame({ ...patch, index: 1, x: 2 }), /Frame 1: a 4×4 rectangle at \(2, 0\) .* does not fit the 4×4 image/);
    await writer.finish();
    await assert.rejects(writer.addFrame(patch), /The GIF is finished/);
    assert.throws(() => new GifWriter(() => undefined, { width: 4, height: 4, palette: new Array(256).fill([0, 0, 0]) }), /1 to 255 colours/);
    assert.throws(
      () => new GifWriter(() => undefined, { width: 0, height: 4, palette: canvas.palette }),
      /width must be a whole number of pixels from 1 to 65535/,
    );
    assert.throws(() => new GifWriter(() => undefined, { width: 4, height: 4, palette: [[300, 0, 0]] }), /three whole numbers from 0 to 255/);
  });
});

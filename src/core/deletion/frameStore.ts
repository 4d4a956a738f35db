// The frames of a deletion as the player's host keeps them: every frame's patch (small: the changed
// rectangle), the newest image, and a keyframe every few frames within a memory budget, so that any
// frame can be rebuilt quickly and the webview need hold only the image it shows. A webview at frame
// `base` asks for frame `index` and gets the rectangle that takes it there (the stored patch when it
// is the next frame, the patches between composed when it is a few frames ahead, else the whole image).

import { TRANSPARENT_INDEX, type FramePatch } from './model';

/** What takes an image from one frame to another: a rectangle of palette indices, TRANSPARENT_INDEX where unchanged. */
export interface FrameRegion {
  index: number;
  x: number;
  y: number;
  width: number;
  height: number;
  pixels: Uint8Array;
  /** The whole image: it replaces what was shown (TRANSPARENT_INDEX is background, not "unchanged"). */
  full: boolean;
}

export interface FrameStoreOptions {
  /** How many frames to expect (for spacing the keyframes); more may come. */
  expectedFrames?: number;
  /** The keyframes' memory budget in bytes (default 64 MiB). */
  keyframeBudget?: number;
}

/** Forward by at most this many frames, the webview gets the patches between composed; further, the whole image. */
export const MAX_COMPOSED_FRAMES = 64;
const MIN_KEYFRAME_INTERVAL = 8;
const DEFAULT_KEYFRAME_BUDGET = 64 * 1024 * 1024;

export class FrameStore {
  private readonly patches: FramePatch[] = [];
  private readonly head: Uint8Array;
  private readonly keyframes = new Map<number, Uint8Array>();
  readonly keyframeInterval: number;
  private cursor: { index: number; image: Uint8Array } | undefined;

  constructor(
    readonly width: number,
    readonly height: number,
    options: FrameStoreOptions = {},
  ) {
    if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width <= 0 || height <= 0)
      throw new RangeError(`A frame of ${width}×${height} pixels cannot be stored.`);
    this.head = new Uint8Array(width * height).fill(TRANSPARENT_INDEX);
    const budget = options.keyframeBudget ?? DEFAULT_KEYFRAME_BUDGET;
    const keyframesAllowed = Math.max(1, Math.floor(budget / (width * height)));
    this.keyframeInterval = Math.max(MIN_KEYFRAME_INTERVAL, Math.ceil((options.expectedFrames ?? 0) / keyframesAllowed));
  }

  get frames(): number {
    return this.patches.length;
  }

  /** The next frame's patch (copied: a producer may reuse its buffers). Throws on a patch that does not fit. */
  add(patch: FramePatch): void {
    const { x, y, width, height } = patch;
    if (patch.index !== this.patches.length) throw new RangeError(`Frame ${patch.index} arrived where frame ${this.patches.length} was expected.`);
    const fits = [x, y, width, height].every((n) => Number.isSafeInteger(n) && n >= 0) && x + width <= this.width && y + height <= this.height;
    if (!fits || patch.pixels.length < width * height)
      throw new RangeError(`Frame ${patch.index}'s rectangle does not fit the ${this.width}×${this.height} image.`);
    const stored: FramePatch = { ...patch, counts: [...patch.counts], pixels: patch.pixels.slice(0, width * height) };
    this.patches.push(stored);
    applyRegion(this.head, this.width, stored);
    if (stored.index % this.keyframeInterval === 0) this.keyframes.set(stored.index, this.head.slice());
  }

  patch(index: number): FramePatch {
    const patch = this.patches[index];
    if (!patch) throw new RangeError(`There is no frame ${index} (${this.patches.length} so far).`);
    return patch;
  }

  /** The whole image of frame `index`. Owned by the store: valid until the next call; do not change it. */
  image(index: number): Uint8Array {
    this.patch(index);
    if (index === this.patches.length - 1) return this.head;
    const keyframe = index - (index % this.keyframeInterval);
    let cursor = this.cursor;
    if (!cursor || cursor.index > index || cursor.index < keyframe) {
      const image = cursor?.image ?? new Uint8Array(this.width * this.height);
      image.set(this.keyframes.get(keyframe)!);
      cursor = this.cursor = { index: keyframe, image };
    }
    for (let i = cursor.index + 1; i <= index; i++) applyRegion(cursor.image, this.width, this.patches[i]!);
    cursor.index = index;
    return cursor.image;
  }

  /** What takes an image showing frame `base` (-1: nothing yet) to frame `index`. */
  transition(base: number, index: number): FrameRegion {
    const patch = this.patch(index);
    if (base === index - 1) return { index, x: patch.x, y: patch.y, width: patch.width, height: patch.height, pixels: patch.pixels, full: index === 0 };
    if (base >= 0 && base < index && index - base <= MAX_COMPOSED_FRAMES) return this.compose(base, index);
    return { index, x: 0, y: 0, width: this.width, height: this.height, pixels: this.image(index).slice(), full: true };
  }

  /** Memory held, in bytes (patches, keyframes and the two working images). */
  get bytes(): number {
    let total = this.head.length + (this.cursor?.image.length ?? 0);
    for (const patch of this.patches) total += patch.pixels.length + 96;
    for (const keyframe of this.keyframes.values()) total += keyframe.length;
    return total;
  }

  /** The patches after `base` up to `index`, composed into one rectangle. */
  private compose(base: number, index: number): FrameRegion {
    let x0 = this.width;
    let y0 = this.height;
    let x1 = 0;
    let y1 = 0;
    for (let i = base + 1; i <= index; i++) {
      const p = this.patches[i]!;
      if (p.width === 0 || p.height === 0) continue;
      x0 = Math.min(x0, p.x);
      y0 = Math.min(y0, p.y);
      x1 = Math.max(x1, p.x + p.width);
      y1 = Math.max(y1, p.y + p.height);
    }
    if (x1 <= x0 || y1 <= y0) return { index, x: 0, y: 0, width: 0, height: 0, pixels: new Uint8Array(0), full: false };
    const width = x1 - x0;
    const pixels = new Uint8Array(width * (y1 - y0)).fill(TRANSPARENT_INDEX);
    for (let i = base + 1; i <= index; i++) {
      const p = this.patches[i]!;
      applyRegion(pixels, width, { ...p, x: p.x - x0, y: p.y - y0 });
    }
    return { index, x: x0, y: y0, width, height: y1 - y0, pixels, full: false };
  }
}

/** Writes a region's pixels into an image `imageWidth` wide, leaving the pixels it marks unchanged as they are. */
export function applyRegion(image: Uint8Array, imageWidth: number, region: { x: number; y: number; width: number; height: number; pixels: Uint8Array }): void {
  const { x, y, width, height, pixels } = region;
  for (let row = 0; row < height; row++) {
    const from = row * width;
    const to = (y + row) * imageWidth + x;
    for (let col = 0; col < width; col++) {
      const value = pixels[from + col]!;
      if (value !== TRANSPARENT_INDEX) image[to + col] = value;
    }
  }
}

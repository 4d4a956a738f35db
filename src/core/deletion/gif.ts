// The deletion GIF: GIF89a with one global palette and the NETSCAPE loop extension; the first frame
// is the whole image, each later frame only the rectangle that changed, its unchanged pixels
// transparent and every frame left in place ("do not dispose"), so the file's size and the time to
// write it follow what changed rather than the image's area.
//
// One image per time step, on purpose. Chromium and Firefox show an image whose delay is 0 or 10 ms
// for 100 ms, so sub-images with no delay within a step would slow the animation down in a browser;
// and measured (`npm run bench -- deletion`'s workload, 1M objects, 144 hourly frames at
// 1000×1000), covering a step's changes with several rectangles (32×32 or 64×64 tiles merged into
// rectangles) made the GIF 12% larger under the Hilbert layout and 20–45% under rows, each image
// starting its LZW table afresh. Other measured ways, not taken: the smallest colour table (64
// entries: LZW codes a bit shorter) 3% smaller but its LZW 15% slower; filling short unchanged gaps
// between changed pixels of a row with the colours shown there 3% smaller (Hilbert; 0% rows) but
// 25% slower, as every pixel of the rectangle is scanned once more; any gap filling that minimises
// a row's runs made it larger, as LZW codes regular transparent runs best.
//
// gifenc (MIT, well kept, no dependencies) writes the container and the LZW data. Its writeFrame
// always puts an image at (0, 0); the rectangle's place is set by rewriting those four bytes
// (left, top) of the image descriptor it has just written, after checking that they are where the
// GIF89a layout puts them.

import { GIFEncoder, type GifEncoderInstance } from 'gifenc';
import { type FramePatch, TRANSPARENT_INDEX } from './model';

export interface GifWriterOptions {
  width: number;
  height: number;
  palette: ReadonlyArray<readonly [number, number, number]>;
  /** Per frame; GIF counts hundredths of a second. Default 50 ms (the original's `convert -delay 5`). */
  delayMs?: number;
  /** Loop forever (default) or play once. */
  loop?: boolean;
}

const GCT_ENTRIES = 256;
const LOGICAL_SCREEN_BYTES = 7;
const NETSCAPE_EXTENSION_BYTES = 19;
const GRAPHIC_CONTROL_BYTES = 8;
const IMAGE_SEPARATOR = 0x2c;
const TRAILER = 0x3b;
/** GIF disposal method 1: leave the frame in place; the next frame draws over it. */
const DO_NOT_DISPOSE = 1;
const ONE_TRANSPARENT_PIXEL = new Uint8Array([TRANSPARENT_INDEX]);

export class GifWriter {
  private readonly encoder: GifEncoderInstance = GIFEncoder({ auto: false, initialCapacity: 1 << 16 });
  private readonly palette: number[][];
  private readonly delayMs: number;
  private readonly repeat: number;
  private frames = 0;
  private bytes = 0;
  private finished = false;

  constructor(
    private readonly sink: (bytes: Uint8Array) => void | Promise<void>,
    private readonly options: GifWriterOptions,
  ) {
    const { width, height, palette } = options;
    for (const [name, value] of [
      ['width', width],
      ['height', height],
    ] as const) {
      if (!Number.isInteger(value) || value < 1 || value > 0xffff)
        throw new Error(`A GIF's ${name} must be a whole number of pixels from 1 to 65535, not ${value}`);
    }
    if (palette.length < 1 || palette.length > TRANSPARENT_INDEX) {
      throw new Error(`A deletion GIF's palette holds 1 to ${TRANSPARENT_INDEX} colours (index ${TRANSPARENT_INDEX} means "unchanged"), not ${palette.length}`);
    }
    for (const colour of palette) {
      if (colour.length !== 3 || colour.some((c) => !Number.isInteger(c) || c < 0 || c > 255)) {
        throw new Error(`A palette colour is three whole numbers from 0 to 255, not [${colour.join(', ')}]`);
      }
    }
    this.palette = Array.from({ length: GCT_ENTRIES }, (_, i) => (i < palette.length ? [...palette[i]!] : [0, 0, 0]));
    this.delayMs = options.delayMs ?? 50;
    if (!(this.delayMs >= 0 && this.delayMs <= 655_350)) throw new Error(`A GIF frame's delay is 0 to 655,350 ms, not ${options.delayMs}`);
    this.repeat = options.loop === false ? -1 : 0;
  }

  /** Frames written so far. */
  get frameCount(): number {
    return this.frames;
  }

  /** Bytes handed to the sink so far. */
  get bytesWritten(): number {
    return this.bytes;
  }

  /** Encodes one frame; the first must be the whole image. A patch with nothing changed becomes a 1×1 transparent frame, so every time bucket has its frame. */
  async addFrame(patch: FramePatch): Promise<void> {
    if (this.finished) throw new Error('The GIF is finished: no frame can follow its trailer');
    const { width, height } = this.options;
    const first = this.frames === 0;
    let { x, y, width: w, height: h, pixels } = patch;
    if (first && (x !== 0 || y !== 0 || w !== width || h !== height)) {
      throw new Error(`The first frame of a GIF must be the whole ${width}×${height} image, not a ${w}×${h} rectangle at (${x}, ${y})`);
    }
    if (w === 0 || h === 0) {
      [x, y, w, h, pixels] = [0, 0, 1, 1, ONE_TRANSPARENT_PIXEL];
    }
    if (![x, y, w, h].every(Number.isInteger) || x < 0 || y < 0 || x + w > width || y + h > height || pixels.length !== w * h) {
      throw new Error(`Frame ${patch.index}: a ${w}×${h} rectangle at (${x}, ${y}) with ${pixels.length} pixels does not fit the ${width}×${height} image`);
    }
    // Encoded, counted and handed to the sink before the first await: frames go out in call order even when callers do not wait.
    const bytes = this.encode(first, x, y, w, h, pixels);
    this.frames++;
    await this.write(bytes);
  }

  /** Writes the trailer. A GIF given no frame gets one transparent frame, so it is still a valid image. */
  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    const parts: Promise<void>[] = [];
    if (this.frames === 0) {
      const { width, height } = this.options;
      this.frames++;
      parts.push(this.write(this.encode(true, 0, 0, width, height, new Uint8Array(width * height).fill(TRANSPARENT_INDEX), true)));
    }
    parts.push(this.write(new Uint8Array([TRAILER])));
    await Promise.all(parts);
  }

  private encode(first: boolean, x: number, y: number, w: number, h: number, pixels: Uint8Array, transparent = !first): Uint8Array {
    const encoder = this.encoder;
    encoder.reset();
    if (first) encoder.writeHeader();
    const start = encoder.bytesView().length;
    encoder.writeFrame(pixels, w, h, {
      first,
      palette: first ? this.palette : null,
      delay: this.delayMs,
      repeat: this.repeat,
      transparent,
      transparentIndex: TRANSPARENT_INDEX,
      dispose: DO_NOT_DISPOSE,
      colorDepth: 8,
    });
    const bytes = encoder.bytes();
    const descriptor = start + (first ? LOGICAL_SCREEN_BYTES + GCT_ENTRIES * 3 + (this.repeat >= 0 ? NETSCAPE_EXTENSION_BYTES : 0) : 0) + GRAPHIC_CONTROL_BYTES;
    if (bytes[descriptor] !== IMAGE_SEPARATOR || bytes[descriptor - GRAPHIC_CONTROL_BYTES] !== 0x21 || bytes[descriptor - GRAPHIC_CONTROL_BYTES + 1] !== 0xf9) {
      throw new Error('internal: gifenc wrote a frame in an unexpected layout; the GIF writer needs updating for this gifenc version');
    }
    bytes[descriptor + 1] = x & 0xff;
    bytes[descriptor + 2] = x >> 8;
    bytes[descriptor + 3] = y & 0xff;
    bytes[descriptor + 4] = y >> 8;
    return bytes;
  }

  /** Calls the sink at once (so in call order), then waits for it. */
  private async write(bytes: Uint8Array): Promise<void> {
    this.bytes += bytes.length;
    await this.sink(bytes);
  }
}

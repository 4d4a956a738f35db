// The deletion player's image: a <canvas> as large as the frames, drawn from palette indices. It
// holds one image (the frame shown: its indices and their colours), applies the regions the host
// sends (TRANSPARENT_INDEX: unchanged) and redraws only the rectangle that changed.

import { applyRegion, type FrameRegion } from '../src/core/deletion/frameStore';
import { TRANSPARENT_INDEX } from '../src/core/deletion/model';
import { element } from './kit/dom';

export class DeletionImage {
  readonly canvas: HTMLCanvasElement;
  private readonly context: CanvasRenderingContext2D;
  private readonly indices: Uint8Array;
  private readonly imageData: ImageData;
  private readonly rgba: Uint32Array;
  /** Palette index → the pixel as a little-endian RGBA word (index 255, and any beyond the palette: transparent). */
  private readonly lut = new Uint32Array(256);

  constructor(
    readonly width: number,
    readonly height: number,
    palette: readonly number[],
    attributes: Record<string, string>,
  ) {
    this.canvas = element('canvas', { ...attributes, width: String(width), height: String(height) });
    this.context = this.canvas.getContext('2d')!;
    this.indices = new Uint8Array(width * height).fill(TRANSPARENT_INDEX);
    this.imageData = this.context.createImageData(width, height);
    this.rgba = new Uint32Array(this.imageData.data.buffer);
    for (let i = 0; i * 3 + 2 < palette.length && i < TRANSPARENT_INDEX; i++) {
      this.lut[i] = (0xff << 24) | (palette[i * 3 + 2]! << 16) | (palette[i * 3 + 1]! << 8) | palette[i * 3]!;
    }
  }

  /** Draws a region the host sent (already checked against this image's size and palette). */
  apply(region: FrameRegion): void {
    if (region.full) this.indices.fill(TRANSPARENT_INDEX);
    applyRegion(this.indices, this.width, region);
    const { x, y, width, height } = region.full ? { x: 0, y: 0, width: this.width, height: this.height } : region;
    if (width === 0 || height === 0) return;
    for (let row = y; row < y + height; row++) {
      for (let col = x, at = row * this.width + x; col < x + width; col++, at++) this.rgba[at] = this.lut[this.indices[at]!]!;
    }
    this.context.putImageData(this.imageData, 0, 0, x, y, width, height);
  }

  /** The image pixel under a point of the page, or undefined outside the image. */
  pixelAt(clientX: number, clientY: number): { x: number; y: number } | undefined {
    const box = this.canvas.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return undefined;
    const x = Math.floor(((clientX - box.left) / box.width) * this.width);
    const y = Math.floor(((clientY - box.top) / box.height) * this.height);
    return x >= 0 && y >= 0 && x < this.width && y < this.height ? { x, y } : undefined;
  }

  /** Where pixel (x, y)'s centre is, relative to the canvas's box, in CSS pixels. */
  pointOf(x: number, y: number): { left: number; top: number } {
    return { left: ((x + 0.5) / this.width) * this.canvas.clientWidth, top: ((y + 0.5) / this.height) * this.canvas.clientHeight };
  }
}

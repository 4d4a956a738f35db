// Where the deletion image puts the p-th pixel: row by row (as the original write-up did), or along a
// generalized Hilbert curve, so that a run of consecutive objects (a segment, a storage partition's
// key range) is a compact blob instead of a band of rows.
//
// The curve is the "gilbert" construction (Jakub Červený's generalized Hilbert curve for any
// rectangle), written here from its recursive definition: no package offers it as a table, and
// the canvas needs the table (two Uint32Arrays) rather than a generator. For squares of any side it
// visits every pixel once, each step to a pixel that shares an edge (the unit tests check 1–70 and
// 1000).

import type { LayoutName } from './model';
import { LAYOUT_NAMES } from './model';

export interface Layout {
  readonly name: LayoutName;
  readonly size: number;
  /** size*size */
  readonly pixels: number;
  /** Image offset (y*size + x) of the p-th pixel along the layout's path. */
  offsetOf(p: number): number;
  /** Inverse: position along the path of image offset o. */
  positionOf(o: number): number;
  /** The table behind offsetOf: offsets[p] is the image offset of position p (for hot loops). */
  readonly offsets: Uint32Array;
  /** The table behind positionOf. */
  readonly positions: Uint32Array;
}

/** The largest image side: 4096 × 4096 pixels, 128 MB of layout tables. */
export const MAX_LAYOUT_SIZE = 4096;

export function makeLayout(name: LayoutName, size: number): Layout {
  if (!LAYOUT_NAMES.includes(name)) throw new Error(`Unknown layout "${String(name)}": use one of ${LAYOUT_NAMES.join(', ')}`);
  if (!Number.isInteger(size) || size < 1 || size > MAX_LAYOUT_SIZE) {
    throw new Error(`The image size must be a whole number of pixels from 1 to ${MAX_LAYOUT_SIZE}, not ${size}`);
  }
  const pixels = size * size;
  const offsets = new Uint32Array(pixels);
  if (name === 'rows') {
    for (let p = 0; p < pixels; p++) offsets[p] = p;
  } else {
    const written = gilbert(size, size, offsets);
    if (written !== pixels) throw new Error(`internal: the Hilbert curve visited ${written} of ${pixels} pixels`);
  }
  const positions = new Uint32Array(pixels);
  for (let p = 0; p < pixels; p++) positions[offsets[p]!] = p;
  return {
    name,
    size,
    pixels,
    offsets,
    positions,
    offsetOf: (p) => offsets[p]!,
    positionOf: (o) => positions[o]!,
  };
}

/**
 * Writes the image offsets (y*width + x) of a width × height rectangle in generalized-Hilbert order
 * into `out`; returns how many it wrote. The curve starts at (0, 0) and runs along the longer side.
 */
function gilbert(width: number, height: number, out: Uint32Array): number {
  let n = 0;
  const visit = (x: number, y: number) => {
    out[n++] = y * width + x;
  };
  // (x, y): the corner the sub-curve starts at; (ax, ay): its major axis (the side it ends along);
  // (bx, by): its minor axis. Each call fills the |a| × |b| rectangle they span.
  const fill = (x: number, y: number, ax: number, ay: number, bx: number, by: number): void => {
    const w = Math.abs(ax + ay);
    const h = Math.abs(bx + by);
    const dax = Math.sign(ax);
    const day = Math.sign(ay);
    const dbx = Math.sign(bx);
    const dby = Math.sign(by);
    if (h === 1) {
      for (let i = 0; i < w; i++, x += dax, y += day) visit(x, y);
      return;
    }
    if (w === 1) {
      for (let i = 0; i < h; i++, x += dbx, y += dby) visit(x, y);
      return;
    }
    let ax2 = Math.floor(ax / 2);
    let ay2 = Math.floor(ay / 2);
    let bx2 = Math.floor(bx / 2);
    let by2 = Math.floor(by / 2);
    const w2 = Math.abs(ax2 + ay2);
    const h2 = Math.abs(bx2 + by2);
    if (2 * w > 3 * h) {
      // A long rectangle: two halves side by side along the major axis. An even first half keeps
      // both halves' end corners where the next one starts.
      if (w2 % 2 === 1 && w > 2) {
        ax2 += dax;
        ay2 += day;
      }
      fill(x, y, ax2, ay2, bx, by);
      fill(x + ax2, y + ay2, ax - ax2, ay - ay2, bx, by);
    } else {
      // The Hilbert step: up the first half of the minor axis, across the whole major axis, and back down.
      if (h2 % 2 === 1 && h > 2) {
        bx2 += dbx;
        by2 += dby;
      }
      fill(x, y, bx2, by2, ax2, ay2);
      fill(x + bx2, y + by2, ax, ay, bx - bx2, by - by2);
      fill(x + (ax - dax) + (bx2 - dbx), y + (ay - day) + (by2 - dby), -bx2, -by2, -(ax - ax2), -(ay - ay2));
    }
  };
  if (width >= height) fill(0, 0, width, 0, 0, height);
  else fill(0, 0, 0, width, height, 0);
  return n;
}

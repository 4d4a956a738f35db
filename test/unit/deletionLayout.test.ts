import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { makeLayout, MAX_LAYOUT_SIZE, type Layout } from '../../src/core/deletion/layout';

/** Fails with the first position that is not one step from the previous one. */
function assertBijection(layout: Layout): void {
  const seen = new Uint8Array(layout.pixels);
  for (let p = 0; p < layout.pixels; p++) {
    const o = layout.offsetOf(p);
    assert.ok(o >= 0 && o < layout.pixels, `size ${layout.size}: position ${p} maps outside the image (${o})`);
    assert.equal(seen[o], 0, `size ${layout.size}: offset ${o} is visited twice`);
    seen[o] = 1;
    assert.equal(layout.positionOf(o), p, `size ${layout.size}: positionOf is not the inverse at ${p}`);
  }
}

function firstNonAdjacentStep(layout: Layout): number | undefined {
  const size = layout.size;
  for (let p = 1; p < layout.pixels; p++) {
    const a = layout.offsetOf(p - 1);
    const b = layout.offsetOf(p);
    const dx = Math.abs((a % size) - (b % size));
    const dy = Math.abs(Math.floor(a / size) - Math.floor(b / size));
    if (dx + dy !== 1) return p;
  }
  return undefined;
}

/** The bounding box of the positions [start, start + k). */
function runBox(layout: Layout, start: number, k: number): { width: number; height: number } {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -1, -1];
  for (let p = start; p < start + k; p++) {
    const o = layout.offsetOf(p);
    const x = o % layout.size;
    const y = Math.floor(o / layout.size);
    [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
  }
  return { width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

describe('the rows layout', () => {
  it('is row-major, as the original write-up drew it', () => {
    const layout = makeLayout('rows', 7);
    assert.equal(layout.pixels, 49);
    for (let p = 0; p < 49; p++) assert.equal(layout.offsetOf(p), p);
    assertBijection(layout);
  });
});

describe('the Hilbert layout', () => {
  it('visits every pixel exactly once, for every size from 1 to 70', () => {
    for (let size = 1; size <= 70; size++) assertBijection(makeLayout('hilbert', size));
  });

  it('visits every pixel exactly once at 1000 × 1000', () => {
    assertBijection(makeLayout('hilbert', 1000));
  });

  it('moves from each pixel to one that shares an edge, powers of two or not', () => {
    for (let size = 1; size <= 70; size++) assert.equal(firstNonAdjacentStep(makeLayout('hilbert', size)), undefined, `size ${size}`);
    for (const size of [127, 250, 333, 1000]) assert.equal(firstNonAdjacentStep(makeLayout('hilbert', size)), undefined, `size ${size}`);
  });

  it('starts in the top-left corner', () => {
    assert.equal(makeLayout('hilbert', 9).offsetOf(0), 0);
  });

  it('draws a run of consecutive positions as a compact blob, where rows draw a band', () => {
    const hilbert = makeLayout('hilbert', 1000);
    const rows = makeLayout('rows', 1000);
    for (const k of [16, 256, 4096, 62_500]) {
      for (let i = 0; i < 40; i++) {
        const start = Math.floor(((hilbert.pixels - k) * i) / 39);
        const box = runBox(hilbert, start, k);
        assert.ok(box.width * box.height <= 4 * k, `a run of ${k} from ${start} spans ${box.width}×${box.height}`);
        assert.ok(Math.max(box.width, box.height) <= 3 * Math.sqrt(k), `a run of ${k} from ${start} is ${box.width}×${box.height}: too elongated`);
      }
    }
    // The same runs on rows: 4,096 objects make a band the whole width of the image.
    const band = runBox(rows, 500_000, 4096);
    assert.ok(Math.max(band.width, band.height) > 3 * Math.sqrt(4096));
  });
});

describe('makeLayout', () => {
  it('says which sizes and names it takes', () => {
    assert.throws(() => makeLayout('hilbert', 0), /from 1 to 4096/);
    assert.throws(() => makeLayout('hilbert', 2.5), /whole number/);
    assert.throws(() => makeLayout('rows', MAX_LAYOUT_SIZE + 1), /from 1 to 4096/);
    assert.throws(() => makeLayout('spiral' as 'rows', 10), /Unknown layout "spiral": use one of hilbert, rows/);
  });
});

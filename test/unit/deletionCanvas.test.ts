import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { DeletionCanvas } from '../../src/core/deletion/canvas';
import {
  ANOMALY_BIT,
  EVENT_KIND_COUNT,
  EventKind,
  type EventBatch,
  type FramePatch,
  ObjectState,
  STATE_COUNT,
  TRANSITIONS,
  TRANSPARENT_INDEX,
} from '../../src/core/deletion/model';
import { BACKGROUND_INDEX, HEADER_BACKGROUND_INDEX, mixIndex, paletteMeaning, PALETTE } from '../../src/core/deletion/palette';
import { Random } from '../../src/core/random';

const HOUR = 3_600_000;
const T0 = Date.UTC(2022, 8, 10);
const { present: P, transitioned: T, deleteMarked: D, noncurrentExpired: N, gone: G } = ObjectState;
const K = EventKind;

function batch(events: [kind: number, object: number][], bucketStart = T0): EventBatch {
  return {
    bucketStart,
    kinds: Uint8Array.from(events.map(([kind]) => kind)),
    objects: Uint32Array.from(events.map(([, object]) => object)),
    length: events.length,
  };
}

/** Lays the patches over each other, as a GIF player does. */
function composite(image: Uint8Array, width: number, patch: FramePatch): void {
  for (let y = 0; y < patch.height; y++) {
    for (let x = 0; x < patch.width; x++) {
      const v = patch.pixels[y * patch.width + x]!;
      if (v !== TRANSPARENT_INDEX) image[(patch.y + y) * width + patch.x + x] = v;
    }
  }
}

/** Events that bring a present object to each state by the normal route. */
const ROUTE: Record<number, number[]> = {
  [P]: [],
  [T]: [K.transition],
  [D]: [K.deleteMarker],
  [N]: [K.deleteMarker, K.expireVersion],
  [G]: [K.expireObject],
};

describe('the object state machine, through the canvas', () => {
  // What the issue describes: present → delete marker → noncurrent version expired → marker removed
  // (gone); an unversioned expiry removes at once; a transition changes the storage class. All else is
  // an anomaly; an early marker removal still counts the object gone.
  // prettier-ignore
  const EXPECTED: Record<number, [next: number, anomaly: boolean][]> = {
    //      deleteMarker  expireVersion  expireMarker  expireObject  transition
    [P]: [[D, false], [P, false], [G, true], [G, false], [T, false]],
    [T]: [[D, false], [T, false], [G, true], [G, false], [T, false]],
    [D]: [[D, true], [N, false], [G, true], [D, true], [D, true]],
    [N]: [[N, true], [N, false], [G, false], [N, true], [N, true]],
    [G]: [[G, true], [G, true], [G, true], [G, true], [G, true]],
  };

  it('agrees with TRANSITIONS on every (state, event) pairing', () => {
    for (let state = 0; state < STATE_COUNT; state++) {
      for (let kind = 0; kind < EVENT_KIND_COUNT; kind++) {
        const entry = TRANSITIONS[state * EVENT_KIND_COUNT + kind]!;
        assert.deepEqual([entry & ~ANOMALY_BIT, (entry & ANOMALY_BIT) !== 0], EXPECTED[state]![kind], `state ${state}, kind ${kind}`);
      }
    }
  });

  it('moves every object as the table says and counts each anomaly by state and kind', () => {
    // Object state * 5 + kind: brought to `state`, then given `kind`.
    const canvas = new DeletionCanvas(STATE_COUNT * EVENT_KIND_COUNT, { size: 5, layout: 'rows' });
    const setup: [number, number][] = [];
    for (let state = 0; state < STATE_COUNT; state++) {
      for (let kind = 0; kind < EVENT_KIND_COUNT; kind++) for (const k of ROUTE[state]!) setup.push([k, state * EVENT_KIND_COUNT + kind]);
    }
    canvas.apply(batch(setup));
    assert.deepEqual(Array.from(canvas.anomalyCounts()), new Array(25).fill(0), 'the routes are all normal');
    assert.deepEqual(canvas.counts(), [5, 5, 5, 5, 5]);
    const events: [number, number][] = [];
    for (let state = 0; state < STATE_COUNT; state++) for (let kind = 0; kind < EVENT_KIND_COUNT; kind++) events.push([kind, state * EVENT_KIND_COUNT + kind]);
    canvas.apply(batch(events, T0 + HOUR));
    canvas.frame(T0 + HOUR);
    // With no more objects than pixels, rows layout: object o is pixel o, coloured by its state.
    const image = canvas.image();
    const expectedCounts = [0, 0, 0, 0, 0];
    for (let state = 0; state < STATE_COUNT; state++) {
      for (let kind = 0; kind < EVENT_KIND_COUNT; kind++) {
        const [next, anomaly] = EXPECTED[state]![kind]!;
        expectedCounts[next]!++;
        assert.equal(image[state * EVENT_KIND_COUNT + kind], next, `state ${state} then kind ${kind}`);
        assert.equal(canvas.anomalyCounts()[state * EVENT_KIND_COUNT + kind], anomaly ? 1 : 0, `anomaly count of state ${state}, kind ${kind}`);
      }
    }
    assert.deepEqual(canvas.counts(), expectedCounts);
  });

  it('counts repeated and out-of-order events without moving an object backwards', () => {
    const canvas = new DeletionCanvas(3, { size: 2, layout: 'rows' });
    canvas.apply(
      batch([
        [K.deleteMarker, 0],
        [K.deleteMarker, 0], // a duplicated log line
        [K.expireMarker, 1], // the marker removal seen before anything else
        [K.expireVersion, 1],
        [K.expireMarker, 2],
        [K.deleteMarker, 2], // out of order: the object is already gone
      ]),
    );
    assert.deepEqual(canvas.counts(), [0, 0, 1, 0, 2]);
    const anomalies = canvas.anomalyCounts();
    assert.equal(anomalies[D * EVENT_KIND_COUNT + K.deleteMarker], 1);
    assert.equal(anomalies[P * EVENT_KIND_COUNT + K.expireMarker], 2);
    assert.equal(anomalies[G * EVENT_KIND_COUNT + K.expireVersion], 1);
    assert.equal(anomalies[G * EVENT_KIND_COUNT + K.deleteMarker], 1);
    assert.equal(canvas.frame(T0).anomalies, 5);
  });

  it('skips events whose ordinal or kind is out of range, and says how many', () => {
    const canvas = new DeletionCanvas(4, { size: 2, layout: 'rows' });
    canvas.apply(
      batch([
        [K.deleteMarker, 4],
        [9, 1],
        [K.deleteMarker, 3],
      ]),
    );
    assert.equal(canvas.skippedEvents, 2);
    assert.deepEqual(canvas.counts(), [3, 0, 1, 0, 0]);
    assert.equal(canvas.frame(T0).events, 1);
  });

  it('rejects a batch whose length exceeds its arrays', () => {
    const canvas = new DeletionCanvas(4, { size: 2, layout: 'rows' });
    assert.throws(() => canvas.apply({ bucketStart: T0, kinds: new Uint8Array(2), objects: new Uint32Array(2), length: 3 }), /says it holds 3 events/);
  });

  it('rejects an impossible number of objects', () => {
    assert.throws(() => new DeletionCanvas(-1, { size: 2, layout: 'rows' }), /whole number from 0/);
  });
});

describe('pixels that cover many objects', () => {
  it('split the ordinals into runs of ⌊p·N/P⌋ that cover every object once', () => {
    for (const [objects, size] of [
      [1234, 7],
      [1000, 10],
      [50, 7],
      [100_003, 31],
    ] as const) {
      const canvas = new DeletionCanvas(objects, { size, layout: 'hilbert' });
      const pixels = size * size;
      let covered = 0;
      for (let p = 0; p < pixels; p++) {
        const o = canvas.layout.offsetOf(p);
        const run = canvas.pixelObjects(o % size, Math.floor(o / size));
        if (objects <= pixels) {
          assert.deepEqual(run, p < objects ? { firstObject: p, endObject: p + 1 } : undefined);
          if (run) covered++;
          continue;
        }
        assert.deepEqual(run, { firstObject: Math.floor((p * objects) / pixels), endObject: Math.floor(((p + 1) * objects) / pixels) });
        assert.equal(run.firstObject, covered, `pixel ${p} starts where the previous ended`);
        for (const ordinal of [run.firstObject, run.endObject - 1]) assert.equal(canvas.pixelOf(ordinal), p);
        covered = run.endObject;
      }
      assert.equal(covered, objects);
    }
  });

  it('show the mix of their objects: the two most common states, blended by share', () => {
    // 10 objects per pixel: 3 of pixel 0's marked, pixel 1 all marked, pixel 2: 5 present, 3 gone, 2 marked.
    const canvas = new DeletionCanvas(1000, { size: 10, layout: 'rows' });
    const events: [number, number][] = [];
    for (const o of [0, 1, 2]) events.push([K.deleteMarker, o]);
    for (let o = 10; o < 20; o++) events.push([K.deleteMarker, o]);
    for (const o of [20, 21, 22]) events.push([K.expireObject, o]);
    for (const o of [23, 24]) events.push([K.deleteMarker, o]);
    canvas.apply(batch(events));
    canvas.frame(T0);
    const image = canvas.image();
    assert.deepEqual(paletteMeaning(image[0]!), { kind: 'mix', states: ['present', 'deleteMarked'], shares: [0.6, 0.4] });
    assert.equal(image[1], D);
    assert.deepEqual(paletteMeaning(image[2]!), { kind: 'mix', states: ['present', 'gone'], shares: [0.6, 0.4] });
    assert.equal(image[3], P);
  });

  it('never show a pure colour while any object differs', () => {
    const canvas = new DeletionCanvas(1000, { size: 10, layout: 'rows' });
    canvas.apply(batch([[K.deleteMarker, 0]]));
    for (let o = 10; o < 19; o++) canvas.apply(batch([[K.deleteMarker, o]]));
    canvas.frame(T0);
    assert.deepEqual(paletteMeaning(canvas.image()[0]!), { kind: 'mix', states: ['present', 'deleteMarked'], shares: [0.8, 0.2] });
    assert.deepEqual(paletteMeaning(canvas.image()[1]!), { kind: 'mix', states: ['present', 'deleteMarked'], shares: [0.2, 0.8] });
  });

  it('land on the same pixels when N·P is too large for one exact division (billions of objects)', () => {
    const run = () => {
      const canvas = new DeletionCanvas(7919, { size: 17, layout: 'hilbert' });
      const random = new Random(3, 3);
      const events: [number, number][] = [];
      for (let i = 0; i < 20_000; i++) events.push([random.int(EVENT_KIND_COUNT), random.int(7919)]);
      canvas.apply(batch(events));
      canvas.frame(T0);
      return canvas.image();
    };
    const exact = run();
    const saved = DeletionCanvas.exactProductLimit;
    DeletionCanvas.exactProductLimit = 0;
    try {
      assert.deepEqual(run(), exact);
    } finally {
      DeletionCanvas.exactProductLimit = saved;
    }
  });

  it('keep their counts in step with the objects, whatever the events', () => {
    const objects = 5003;
    const size = 13;
    const canvas = new DeletionCanvas(objects, { size, layout: 'hilbert' });
    const states = new Uint8Array(objects);
    const random = new Random(15, 1);
    for (let frame = 0; frame < 6; frame++) {
      const events: [number, number][] = [];
      for (let i = 0; i < 4000; i++) events.push([random.int(EVENT_KIND_COUNT), random.int(objects)]);
      canvas.apply(batch(events, T0 + frame * HOUR));
      for (const [kind, o] of events) states[o] = TRANSITIONS[states[o]! * EVENT_KIND_COUNT + kind]! & ~ANOMALY_BIT;
      canvas.frame(T0 + frame * HOUR);
      const image = canvas.image();
      const totals = [0, 0, 0, 0, 0];
      for (let p = 0; p < size * size; p++) {
        const offset = canvas.layout.offsetOf(p);
        const run = canvas.pixelObjects(offset % size, Math.floor(offset / size))!;
        const counts = new Uint32Array(STATE_COUNT);
        for (let o = run.firstObject; o < run.endObject; o++) counts[states[o]!]!++;
        counts.forEach((c, s) => (totals[s]! += c));
        assert.equal(image[offset], mixIndex(counts, 0), `frame ${frame}, pixel ${p}`);
      }
      assert.deepEqual(canvas.counts(), totals);
      assert.equal(
        canvas.counts().reduce((a, b) => a + b),
        objects,
      );
    }
  });
});

describe('frame patches', () => {
  it('start with the whole image, background where no object falls', () => {
    const canvas = new DeletionCanvas(10, { size: 4, layout: 'rows' });
    const patch = canvas.frame(T0);
    assert.deepEqual([patch.index, patch.x, patch.y, patch.width, patch.height], [0, 0, 0, 4, 4]);
    assert.deepEqual(Array.from(patch.pixels), [...new Array(10).fill(P), ...new Array(6).fill(BACKGROUND_INDEX)]);
    assert.deepEqual(patch.counts, [10, 0, 0, 0, 0]);
    assert.equal(canvas.pixelObjects(3, 3), undefined, 'background covers no object');
  });

  it('then hold only the rectangle that changed, transparent where nothing did', () => {
    const canvas = new DeletionCanvas(100, { size: 10, layout: 'rows' });
    canvas.frame(T0);
    // Objects 12 (x 2, y 1) and 47 (x 7, y 4); object 30 gets an event that leaves it present (a version expiry: another version of a live object).
    canvas.apply(
      batch([
        [K.deleteMarker, 12],
        [K.expireObject, 47],
        [K.expireVersion, 30],
      ]),
    );
    const patch = canvas.frame(T0 + HOUR);
    assert.deepEqual([patch.index, patch.x, patch.y, patch.width, patch.height, patch.events], [1, 2, 1, 6, 4, 3]);
    const changed = Array.from(patch.pixels)
      .map((v, i) => [v, i] as const)
      .filter(([v]) => v !== TRANSPARENT_INDEX);
    assert.deepEqual(changed, [
      [D, 0],
      [G, 3 * 6 + 5],
    ]);
    assert.deepEqual(patch.counts, [98, 0, 1, 0, 1]);
  });

  it('are empty when nothing changed, and composite to the image frame after frame', () => {
    const canvas = new DeletionCanvas(5000, { size: 30, layout: 'hilbert' });
    const shown = new Uint8Array(canvas.width * canvas.height);
    const random = new Random(7, 2);
    for (let frame = 0; frame < 8; frame++) {
      if (frame !== 3) {
        const events: [number, number][] = [];
        for (let i = 0; i < 200; i++) events.push([random.int(EVENT_KIND_COUNT), 1000 * (frame % 4) + random.int(1000)]);
        canvas.apply(batch(events));
      }
      const patch = canvas.frame(T0 + frame * HOUR);
      if (frame === 3) assert.deepEqual([patch.width, patch.height, patch.pixels.length, patch.events], [0, 0, 0, 0]);
      composite(shown, canvas.width, patch);
      assert.deepEqual(shown, canvas.image(), `frame ${frame}`);
    }
  });
});

describe('the header band', () => {
  it('sits above the image when asked for, and changes every frame with the elapsed time', () => {
    const canvas = new DeletionCanvas(1000, { size: 200, layout: 'hilbert', header: true, bucketMs: HOUR });
    assert.ok(canvas.headerHeight > 0);
    assert.equal(canvas.height, 200 + canvas.headerHeight);
    const first = canvas.frame(T0);
    assert.equal(first.height, canvas.height);
    const image = canvas.image();
    const band = image.subarray(0, canvas.width * canvas.headerHeight);
    assert.ok(band.includes(HEADER_BACKGROUND_INDEX));
    assert.ok(
      band.some((v) => v !== HEADER_BACKGROUND_INDEX),
      'the band has text',
    );
    assert.equal(canvas.pixelObjects(0, 0), undefined);
    assert.deepEqual(canvas.pixelObjects(0, canvas.headerHeight), { firstObject: 0, endObject: 1 });
    // No event at all: the patch is the header's changed digits, inside the band.
    const next = canvas.frame(T0 + HOUR);
    assert.ok(next.width > 0 && next.height > 0);
    assert.ok(next.y + next.height <= canvas.headerHeight);
    // Events too: the rectangle spans the band and the changed pixel.
    canvas.apply(batch([[K.deleteMarker, 999]]));
    const third = canvas.frame(T0 + 2 * HOUR);
    assert.ok(third.y < canvas.headerHeight && third.y + third.height > canvas.headerHeight);
    assert.equal(third.pixels.filter((v) => v === D).length, 1);
  });

  it('shows the state counts in the band', () => {
    const counts = (objectsMarked: number) => {
      const canvas = new DeletionCanvas(1000, { size: 300, layout: 'rows', header: true });
      const events: [number, number][] = [];
      for (let o = 0; o < objectsMarked; o++) events.push([K.deleteMarker, o]);
      canvas.apply(batch(events));
      canvas.frame(T0);
      return canvas.image().subarray(0, canvas.width * canvas.headerHeight);
    };
    assert.notDeepEqual(counts(1), counts(2), 'a different count draws differently');
  });

  it('is absent by default, and left out when the image is too narrow for any of it', () => {
    const plain = new DeletionCanvas(100, { size: 50, layout: 'rows' });
    assert.deepEqual([plain.headerHeight, plain.height], [0, 50]);
    plain.frame(T0);
    assert.equal(plain.frame(T0 + HOUR).width, 0);
    const narrow = new DeletionCanvas(100, { size: 20, layout: 'rows', header: true });
    assert.deepEqual([narrow.headerHeight, narrow.height], [0, 20]);
  });
});

describe('the palette', () => {
  it('has at most 64 colours, all distinct, and leaves the transparent index free', () => {
    assert.ok(PALETTE.length <= 64);
    assert.ok(PALETTE.length < TRANSPARENT_INDEX);
    assert.equal(new Set(PALETTE.map((c) => c.join(','))).size, PALETTE.length);
    assert.deepEqual(paletteMeaning(BACKGROUND_INDEX), { kind: 'background' });
    assert.deepEqual(paletteMeaning(G), { kind: 'state', state: 'gone' });
  });
});

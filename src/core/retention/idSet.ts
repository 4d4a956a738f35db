// A set of object ids (key, or key + version id) in 16 bytes each, for the millions of objects a
// resumed run has already finished: a Set<string> of 10M ids costs about a gigabyte of heap, this
// about 200 MB. Each id is kept as the first 128 bits of its SHA-256: two different ids share them
// with a probability of about n²/2^129 (10^-24 for 10M ids), so `has` is exact for any real run,
// and no one can pick keys that collide on purpose.

import { hash } from 'node:crypto';
import { open } from 'node:fs/promises';

/** Slots filled at most this much: linear probing stays short. */
const LOAD = 0.8;

export class HashedIdSet {
  /** Four 32-bit lanes per slot; all four zero: an empty slot. */
  private slots: Uint32Array;
  private capacity: number;
  private count = 0;

  /** `expected`: how many ids will be added (more still fit: the table grows). */
  constructor(expected = 0) {
    this.capacity = Math.max(16, Math.ceil(expected / LOAD));
    this.slots = new Uint32Array(this.capacity * 4);
  }

  get size(): number {
    return this.count;
  }

  /** Adds an id; false when it was there already. */
  add(id: string): boolean {
    const h = lanes(id);
    if (this.find(h) >= 0) return false;
    if (this.count + 1 > this.capacity * LOAD) this.grow();
    this.insert(h);
    this.count++;
    return true;
  }

  has(id: string): boolean {
    return this.count > 0 && this.find(lanes(id)) >= 0;
  }

  /** The slot holding `h`, or -1. */
  private find(h: Lanes): number {
    const { slots, capacity } = this;
    for (let slot = home(h[0], capacity); ; slot = slot + 1 === capacity ? 0 : slot + 1) {
      const at = slot * 4;
      const a = slots[at]!;
      const b = slots[at + 1]!;
      const c = slots[at + 2]!;
      const d = slots[at + 3]!;
      if ((a | b | c | d) === 0) return -1;
      if (a === h[0] && b === h[1] && c === h[2] && d === h[3]) return slot;
    }
  }

  private insert(h: Lanes): void {
    const { slots, capacity } = this;
    let slot = home(h[0], capacity);
    while ((slots[slot * 4]! | slots[slot * 4 + 1]! | slots[slot * 4 + 2]! | slots[slot * 4 + 3]!) !== 0) slot = slot + 1 === capacity ? 0 : slot + 1;
    slots.set(h, slot * 4);
  }

  private grow(): void {
    const old = this.slots;
    this.capacity *= 2;
    this.slots = new Uint32Array(this.capacity * 4);
    const h = new Uint32Array(4);
    for (let at = 0; at < old.length; at += 4) {
      if ((old[at]! | old[at + 1]! | old[at + 2]! | old[at + 3]!) === 0) continue;
      h.set(old.subarray(at, at + 4));
      this.insert(h);
    }
  }
}

type Lanes = Uint32Array;

/** The lanes of the id being looked up: one array, reused (add and has run to the end before the next call). */
const scratch = new Uint32Array(4);

function lanes(id: string): Lanes {
  const digest = hash('sha256', id, 'buffer');
  scratch[0] = digest.readUInt32LE(0);
  scratch[1] = digest.readUInt32LE(4);
  scratch[2] = digest.readUInt32LE(8);
  scratch[3] = digest.readUInt32LE(12);
  // All zero marks an empty slot; such a digest is as good as impossible, but would still be kept.
  if ((scratch[0]! | scratch[1]! | scratch[2]! | scratch[3]!) === 0) scratch[3] = 1;
  return scratch;
}

/** Where the search for a hash starts: its first lane scaled to the table (the lanes are uniform). */
function home(first: number, capacity: number): number {
  return Math.floor((first / 4294967296) * capacity);
}

/** The number of lines in a file (newlines, plus a last line without one): a bound on the ids it holds. 0 when it does not exist. */
export async function countLines(path: string): Promise<number> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  try {
    const block = Buffer.alloc(1 << 20);
    let lines = 0;
    let last = 0x0a;
    for (;;) {
      const { bytesRead } = await handle.read(block, 0, block.length, null);
      if (bytesRead === 0) break;
      const view = block.subarray(0, bytesRead);
      for (let at = view.indexOf(0x0a); at >= 0; at = view.indexOf(0x0a, at + 1)) lines++;
      last = view[bytesRead - 1]!;
    }
    return last === 0x0a ? lines : lines + 1;
  } finally {
    await handle.close();
  }
}

// A batch of index entries held as columns (key bytes in one arena, numbers in typed arrays) rather than one object
// and one string per entry: the build path of a million keys a second. A million small objects cost more in garbage
// collection and scattered memory reads than parsing, sorting and encoding them; here keys go from the data
// object's bytes to the part's bytes without ever becoming strings.

import { utf8, utf8Decoder } from './keyOrder';
import { MAX_RECORD_OFFSET, type IndexEntry } from './partFormat';

/** u32s per entry in EntryBatch.meta. */
export const META_STRIDE = 6;

/** Typed arrays would silently truncate a negative, fractional or huge number: refuse it. */
function checkU32(value: number, what: string): void {
  if (value >>> 0 !== value) throw new RangeError(`index entry: ${what} ${value} is not an integer in [0, 2^32)`);
}

/** Entries as columns. Append with `add` (key bytes) or `addEntry` (an IndexEntry); read back with `entry(i)`. */
export class EntryBatch {
  /** UTF-8 bytes of every key, back to back. */
  arena: Uint8Array;
  arenaLength = 0;
  /**
   * Per entry, META_STRIDE u32s side by side: key start in the arena, key length, object index, offset low 32
   * bits, offset high bits, record length. One entry's numbers share a cache line: visiting entries in key order
   * (random in memory) costs one miss per entry instead of one per column.
   */
  meta: Uint32Array;
  size = 0;

  constructor(capacity = 1024) {
    const c = Math.max(1, capacity);
    this.arena = new Uint8Array(c * 48);
    this.meta = new Uint32Array(c * META_STRIDE);
  }

  private grow(): void {
    const grown = new Uint32Array(this.meta.length * 2);
    grown.set(this.meta);
    this.meta = grown;
  }

  private put(i: number, keyStart: number, keyLength: number, objectIndex: number, offset: number, length: number): void {
    if (!Number.isInteger(offset) || offset < 0 || offset > MAX_RECORD_OFFSET)
      throw new RangeError(`index entry: offset ${offset} is not an integer in [0, 2^48)`);
    const m = this.meta;
    const b = i * META_STRIDE;
    const low = offset % 0x100000000;
    m[b] = keyStart;
    m[b + 1] = keyLength;
    m[b + 2] = objectIndex;
    m[b + 3] = low;
    m[b + 4] = (offset - low) / 0x100000000;
    m[b + 5] = length;
  }

  keyStart(i: number): number {
    return this.meta[i * META_STRIDE]!;
  }
  keyLength(i: number): number {
    return this.meta[i * META_STRIDE + 1]!;
  }
  objectIndex(i: number): number {
    return this.meta[i * META_STRIDE + 2]!;
  }
  offset(i: number): number {
    return this.meta[i * META_STRIDE + 4]! * 0x100000000 + this.meta[i * META_STRIDE + 3]!;
  }
  length(i: number): number {
    return this.meta[i * META_STRIDE + 5]!;
  }

  private reserveArena(extra: number): void {
    if (this.arenaLength + extra <= this.arena.length) return;
    let size = this.arena.length * 2;
    while (size < this.arenaLength + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.arena.subarray(0, this.arenaLength));
    this.arena = grown;
  }

  /**
   * Appends an entry whose key is bytes [start, end) of `source` (valid UTF-8; the caller checked). The offset's
   * range and the key's length are checked by the encoder as it writes the entry.
   */
  add(source: Uint8Array, start: number, end: number, objectIndex: number, offset: number, length: number): void {
    checkU32(objectIndex, 'object index');
    checkU32(length, 'record length');
    if ((this.size + 1) * META_STRIDE > this.meta.length) this.grow();
    const n = end - start;
    this.reserveArena(n);
    const arena = this.arena;
    let at = this.arenaLength;
    // Keys are short: a loop beats allocating a subarray for set().
    for (let j = start; j < end; j++) arena[at++] = source[j]!;
    this.put(this.size++, this.arenaLength, n, objectIndex, offset, length);
    this.arenaLength = at;
  }

  /** Appends an entry given as an object (its key encoded as UTF-8). */
  addEntry(entry: IndexEntry): void {
    if (typeof entry.key !== 'string') throw new TypeError('index entry: key must be a string');
    checkU32(entry.objectIndex, 'object index');
    checkU32(entry.length, 'record length');
    if ((this.size + 1) * META_STRIDE > this.meta.length) this.grow();
    this.reserveArena(3 * entry.key.length);
    const { written } = utf8.encodeInto(entry.key, this.arena.subarray(this.arenaLength));
    this.put(this.size++, this.arenaLength, written, entry.objectIndex, entry.offset, entry.length);
    this.arenaLength += written;
  }

  /** Builds a batch from entry objects. */
  static from(entries: readonly IndexEntry[]): EntryBatch {
    const batch = new EntryBatch(entries.length);
    for (const entry of entries) batch.addEntry(entry);
    return batch;
  }

  /** Entry i's key as a string. */
  key(i: number): string {
    const start = this.keyStart(i);
    return utf8Decoder.decode(this.arena.subarray(start, start + this.keyLength(i)));
  }

  /** Entry i as an object. */
  entry(i: number): IndexEntry {
    return { key: this.key(i), objectIndex: this.objectIndex(i), offset: this.offset(i), length: this.length(i) };
  }

  /** Empties the batch, keeping its memory for the next one. */
  clear(): void {
    this.size = 0;
    this.arenaLength = 0;
  }

  /** memcmp order of entries a and b's keys (shorter first on a common prefix). */
  compare(a: number, b: number): number {
    const arena = this.arena;
    const meta = this.meta;
    const sa = meta[a * META_STRIDE]!;
    const sb = meta[b * META_STRIDE]!;
    const la = meta[a * META_STRIDE + 1]!;
    const lb = meta[b * META_STRIDE + 1]!;
    const n = la < lb ? la : lb;
    for (let j = 0; j < n; j++) {
      const d = arena[sa + j]! - arena[sb + j]!;
      if (d !== 0) return d;
    }
    return la - lb;
  }

  /**
   * The permutation that sorts the batch by key bytes, stable (equal keys keep insertion order, so the last of a run
   * is the newest). An LSD radix sort on the 8 key bytes after the prefix every key shares, then a comparison sort of
   * each run of equal 8-byte prefixes only.
   */
  sortedOrder(): Uint32Array {
    const n = this.size;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (n < 2) return order;
    const arena = this.arena;
    const meta = this.meta;
    // The prefix every key shares carries no order.
    let skip = meta[1]!;
    const first = meta[0]!;
    for (let i = 1; i < n && skip > 0; i++) {
      const s = meta[i * META_STRIDE]!;
      const m = Math.min(skip, meta[i * META_STRIDE + 1]!);
      let j = 0;
      while (j < m && arena[s + j] === arena[first + j]) j++;
      skip = j;
    }
    const hi = new Uint32Array(n);
    const lo = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const s = meta[i * META_STRIDE]! + skip;
      const len = meta[i * META_STRIDE + 1]! - skip;
      if (len >= 8) {
        hi[i] = ((arena[s]! << 24) | (arena[s + 1]! << 16) | (arena[s + 2]! << 8) | arena[s + 3]!) >>> 0;
        lo[i] = ((arena[s + 4]! << 24) | (arena[s + 5]! << 16) | (arena[s + 6]! << 8) | arena[s + 7]!) >>> 0;
      } else {
        // Short keys are padded with zeros; a tie with a real NUL byte is settled by the comparison of runs.
        let h = 0;
        let l = 0;
        for (let j = 0; j < 8; j++) {
          const byte = j < len ? arena[s + j]! : 0;
          if (j < 4) h = h * 256 + byte;
          else l = l * 256 + byte;
        }
        hi[i] = h;
        lo[i] = l;
      }
    }
    let from = order;
    let to = new Uint32Array(n);
    const counts = new Uint32Array(65536);
    for (const [words, shift] of [
      [lo, 0],
      [lo, 16],
      [hi, 0],
      [hi, 16],
    ] as const) {
      counts.fill(0);
      for (let i = 0; i < n; i++) counts[(words[i]! >>> shift) & 0xffff]!++;
      if (counts[(words[0]! >>> shift) & 0xffff] === n) continue; // one digit for every key: nothing would move
      let sum = 0;
      for (let d = 0; d < 65536; d++) {
        const c = counts[d]!;
        counts[d] = sum;
        sum += c;
      }
      for (let i = 0; i < n; i++) {
        const index = from[i]!;
        to[counts[(words[index]! >>> shift) & 0xffff]!++] = index;
      }
      [from, to] = [to, from];
    }
    let runStart = 0;
    for (let i = 1; i <= n; i++) {
      if (i < n && hi[from[i]!] === hi[from[runStart]!] && lo[from[i]!] === lo[from[runStart]!]) continue;
      if (i - runStart > 1) {
        const run = Array.from(from.subarray(runStart, i)).sort((a, b) => this.compare(a, b) || a - b);
        from.set(run, runStart);
      }
      runStart = i;
    }
    return from;
  }
}

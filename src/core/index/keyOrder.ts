// The index's key order: UTF-8 byte order (memcmp of the encoded keys), the order a reader in any language gets
// for free. JavaScript compares strings by UTF-16 code units, which agrees except that code points above U+FFFF
// (surrogate pairs) sort before U+E000–U+FFFF; compareKeys corrects that, and keyComparator picks the native
// comparison when no key could be affected (the common, ASCII case, and much faster for sorting).

/** Shared UTF-8 encoder. */
export const utf8 = new TextEncoder();
/** Shared strict UTF-8 decoder: invalid bytes throw (corruption), a BOM is kept as data. */
export const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Maps a UTF-16 code unit to a rank that orders like the UTF-8 bytes of the code points it starts. */
function rank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/** Compares two keys in UTF-8 byte order: negative, 0 or positive. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) return ca < 0xd800 && cb < 0xd800 ? ca - cb : rank(ca) - rank(cb);
  }
  return a.length - b.length;
}

function compareNative(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const HIGH_UNITS = /[\ud800-\uffff]/;

/** A comparator equal to compareKeys for these keys: the native one when none has a code unit ≥ U+D800. */
export function keyComparator(keys: Iterable<string>): (a: string, b: string) => number {
  for (const key of keys) if (HIGH_UNITS.test(key)) return compareKeys;
  return compareNative;
}

/** Length of the longest prefix (in UTF-16 units) shared by every key. */
function commonPrefixLength(keys: readonly string[]): number {
  if (keys.length === 0) return 0;
  const first = keys[0]!;
  let lcp = first.length;
  for (let i = 1; i < keys.length && lcp > 0; i++) {
    const key = keys[i]!;
    const n = Math.min(lcp, key.length);
    let j = 0;
    while (j < n && key.charCodeAt(j) === first.charCodeAt(j)) j++;
    lcp = j;
  }
  return lcp;
}

/**
 * The permutation that sorts `keys` in UTF-8 byte order, stable (equal keys keep their input order). A comparison
 * sort of a million strings costs seconds in V8; this is an LSD radix sort on a 49-bit prefix of each key taken
 * after the prefix all keys share (seven 7-bit ASCII units, or three 16-bit ranks when a key is not ASCII there),
 * then a comparison sort of each run of equal prefixes only.
 */
export function sortedKeyOrder(keys: readonly string[]): Uint32Array {
  const n = keys.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (n < 2) return order;
  const skip = commonPrefixLength(keys);
  let ascii = true;
  for (let i = 0; i < n && ascii; i++) {
    const key = keys[i]!;
    const end = Math.min(key.length, skip + 7);
    for (let j = skip; j < end; j++) {
      if (key.charCodeAt(j) >= 0x80) {
        ascii = false;
        break;
      }
    }
  }
  // hi and lo together order like the window of units; both are compared as unsigned 32-bit numbers.
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const key = keys[i]!;
    const len = key.length;
    if (ascii && len >= skip + 7) {
      hi[i] = (key.charCodeAt(skip) << 21) | (key.charCodeAt(skip + 1) << 14) | (key.charCodeAt(skip + 2) << 7) | key.charCodeAt(skip + 3);
      lo[i] = (key.charCodeAt(skip + 4) << 14) | (key.charCodeAt(skip + 5) << 7) | key.charCodeAt(skip + 6);
    } else {
      // Short keys are padded with 0 (a tie with a real NUL is settled by the comparison of runs).
      const width = ascii ? 7 : 3;
      const bits = ascii ? 7 : 16;
      let h = 0;
      let l = 0;
      for (let j = 0; j < width; j++) {
        const unit = skip + j < len ? key.charCodeAt(skip + j) : 0;
        const v = ascii ? unit : rank(unit);
        if (j < (ascii ? 4 : 2)) h = h * 2 ** bits + v;
        else l = l * 2 ** bits + v;
      }
      hi[i] = h >>> 0;
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
    if (counts[(words[0]! >>> shift) & 0xffff] === n) continue; // every key has the same digit: the pass would not move anything
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
  // Runs of equal prefixes: order by the whole key, then by input position (stability).
  let runStart = 0;
  for (let i = 1; i <= n; i++) {
    if (i < n && hi[from[i]!] === hi[from[runStart]!] && lo[from[i]!] === lo[from[runStart]!]) continue;
    if (i - runStart > 1) {
      const run = Array.from(from.subarray(runStart, i)).sort((a, b) => compareKeys(keys[a]!, keys[b]!) || a - b);
      from.set(run, runStart);
    }
    runStart = i;
  }
  return from;
}

// The index's key order: UTF-8 byte order (memcmp of the encoded keys), the order a reader in any language gets
// for free. JavaScript compares strings by UTF-16 code units, which agrees except that code points above U+FFFF
// (surrogate pairs) sort before U+E000–U+FFFF; compareKeys corrects that. (Sorting many keys works on their bytes:
// EntryBatch.sortedOrder.)

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

// The prefix granularity of access-based retention: a key belongs to the prefix that holds it directly.

/**
 * The prefix of a key: strip trailing `/`, then drop the last `/`-segment.
 * `a/b/c.txt` → `a/b`; `a/b/` → `a`; `c.txt` → `` (the bucket root).
 * A prefix covers only the keys immediately under it: `a/b` covers `a/b/x`, not `a/b/c/y`.
 */
export function prefixOfKey(key: string): string {
  let end = key.length;
  while (end > 0 && key.charCodeAt(end - 1) === 0x2f /* / */) end--;
  const lastSlash = key.lastIndexOf('/', end - 1);
  return lastSlash <= 0 ? '' : key.slice(0, lastSlash);
}

/**
 * The analysis prefix whose keys a listing folder (an S3 common prefix, a tree node) holds directly:
 * exactly one delimiter comes off. `a/` → `a` (it holds `a/x`); `a//` → `a/` (it holds `a//x`, whose
 * prefix is `a/`); `a/b/` → `a/b`. A prefix given without a trailing '/' is already an analysis prefix.
 */
export function prefixOfFolder(listingPrefix: string): string {
  return listingPrefix.endsWith('/') ? listingPrefix.slice(0, -1) : listingPrefix;
}

/**
 * Whether an analysis prefix lies at or below a folder's analysis prefix (prefixOfFolder): every key
 * of `prefix` starts with `under` + '/'. `a` and `a/b` and `a/` are under `a`; `ab` is not.
 */
export function isPrefixUnder(prefix: string, under: string): boolean {
  return prefix === under || prefix.startsWith(`${under}/`);
}

/** The last segment of a listing prefix or key, for display: `a/b/` → `b/`, `a/b/c.txt` → `c.txt`. */
export function displayName(keyOrPrefix: string, parentPrefix: string): string {
  return keyOrPrefix.startsWith(parentPrefix) ? keyOrPrefix.slice(parentPrefix.length) : keyOrPrefix;
}

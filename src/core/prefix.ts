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

/** The last segment of a listing prefix or key, for display: `a/b/` → `b/`, `a/b/c.txt` → `c.txt`. */
export function displayName(keyOrPrefix: string, parentPrefix: string): string {
  return keyOrPrefix.startsWith(parentPrefix) ? keyOrPrefix.slice(parentPrefix.length) : keyOrPrefix;
}

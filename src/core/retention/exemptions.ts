// Exemption globs → the one regular expression the SQL templates take as `exempt_key_regex`, and a
// JavaScript matcher with the same meaning. The expression must mean the same in DuckDB (RE2) and
// in Athena (Trino: Java syntax), so it uses only what the three share: `\A` and `\z` anchors (Java's
// `$` would also match before a final newline), `[^/]`, `[\s\S]` instead of `.` (which skips
// newlines, and keys may hold them), non-capturing groups, and escapes of punctuation only.
//
// Glob syntax, matched against the whole key:
//   *      any run of characters within one segment (never '/')
//   **     any run of characters across segments; `**/` is zero or more whole segments
//   ?      one character, not '/'
//   [abc] [a-z] [!a-z] [^a-z]   one character of (or not of) a class; never '/'
//   \x     the character x itself (to match a literal *, ?, [ or \)

export class GlobError extends Error {
  constructor(glob: string, reason: string) {
    super(`exemption glob "${glob}": ${reason}`);
    this.name = 'GlobError';
  }
}

const SLASH = 0x2f;
const MAX_CODE_POINT = 0x10ffff;

/** Outside a class: every character a regex treats specially in any of RE2, Java and JS (u flag). */
const SPECIAL = new Set(['\\', '^', '$', '.', '|', '?', '*', '+', '(', ')', '[', ']', '{', '}']);
/** Inside a class. `&` is never doubled (ranges are merged), so Java's `&&` cannot appear. */
const CLASS_SPECIAL = new Set(['\\', ']', '[', '^', '-']);

function literal(char: string): string {
  return SPECIAL.has(char) ? `\\${char}` : char;
}

function classChar(codePoint: number): string {
  const char = String.fromCodePoint(codePoint);
  return CLASS_SPECIAL.has(char) ? `\\${char}` : char;
}

type Range = [number, number];

function mergeRanges(ranges: Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const merged: Range[] = [];
  for (const [lo, hi] of sorted) {
    const last = merged[merged.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else merged.push([lo, hi]);
  }
  return merged;
}

function withoutSlash(ranges: Range[]): Range[] {
  return ranges.flatMap(([lo, hi]): Range[] => {
    if (hi < SLASH || lo > SLASH) return [[lo, hi]];
    const parts: Range[] = [];
    if (lo < SLASH) parts.push([lo, SLASH - 1]);
    if (hi > SLASH) parts.push([SLASH + 1, hi]);
    return parts;
  });
}

/** Reads the class that starts at `chars[start]` (a `[`); undefined when it is not closed (then `[` is literal). */
function readClass(glob: string, chars: string[], start: number): { regex: string; end: number } | undefined {
  let i = start + 1;
  let negated = false;
  if (chars[i] === '!' || chars[i] === '^') {
    negated = true;
    i++;
  }
  const ranges: Range[] = [];
  let first = true;
  const next = (): number | undefined => {
    if (chars[i] === '\\') {
      if (i + 1 >= chars.length) return undefined;
      i += 2;
      return chars[i - 1]!.codePointAt(0)!;
    }
    if (i >= chars.length) return undefined;
    return chars[i++]!.codePointAt(0)!;
  };
  for (;;) {
    if (i >= chars.length) return undefined;
    if (chars[i] === ']' && !first) break;
    first = false;
    const lo = next();
    if (lo === undefined) return undefined;
    let hi = lo;
    if (chars[i] === '-' && chars[i + 1] !== undefined && chars[i + 1] !== ']') {
      i++;
      const end = next();
      if (end === undefined) return undefined;
      hi = end;
      if (hi < lo) throw new GlobError(glob, `the range ${String.fromCodePoint(lo)}-${String.fromCodePoint(hi)} is reversed`);
    }
    ranges.push([lo, hi]);
  }
  // A class stays within a segment: a positive class loses '/', a negated one gains it.
  const members = mergeRanges(negated ? [...ranges, [SLASH, SLASH]] : withoutSlash(ranges));
  if (!negated && members.length === 0)
    throw new GlobError(glob, "a character class matches one character within a segment, so [/] can never match; write '/' outside the brackets");
  if (negated && members.length === 1 && members[0]![0] === 0 && members[0]![1] === MAX_CODE_POINT)
    throw new GlobError(glob, 'this negated class excludes every character');
  const body = members
    .map(([lo, hi]) => (lo === hi ? classChar(lo) : hi === lo + 1 ? classChar(lo) + classChar(hi) : `${classChar(lo)}-${classChar(hi)}`))
    .join('');
  return { regex: `[${negated ? '^' : ''}${body}]`, end: i + 1 };
}

/** One glob as an unanchored regular-expression body (the syntax RE2, Java and JS share). */
export function globRegexBody(glob: string): string {
  if (glob === '') throw new GlobError(glob, 'an empty pattern matches no key; remove it');
  const chars = Array.from(glob); // by code point, so `?` is one character as RE2 and Java see it
  let out = '';
  let i = 0;
  while (i < chars.length) {
    const c = chars[i]!;
    if (c === '\\') {
      if (i + 1 >= chars.length) throw new GlobError(glob, 'it ends with a lone backslash; write \\\\ for a backslash');
      out += literal(chars[i + 1]!);
      i += 2;
    } else if (c === '*') {
      let run = 0;
      while (chars[i] === '*') {
        run++;
        i++;
      }
      if (run === 1) out += '[^/]*';
      else if (chars[i] === '/') {
        out += '(?:[^/]*/)*';
        i++;
      } else out += '[\\s\\S]*';
    } else if (c === '?') {
      out += '[^/]';
      i++;
    } else if (c === '[') {
      const cls = readClass(glob, chars, i);
      if (cls) {
        out += cls.regex;
        i = cls.end;
      } else {
        out += literal(c);
        i++;
      }
    } else {
      out += literal(c);
      i++;
    }
  }
  return out;
}

/** The `exempt_key_regex` of the SQL templates: one anchored expression for all globs; '' for none. */
export function exemptKeyRegex(globs: string[]): string {
  if (globs.length === 0) return '';
  return `\\A(?:${globs.map(globRegexBody).join('|')})\\z`;
}

/** The same test in JavaScript: true when the key matches any of the globs. */
export function exemptionMatcher(globs: string[]): (key: string) => boolean {
  if (globs.length === 0) return () => false;
  // JS has no \A or \z; without the m flag its ^ and $ mean the same. The u flag reads by code point.
  const regex = new RegExp(`^(?:${globs.map(globRegexBody).join('|')})$`, 'u');
  return (key) => regex.test(key);
}

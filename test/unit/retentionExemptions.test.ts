// Exemption globs: what they match, and that the one regular expression the SQL templates get
// means in DuckDB (RE2) what the JavaScript matcher means — checked on random keys and globs
// against an independent, backtracking glob matcher.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { exemptionMatcher, exemptKeyRegex, GlobError, globRegexBody } from '../../src/core/retention/exemptions';
import { Random } from '../../src/core/random';
import { openInMemoryDuckDb } from '../../src/engines/duckdb';
import { stringLiteral } from '../../src/sql/template';

// ---- An independent glob matcher: parse to tokens, match by backtracking over code points ----------

type Token =
  | { t: 'lit'; c: string }
  | { t: 'star' }
  | { t: 'globstar' }
  | { t: 'segments' }
  | { t: 'one' }
  | { t: 'class'; negated: boolean; members: [string, string][] };

function tokens(glob: string): Token[] {
  const g = Array.from(glob);
  const out: Token[] = [];
  for (let i = 0; i < g.length;) {
    const c = g[i]!;
    if (c === '\\') {
      out.push({ t: 'lit', c: g[i + 1]! });
      i += 2;
    } else if (c === '*') {
      let n = 0;
      for (; g[i] === '*'; i++) n++;
      if (n === 1) out.push({ t: 'star' });
      else if (g[i] === '/') {
        out.push({ t: 'segments' });
        i++;
      } else out.push({ t: 'globstar' });
    } else if (c === '?') {
      out.push({ t: 'one' });
      i++;
    } else if (c === '[') {
      // [ (!|^)? ]? members ] — members are chars, \x escapes and a-b ranges; unclosed means a literal [.
      let j = i + 1;
      const negated = g[j] === '!' || g[j] === '^';
      if (negated) j++;
      const members: [string, string][] = [];
      let closed = false;
      let first = true;
      while (j < g.length) {
        if (g[j] === ']' && !first) {
          closed = true;
          break;
        }
        first = false;
        let lo = g[j]!;
        if (lo === '\\') lo = g[++j] ?? '';
        j++;
        let hi = lo;
        if (g[j] === '-' && g[j + 1] !== undefined && g[j + 1] !== ']') {
          hi = g[j + 1]!;
          j += 2;
          if (hi === '\\') hi = g[j++] ?? '';
        }
        if (lo === '' || hi === '') break;
        members.push([lo, hi]);
      }
      if (closed) {
        out.push({ t: 'class', negated, members });
        i = j + 1;
      } else {
        out.push({ t: 'lit', c: '[' });
        i++;
      }
    } else {
      out.push({ t: 'lit', c });
      i++;
    }
  }
  return out;
}

function oracleMatches(glob: string, key: string): boolean {
  const tk = tokens(glob);
  const k = Array.from(key);
  const memo = new Map<number, boolean>();
  const inClass = (tok: Extract<Token, { t: 'class' }>, ch: string) => {
    if (ch === '/') return false;
    const cp = ch.codePointAt(0)!;
    const hit = tok.members.some(([lo, hi]) => cp >= lo.codePointAt(0)! && cp <= hi.codePointAt(0)!);
    return hit !== tok.negated;
  };
  const m = (ti: number, ki: number): boolean => {
    const id = ti * (k.length + 1) + ki;
    const known = memo.get(id);
    if (known !== undefined) return known;
    let r = false;
    const tok = tk[ti];
    if (!tok) r = ki === k.length;
    else if (tok.t === 'lit') r = k[ki] === tok.c && m(ti + 1, ki + 1);
    else if (tok.t === 'one') r = ki < k.length && k[ki] !== '/' && m(ti + 1, ki + 1);
    else if (tok.t === 'class') r = ki < k.length && inClass(tok, k[ki]!) && m(ti + 1, ki + 1);
    else if (tok.t === 'star') {
      for (let j = ki; j <= k.length && !r; j++) {
        r = m(ti + 1, j);
        if (k[j] === '/') break;
      }
    } else if (tok.t === 'globstar') {
      for (let j = ki; j <= k.length && !r; j++) r = m(ti + 1, j);
    } else {
      // Zero or more whole segments: resume at ki, or just after any '/' from ki on.
      r = m(ti + 1, ki);
      for (let j = ki + 1; j <= k.length && !r; j++) if (k[j - 1] === '/') r = m(ti + 1, j);
    }
    memo.set(id, r);
    return r;
  };
  return m(0, 0);
}

// ---- Tests --------------------------------------------------------------------------------------

describe('exemption globs', () => {
  const matches = (glob: string, key: string) => exemptionMatcher([glob])(key);

  it('match the whole key: * within a segment, ** across segments, ? one character', () => {
    assert.ok(matches('logs/*.gz', 'logs/a.gz'));
    assert.ok(!matches('logs/*.gz', 'logs/2024/a.gz'), '* stops at /');
    assert.ok(!matches('logs/*.gz', 'logs/a.gz.bak'), 'anchored at the end');
    assert.ok(!matches('logs/*.gz', 'old/logs/a.gz'), 'anchored at the start');
    assert.ok(matches('logs/**', 'logs/2024/01/a.gz'));
    assert.ok(matches('logs/**.gz', 'logs/2024/01/a.gz'));
    assert.ok(matches('logs/**/a.gz', 'logs/a.gz'), '**/ may be no segment at all');
    assert.ok(matches('logs/**/a.gz', 'logs/x/y/a.gz'));
    assert.ok(!matches('logs/**/a.gz', 'logs/xa.gz'));
    assert.ok(matches('**/keep-*', 'keep-me') && matches('**/keep-*', 'a/b/keep-me'));
    assert.ok(matches('a?c', 'abc') && !matches('a?c', 'a/c') && !matches('a?c', 'ac'));
    assert.ok(matches('a?c', 'a😀c'), '? is one character, even outside the BMP');
  });

  it('match character classes, negated classes and ranges, never a /', () => {
    assert.ok(matches('run-[0-3]', 'run-2') && !matches('run-[0-3]', 'run-7'));
    assert.ok(matches('run-[!0-3]', 'run-7') && !matches('run-[!0-3]', 'run-2'));
    assert.ok(matches('run-[^0-3]', 'run-x'));
    assert.ok(!matches('a[!x]b', 'a/b'), 'a negated class does not match /');
    assert.ok(matches('a[]]b', 'a]b'), '] first in a class is literal');
    assert.ok(matches('a[x-]b', 'a-b'));
    assert.ok(matches('a[b', 'a[b'), 'an unclosed [ is literal');
    assert.throws(() => globRegexBody('a[/]b'), /\[\/\] can never match/);
    assert.throws(() => globRegexBody('[z-a]'), /reversed/);
  });

  it('take every other character literally, including regex syntax', () => {
    for (const key of ['a.b', 'q=0+résumé %/x', 'photo (1).png', 'a|b', '$^{}', 'x\\y', 'a&&b', 'line\nbreak', 'tab\there']) {
      const glob = Array.from(key)
        .map((c) => (c === '\\' || c === '*' || c === '?' || c === '[' ? `\\${c}` : c))
        .join('');
      assert.ok(matches(glob, key), key);
      assert.ok(!matches(glob, `${key}!`), key);
    }
    assert.ok(matches('\\*\\?\\[', '*?['));
    assert.ok(!matches('a.b', 'axb'), '. is a dot');
    assert.throws(() => globRegexBody('ends\\'), /lone backslash/);
    assert.throws(() => globRegexBody(''), GlobError);
  });

  it('combine into one anchored expression for the templates, or none', () => {
    assert.equal(exemptKeyRegex([]), '');
    assert.equal(exemptKeyRegex(['a/*', 'b/**']), '\\A(?:a/[^/]*|b/[\\s\\S]*)\\z');
    const any = exemptionMatcher(['a/*', 'b/**']);
    assert.ok(any('a/x') && any('b/x/y') && !any('c/x'));
    assert.equal(exemptionMatcher([])('anything'), false);
  });

  describe('on random keys and globs', () => {
    let instance: DuckDBInstance;
    let connection: DuckDBConnection;
    before(async () => {
      instance = await openInMemoryDuckDb();
      connection = await instance.connect();
    });
    after(() => {
      connection.closeSync();
      instance.closeSync();
    });

    /** The indexes of the keys DuckDB matches, with the regex passed as the templates pass it: a string literal. */
    const duckMatches = async (keys: string[], regex: string): Promise<number[]> => {
      const rows = keys.map((k, i) => `(${i}, ${stringLiteral(k)})`).join(', ');
      const reader = await connection.runAndReadAll(`SELECT i FROM (VALUES ${rows}) t(i, k) WHERE regexp_matches(k, ${stringLiteral(regex)}) ORDER BY i`);
      return reader.getRowObjectsJS().map((r) => Number(r.i));
    };

    const KEY_CHARS = [
      'a',
      'a',
      'b',
      'b',
      'c',
      '/',
      '/',
      '/',
      '.',
      '-',
      '*',
      '?',
      '[',
      ']',
      '\\',
      '(',
      ')',
      '+',
      '$',
      '^',
      '|',
      '{',
      '}',
      '&',
      '\n',
      ' ',
      'é',
      '😀',
      '%',
      '=',
    ];
    const SEGMENT_CHARS = KEY_CHARS.filter((c) => c !== '/');
    const GLOB_PARTS = [
      'a',
      'b',
      'c',
      '/',
      '/',
      '.',
      '*',
      '*',
      '**',
      '**/',
      '?',
      '[ab]',
      '[!a]',
      '[a-c]',
      '[^/b]',
      '[]a]',
      '[&&]',
      '[\\]x]',
      '[a-]',
      '[😀é]',
      '\\*',
      '\\?',
      '\\[',
      '\\\\',
      '(',
      '+',
      '$',
      '|',
      '{',
      '&',
      '\n',
      ' ',
      'é',
      '😀',
      '[',
      ']',
    ];
    const random = new Random(20261001);
    const randomKey = () => Array.from({ length: random.int(12) }, () => random.pick(KEY_CHARS)).join('');
    const chars = (n: number, from: string[]) => Array.from({ length: n }, () => random.pick(from)).join('');

    /** A key built to (nearly) match the glob, so the comparison is not only about misses. */
    const keyLike = (glob: string): string => {
      let key = tokens(glob)
        .map((tok) => {
          switch (tok.t) {
            case 'lit':
              return tok.c;
            case 'star':
              return chars(random.int(4), SEGMENT_CHARS);
            case 'globstar':
              return chars(random.int(5), KEY_CHARS);
            case 'segments':
              return Array.from({ length: random.int(3) }, () => `${chars(random.int(3), SEGMENT_CHARS)}/`).join('');
            case 'one':
              return random.pick(SEGMENT_CHARS);
            case 'class': {
              if (tok.negated || tok.members.length === 0) return random.pick(KEY_CHARS);
              const [lo, hi] = random.pick(tok.members);
              return String.fromCodePoint(lo.codePointAt(0)! + random.int(hi.codePointAt(0)! - lo.codePointAt(0)! + 1));
            }
          }
        })
        .join('');
      if (random.chance(0.3)) {
        const at = Array.from(key);
        at[random.int(at.length + 1)] = random.pick(KEY_CHARS);
        key = at.join('');
      }
      return key;
    };

    it('DuckDB, the JavaScript matcher and a backtracking matcher agree', async () => {
      const common = ['', '/', 'a', 'a/b', 'a/b/', 'ab/c.d', ...Array.from({ length: 40 }, randomKey)];
      let globs = 0;
      let rejected = 0;
      let hits = 0;
      let misses = 0;
      while (globs < 400) {
        const glob = Array.from({ length: 1 + random.int(6) }, () => random.pick(GLOB_PARTS)).join('');
        let regex: string;
        try {
          regex = exemptKeyRegex([glob]);
        } catch (error) {
          assert.ok(error instanceof GlobError, String(error));
          rejected++;
          continue;
        }
        globs++;
        const keys = [...common, ...Array.from({ length: 10 }, () => keyLike(glob))];
        const js = exemptionMatcher([glob]);
        const jsHits = keys.flatMap((k, i) => (js(k) ? [i] : []));
        const oracleHits = keys.flatMap((k, i) => (oracleMatches(glob, k) ? [i] : []));
        assert.deepEqual(await duckMatches(keys, regex), jsHits, `DuckDB and JS disagree on ${JSON.stringify(glob)} (${regex})`);
        assert.deepEqual(jsHits, oracleHits, `the matcher and the glob rules disagree on ${JSON.stringify(glob)} (${regex})`);
        hits += jsHits.length;
        misses += keys.length - jsHits.length;
      }
      assert.ok(hits > 2000 && misses > 2000, `both matches and misses are compared (${hits} hits, ${misses} misses)`);
      assert.ok(rejected < globs / 4, `most random globs are valid (${rejected} rejected)`);
    });

    it('DuckDB and JavaScript agree on keys matched against several globs at once', async () => {
      const globs = ['**/*.gz', 'tmp/**', 'a/[!b]?', '*\\**'];
      const keys = ['x.gz', 'a/b/c.gz', 'tmp/', 'tmp/x/y', 'a/cd', 'a/bd', 'a/c/', 'x*y', 'x/y*', 'nothing'];
      const js = exemptionMatcher(globs);
      const expected = keys.flatMap((k, i) => (js(k) ? [i] : []));
      assert.deepEqual(expected, [0, 1, 2, 3, 4, 7]);
      assert.deepEqual(await duckMatches(keys, exemptKeyRegex(globs)), expected);
    });
  });
});

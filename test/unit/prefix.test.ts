import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { displayName, isPrefixUnder, prefixOfFolder, prefixOfKey } from '../../src/core/prefix';

describe('prefixOfKey (the retention granularity)', () => {
  it('drops the last segment of a key', () => {
    assert.equal(prefixOfKey('a/b/c.txt'), 'a/b');
    assert.equal(prefixOfKey('tenant-042/2023/07/14/x.json'), 'tenant-042/2023/07/14');
  });
  it('treats a folder key by its parent', () => {
    assert.equal(prefixOfKey('a/b/'), 'a');
    assert.equal(prefixOfKey('a/b///'), 'a');
  });
  it('puts top-level keys in the bucket root', () => {
    assert.equal(prefixOfKey('c.txt'), '');
    assert.equal(prefixOfKey('folder/'), '');
    assert.equal(prefixOfKey(''), '');
  });
  it('keeps characters that need URL-encoding as they are', () => {
    assert.equal(prefixOfKey('dt=2024-01-01/a b+c%/ü.parquet'), 'dt=2024-01-01/a b+c%');
  });
  it('does not cover deeper keys: each key has exactly one prefix', () => {
    assert.notEqual(prefixOfKey('a/b/c/y'), 'a/b');
  });
});

describe('displayName', () => {
  it('shows the part below the parent prefix', () => {
    assert.equal(displayName('a/b/', 'a/'), 'b/');
    assert.equal(displayName('a/b/c.txt', 'a/b/'), 'c.txt');
    assert.equal(displayName('x', 'a/'), 'x');
  });
});

describe('prefixOfFolder (a tree folder or S3 common prefix → the analysis prefix it holds)', () => {
  it('takes off exactly one delimiter, so an analysis prefix ending in / stays reachable', () => {
    assert.equal(prefixOfFolder('a/'), 'a');
    assert.equal(prefixOfFolder('a//'), 'a/');
    assert.equal(prefixOfFolder('a/b/'), 'a/b');
    assert.equal(prefixOfFolder('/'), '');
    assert.equal(prefixOfFolder(''), '');
  });
  it("names the prefix of the folder's own keys, as prefixOfKey does", () => {
    for (const [folder, key] of [
      ['a/', 'a/live.txt'],
      ['a//', 'a//old.txt'],
      ['a/b/', 'a/b/c.txt'],
      ['//', '//x'],
    ])
      assert.equal(prefixOfFolder(folder!), prefixOfKey(key!), `${folder} holds ${key}`);
  });
  it('finds the analysis prefixes at or below a folder, and no neighbour', () => {
    assert.ok(isPrefixUnder('a', 'a'));
    assert.ok(isPrefixUnder('a/', 'a'), 'a//x lies in the folder a/');
    assert.ok(isPrefixUnder('a/b', 'a'));
    assert.ok(!isPrefixUnder('ab', 'a'));
    assert.ok(isPrefixUnder('a/', 'a/'), 'the folder a// holds prefix a/');
    assert.ok(!isPrefixUnder('a', 'a/'), 'the folder a// does not hold a/live.txt');
  });
});

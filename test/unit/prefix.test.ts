import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { displayName, prefixOfKey } from '../../src/core/prefix';

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

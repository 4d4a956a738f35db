import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { addedTags, decideTags, parseKeepTagArg, parseTagArg, removeExpirationTag, tagSetsEqual, TagArgError, type Tag } from '../../src/core/retention/tagSet';

const EXPIRE = { key: 's3-lifecycle-studio:expire', value: 'true' };
const tags = (...pairs: [string, string][]): Tag[] => pairs.map(([Key, Value]) => ({ Key, Value }));

describe('decideTags', () => {
  it('keeps tags the object already had, in order, and adds the expiration tag last', () => {
    const before = tags(['team', 'data'], ['cost-center', '42']);
    assert.deepEqual(decideTags(before, EXPIRE), { action: 'put', after: tags(['team', 'data'], ['cost-center', '42'], [EXPIRE.key, 'true']) });
  });

  it('tags an object that has no tags', () => {
    assert.deepEqual(decideTags([], EXPIRE), { action: 'put', after: tags([EXPIRE.key, 'true']) });
  });

  it('does not change the array it was given', () => {
    const before = tags(['team', 'data']);
    decideTags(before, EXPIRE);
    assert.deepEqual(before, tags(['team', 'data']));
  });

  it('skips an object that already has the expiration tag', () => {
    assert.deepEqual(decideTags(tags(['team', 'data'], [EXPIRE.key, 'true']), EXPIRE), { action: 'skip', reason: 'alreadyTagged' });
  });

  it('never changes a user value of the expiration key: conflictingTag', () => {
    assert.deepEqual(decideTags(tags([EXPIRE.key, 'false']), EXPIRE), { action: 'skip', reason: 'conflictingTag' });
  });

  it('reports an object with 10 tags instead of forcing an eleventh', () => {
    const ten = tags(...Array.from({ length: 10 }, (_, i) => [`k${i}`, `v${i}`] as [string, string]));
    assert.deepEqual(decideTags(ten, EXPIRE), { action: 'skip', reason: 'tagLimit' });
    assert.equal(decideTags(ten.slice(0, 9), EXPIRE).action, 'put');
  });

  it('counts an object with 10 tags that include ours as already tagged', () => {
    const ten = tags(...Array.from({ length: 9 }, (_, i) => [`k${i}`, `v${i}`] as [string, string]), [EXPIRE.key, 'true']);
    assert.deepEqual(decideTags(ten, EXPIRE), { action: 'skip', reason: 'alreadyTagged' });
  });

  it('skips an object with the keep tag, any value when the keep tag has none', () => {
    assert.deepEqual(decideTags(tags(['keep', 'forever']), EXPIRE, { key: 'keep' }), { action: 'skip', reason: 'keepTag' });
    assert.deepEqual(decideTags(tags(['keep', '']), EXPIRE, { key: 'keep' }), { action: 'skip', reason: 'keepTag' });
  });

  it('with a keep value, only that value keeps the object', () => {
    assert.deepEqual(decideTags(tags(['keep', 'yes']), EXPIRE, { key: 'keep', value: 'yes' }), { action: 'skip', reason: 'keepTag' });
    assert.equal(decideTags(tags(['keep', 'no']), EXPIRE, { key: 'keep', value: 'yes' }).action, 'put');
  });

  it('lets the keep tag win over an expiration tag already there', () => {
    assert.deepEqual(decideTags(tags([EXPIRE.key, 'true'], ['keep', 'yes']), EXPIRE, { key: 'keep' }), { action: 'skip', reason: 'keepTag' });
  });
});

describe('removeExpirationTag and tag-set equality', () => {
  it('removes only our tag and keeps the rest in order', () => {
    assert.deepEqual(removeExpirationTag(tags(['a', '1'], [EXPIRE.key, 'true'], ['b', '2']), EXPIRE), tags(['a', '1'], ['b', '2']));
  });

  it('leaves the expiration key alone when it holds another value', () => {
    assert.deepEqual(removeExpirationTag(tags([EXPIRE.key, 'false']), EXPIRE), tags([EXPIRE.key, 'false']));
  });

  it('compares tag sets regardless of order', () => {
    assert.ok(tagSetsEqual(tags(['a', '1'], ['b', '2']), tags(['b', '2'], ['a', '1'])));
    assert.ok(!tagSetsEqual(tags(['a', '1'], ['b', '2']), tags(['a', '1'], ['b', '3'])));
    assert.ok(!tagSetsEqual(tags(['a', '1']), tags(['a', '1'], ['b', '2'])));
    assert.ok(tagSetsEqual([], []));
  });

  it('finds the tag a change added', () => {
    assert.deepEqual(addedTags(tags(['a', '1']), tags(['a', '1'], [EXPIRE.key, 'true'])), tags([EXPIRE.key, 'true']));
  });
});

describe('parseTagArg', () => {
  it('splits at the first =, so values may contain =', () => {
    assert.deepEqual(parseTagArg('s3-lifecycle-studio:expire=true'), EXPIRE);
    assert.deepEqual(parseTagArg('rule=a=b'), { key: 'rule', value: 'a=b' });
    assert.deepEqual(parseTagArg('empty='), { key: 'empty', value: '' });
  });

  it('accepts letters of any script, digits, spaces and + - = . _ : / @', () => {
    assert.deepEqual(parseTagArg('Équipe données=été 2024/+-.@_:'), { key: 'Équipe données', value: 'été 2024/+-.@_:' });
  });

  it('refuses what S3 refuses, saying why', () => {
    assert.throws(
      () => parseTagArg('no-equals'),
      (e: Error) => e instanceof TagArgError && /key=value/.test(e.message),
    );
    assert.throws(() => parseTagArg('=v'), /key is empty/);
    assert.throws(() => parseTagArg(`${'k'.repeat(129)}=v`), /129 characters; S3 allows at most 128/);
    assert.throws(() => parseTagArg(`k=${'v'.repeat(257)}`), /257 characters; S3 allows at most 256/);
    assert.throws(() => parseTagArg('k=a*b'), /character S3 does not allow/);
    assert.throws(() => parseTagArg('aws:created=x'), /reserved/);
  });

  it('counts characters, not UTF-16 units', () => {
    assert.equal(parseTagArg(`${'𝒜'.repeat(128)}=v`).key.length, 256);
    assert.throws(() => parseTagArg(`${'𝒜'.repeat(129)}=v`), /129 characters/);
  });
});

describe('parseKeepTagArg', () => {
  it('takes a key alone (any value) or key=value', () => {
    assert.deepEqual(parseKeepTagArg('keep'), { key: 'keep' });
    assert.deepEqual(parseKeepTagArg('keep=yes'), { key: 'keep', value: 'yes' });
  });
});

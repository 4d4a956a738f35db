// Keys → timestamps → UTC time buckets, part ids and the names of the index's objects (src/core/index/keys.ts).

import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  GRANULARITIES,
  bucketPath,
  claimObjectKey,
  indexConfigKey,
  isBucketPath,
  keyBucket,
  keyTimestampMs,
  ledgerObjectKey,
  manifestObjectKey,
  newPartId,
  parseGranularity,
  partIdTime,
  partObjectKey,
} from '../../src/core/index/keys';
import { initXxh64, xxh64Hex } from '../../src/core/index/xxh64';

const SEED_KEY = '2b21619e-f001-4a04-aefe-65a62334122a-1683832386'; // 2023-05-11T19:13:06Z

before(() => initXxh64());

describe('a key’s timestamp', () => {
  it('is the digits after the last "-", in seconds', () => {
    assert.equal(keyTimestampMs(SEED_KEY), 1683832386000);
    assert.equal(new Date(keyTimestampMs(SEED_KEY)!).toISOString(), '2023-05-11T19:13:06.000Z');
    assert.equal(keyTimestampMs('x-0'), 0);
    assert.equal(keyTimestampMs('a-b-c-99999999999'), 99999999999000);
  });

  it('is in milliseconds when it has 13 digits', () => {
    assert.equal(keyTimestampMs('k-1683832386123'), 1683832386123);
  });

  it('is absent for a key without one (no "-", no digits, other characters, 12 or 14+ digits)', () => {
    for (const key of ['uuid', 'k-', 'k-12a', 'k-1683832386 ', '-x', 'k-168383238612', 'k-16838323861234', 'k-+1', 'k-١٢٣']) {
      assert.equal(keyTimestampMs(key), undefined, key);
    }
    assert.equal(keyBucket('uuid', 'hour'), undefined);
  });
});

describe('a time bucket', () => {
  it('is the UTC path of the timestamp at each granularity', () => {
    const expected = { second: '2023/05/11/19/13/06', minute: '2023/05/11/19/13', hour: '2023/05/11/19', day: '2023/05/11' };
    for (const granularity of GRANULARITIES) {
      assert.equal(keyBucket(SEED_KEY, granularity), expected[granularity]);
      assert.ok(isBucketPath(expected[granularity], granularity));
      for (const other of GRANULARITIES) if (other !== granularity) assert.ok(!isBucketPath(expected[granularity], other));
    }
  });

  it('uses UTC at day and year boundaries, zero-padded', () => {
    assert.equal(bucketPath(Date.UTC(2023, 11, 31, 23, 59, 59, 999), 'second'), '2023/12/31/23/59/59');
    assert.equal(bucketPath(Date.UTC(2024, 0, 1, 0, 0, 0), 'second'), '2024/01/01/00/00/00');
    assert.equal(bucketPath(0, 'hour'), '1970/01/01/00');
    assert.equal(bucketPath(Date.UTC(2024, 1, 29, 5), 'day'), '2024/02/29');
    assert.equal(keyBucket('k-1683832386999', 'second'), '2023/05/11/19/13/06');
  });

  it('refuses an instant Date cannot represent', () => {
    assert.throws(() => bucketPath(9e15, 'hour'), /not a valid instant/);
  });

  it('parses granularities from settings and flags, saying what is accepted otherwise', () => {
    assert.equal(parseGranularity(' Hour '), 'hour');
    assert.throws(() => parseGranularity('week'), /use one of second, minute, hour, day/);
  });
});

describe('part ids', () => {
  it('are 13 hex digits of milliseconds then 8 random hex digits, sorting by creation time', () => {
    const id = newPartId(1683832386123, () => 0xdeadbeef);
    assert.equal(id, '001880c3b324bdeadbeef');
    assert.equal(partIdTime(id), 1683832386123);
    assert.ok(newPartId(1000, () => 0xffffffff) < newPartId(1001, () => 0));
    assert.match(newPartId(), /^[0-9a-f]{21}$/);
    assert.notEqual(newPartId(5), newPartId(5));
    assert.equal(partIdTime('nope'), undefined);
  });
});

describe('object names', () => {
  it('place the config, parts, manifests, ledger and claims under the index prefix', () => {
    for (const prefix of ['idx', 'idx/']) {
      assert.equal(indexConfigKey(prefix), 'idx/_index.json');
      assert.equal(partObjectKey(prefix, '2023/05/11/19', '001880c3b324bdeadbeef'), 'idx/2023/05/11/19/001880c3b324bdeadbeef.idx');
      assert.equal(manifestObjectKey(prefix, '2023/05/11/19'), 'idx/2023/05/11/19/_manifest.idxm');
      assert.equal(ledgerObjectKey(prefix, 'data/a.csv'), `idx/_objects/${xxh64Hex('data/a.csv')}.json`);
      assert.equal(claimObjectKey(prefix, 'data/a.csv'), `idx/_claims/${xxh64Hex('data/a.csv')}.json`);
    }
    assert.equal(indexConfigKey(''), '_index.json');
    assert.match(ledgerObjectKey('', 'x'), /^_objects\/[0-9a-f]{16}\.json$/);
  });
});

// The index's _index.json, the record key of a line, bounded parallelism, and `s3-lifecycle index`'s
// usage errors: the parts of the index's S3 side that need no S3.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { forEachLimit, mapLimit } from '../../src/app/index/concurrency';
import {
  contradictions,
  IndexConfigError,
  INDEX_FORMAT_NAME,
  normalizeIndexLocation,
  parseIndexConfig,
  validateIndexSettings,
  type IndexConfig,
} from '../../src/app/index/indexConfig';
import { recordKey } from '../../src/app/index/lookup';
import { runCli } from '../../src/cli/main';

const CONFIG: IndexConfig = {
  format: INDEX_FORMAT_NAME,
  version: 1,
  granularity: 'hour',
  bitsPerKey: 10.5,
  fenceInterval: 64,
  partEntries: 65536,
  data: 's3://bkt/data/',
};

async function cli(argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), env: {}, signal: new AbortController().signal }, '0.0.0');
  return { code, out, err };
}

describe('index configuration', () => {
  it('reads back what a builder writes', () => {
    assert.deepEqual(parseIndexConfig(JSON.stringify(CONFIG), 's3://bkt/i/_index.json'), CONFIG);
  });

  it('says what is wrong with a damaged or foreign _index.json', () => {
    assert.throws(
      () => parseIndexConfig('{"format": "s3-lifecycle-index", ', 'X'),
      (e: Error) => e instanceof IndexConfigError && /X is not valid JSON/.test(e.message),
    );
    assert.throws(() => parseIndexConfig('{"format": "parquet"}', 'X'), /X is not an s3-lifecycle index configuration/);
    assert.throws(() => parseIndexConfig(JSON.stringify({ ...CONFIG, version: 2 }), 'X'), /version 2; this build reads version 1: update/);
    assert.throws(() => parseIndexConfig(JSON.stringify({ ...CONFIG, granularity: 'week' }), 'X'), /X: granularity must be one of second, minute, hour, day/);
    assert.throws(() => parseIndexConfig(JSON.stringify({ ...CONFIG, partEntries: 0 }), 'X'), /part entries must be a whole number/);
    assert.throws(() => parseIndexConfig(JSON.stringify({ ...CONFIG, data: 'b/data' }), 'X'), /does not name the data it indexes/);
  });

  it('names each option that contradicts the stored configuration, and none that agree or are unset', () => {
    assert.deepEqual(contradictions(CONFIG, {}, 's3://bkt/data'), []);
    assert.deepEqual(contradictions(CONFIG, { granularity: 'hour', bitsPerKey: 10.5 }, 's3://bkt/data/'), []);
    assert.deepEqual(contradictions(CONFIG, { granularity: 'day', partEntries: 10 }, 's3://bkt/other/'), [
      'granularity hour (asked: day)',
      'part entries 65536 (asked: 10)',
      'data s3://bkt/data/ (asked: s3://bkt/other/)',
    ]);
  });

  it('checks the ranges of the build settings', () => {
    assert.doesNotThrow(() => validateIndexSettings({ granularity: 'second', bitsPerKey: 1, fenceInterval: 1, partEntries: 1 }));
    assert.throws(() => validateIndexSettings({ bitsPerKey: 0.5 }), /bits per key/);
    assert.throws(() => validateIndexSettings({ fenceInterval: 1.5 }), /fence interval/);
  });

  it('treats a location as a folder', () => {
    assert.deepEqual(normalizeIndexLocation({ bucket: 'b', key: 'idx' }), { bucket: 'b', key: 'idx/' });
    assert.deepEqual(normalizeIndexLocation({ bucket: 'b', key: 'idx/' }), { bucket: 'b', key: 'idx/' });
    assert.deepEqual(normalizeIndexLocation({ bucket: 'b', key: '' }), { bucket: 'b', key: '' });
  });
});

describe('record keys', () => {
  it('is the text before the first comma, trimmed, as the data parser reads it', () => {
    assert.equal(recordKey('8057149c-1683832386, {"key": "foo", "value": "var"}'), '8057149c-1683832386');
    assert.equal(recordKey('  k-1 ,x,y'), 'k-1');
    assert.equal(recordKey('no comma-1683832386'), 'no comma-1683832386');
  });
});

describe('bounded parallelism', () => {
  it('keeps at most `limit` items in flight and returns results in input order', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return n * 10;
    });
    assert.deepEqual(results, [50, 10, 40, 20, 30]);
    assert.equal(peak, 2);
  });

  it('stops starting items after a failure and rethrows it once the others settle', async () => {
    const started: number[] = [];
    await assert.rejects(
      forEachLimit([1, 2, 3, 4, 5, 6], 2, async (n) => {
        started.push(n);
        await new Promise((r) => setImmediate(r));
        if (n === 2) throw new Error('two failed');
      }),
      /two failed/,
    );
    assert.ok(started.length < 6, `started ${started.join(',')}`);
  });
});

describe('s3-lifecycle index usage', () => {
  it('wants an action, and the options of that action only', async () => {
    const none = await cli(['index']);
    assert.equal(none.code, 2);
    assert.match(none.err, /index takes an action: build, lookup, status/);
    const unknown = await cli(['index', 'rebuild']);
    assert.match(unknown.err, /not "rebuild"/);
    const stray = await cli(['index', 'status', '--index', 's3://bkt/i/', '--granularity', 'day']);
    assert.equal(stray.code, 2);
    assert.match(stray.err, /index status does not take --granularity/);
  });

  it('checks locations and settings before touching S3', async () => {
    const badUri = await cli(['index', 'build', '--data', 'bkt/data', '--index', 's3://bkt/i/']);
    assert.equal(badUri.code, 2);
    assert.match(badUri.err, /--data: "bkt\/data" is not an S3 location/);
    const bits = await cli(['index', 'build', '--data', 's3://bkt/data/', '--index', 's3://bkt/i/', '--bits-per-key', 'lots']);
    assert.equal(bits.code, 2);
    assert.match(bits.err, /--bits-per-key must be a number from 1 to 64/);
    const parts = await cli(['index', 'build', '--data', 's3://bkt/data/', '--index', 's3://bkt/i/', '--part-entries', '0']);
    assert.equal(parts.code, 2);
    assert.match(parts.err, /--part-entries must be a whole number from 1/);
    const keys = await cli(['index', 'lookup', '--index', 's3://bkt/i/']);
    assert.equal(keys.code, 2);
    assert.match(keys.err, /give the keys to look up/);
  });

  it('is listed in the help, with its actions', async () => {
    const help = await cli(['help', 'index']);
    assert.equal(help.code, 0);
    assert.match(help.out, /build --data s3:\/\/B\/P --index s3:\/\/B\/I \| lookup --index s3:\/\/B\/I KEY…/);
    assert.match((await cli(['--help'])).out, /\n {2}index +Build a key index/);
  });
});

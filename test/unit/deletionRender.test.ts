// renderDeletion on the local engine: what the player is told before the first frame, one frame
// per hour in order, a render kept to a key prefix (its objects, events, totals and partitions only),
// renders at once on one engine on tables of their own, and a cancel that leaves no GIF and no table
// behind.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FITTED_MIN_SIZE, fittedSize, renderDeletion, type RenderDeletionOptions, type RenderDeletionStart } from '../../src/app/deletionRender';
import type { FramePatch } from '../../src/core/deletion/model';
import type { EstateTruth } from '../../src/core/estate/generate';
import { collectRows } from '../../src/engines/engine';
import { LocalEngine } from '../../src/engines/local';
import { TemplateRunner } from '../../src/engines/runner';
import { builtinTemplateDir, TemplateCatalog } from '../../src/sql/catalog';
import { expectedUnder, readGeneratedDeletion } from './deletionFixture';
import { generateInto, smallEstateOptions } from './estate/fixture';

const HOUR = 3_600_000;

describe('renderDeletion on the local engine', () => {
  let dir: string;
  let scratch: string;
  let truth: EstateTruth;
  let engine: LocalEngine;
  const catalog = TemplateCatalog.load();

  const options = (): RenderDeletionOptions => ({
    runner: new TemplateRunner(catalog, engine, { inventory: join(dir, 'inventory', truth.generator.bucket, 'daily-full'), logs: join(dir, 'logs') }),
    size: 48,
    granularity: 'hour',
    layout: 'hilbert',
    segmentBy: { by: 'path', depth: 2 },
  });

  const tables = async () => {
    const { rows } = await collectRows(await engine.run({ sql: 'SELECT table_name FROM information_schema.tables ORDER BY table_name' }));
    return rows.map((r) => String(r[0]));
  };

  before(async () => {
    ({ dir } = await generateInto(smallEstateOptions({ objects: 1500, days: 14, seed: 9 })));
    truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as EstateTruth;
    scratch = mkdtempSync(join(tmpdir(), 's3ls-render-'));
    engine = new LocalEngine({ cacheDir: join(scratch, 'cache'), threads: 2 });
  });
  after(async () => {
    await engine.dispose();
    rmSync(dir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('tells the player the frames, image and segments first, then streams one frame per hour in order', async () => {
    let start: RenderDeletionStart | undefined;
    const frames: FramePatch[] = [];
    const result = await renderDeletion({
      ...options(),
      onStart: (info) => {
        assert.equal(frames.length, 0, 'before any frame');
        start = info;
      },
      onFrame: (patch, progress) => {
        assert.ok(start, 'after onStart');
        assert.ok(Array.isArray(progress.partitions));
        frames.push(patch);
      },
    });
    const hours = truth.lifecycle.timeline.length;
    assert.ok(start);
    assert.equal(start.frames, hours);
    assert.equal(start.firstBucket, Date.parse(truth.lifecycle.timeline[0]!.bucket));
    assert.equal(start.lastBucket, Date.parse(truth.lifecycle.timeline.at(-1)!.bucket));
    assert.equal(start.objects, result.objects);
    assert.deepEqual([start.width, start.height], [48, 48]);
    assert.equal(
      start.segments.reduce((n, s) => n + s.keys, 0),
      result.objects,
      'the segments tile the objects',
    );
    assert.ok(start.segments.every((s) => s.prefix.split('/').length <= 2 && s.firstKey !== undefined && s.lastKey !== undefined));
    assert.deepEqual(
      frames.map((f) => f.index),
      frames.map((_f, i) => i),
    );
    assert.deepEqual(
      frames.map((f) => f.bucketStart),
      truth.lifecycle.timeline.map((t) => Date.parse(t.bucket)),
      'every hour, empty ones included',
    );
    assert.equal(
      frames.reduce((n, f) => n + f.events, 0),
      result.events,
    );
    assert.deepEqual(await result.dispose(), []);
  });

  it('keeps to a key prefix: only its objects get pixels, only their events count, the totals and partitions are theirs', async () => {
    const deletion = readGeneratedDeletion(dir);
    const prefix = 'tenant-001/';
    const expected = expectedUnder(deletion, prefix);
    assert.ok(expected.objects > 100 && expected.objects < deletion.keys.length / 2, `${expected.objects} of ${deletion.keys.length} objects under ${prefix}`);
    let start: RenderDeletionStart | undefined;
    const frames: FramePatch[] = [];
    const result = await renderDeletion({ ...options(), prefix, onStart: (info) => void (start = info), onFrame: (patch) => void frames.push(patch) });
    try {
      assert.equal(result.prefix, prefix);
      assert.equal(result.bucket, truth.generator.bucket);
      assert.equal(result.objects, expected.objects, 'a pixel per object under the prefix');
      assert.ok(start!.segments.every((s) => s.firstKey!.startsWith(prefix) && s.lastKey!.startsWith(prefix)));
      assert.deepEqual(
        frames.map((f) => f.bucketStart),
        Array.from({ length: expected.frames.length }, (_v, i) => expected.first + i * HOUR),
        "one frame per hour from the prefix's first event to its last",
      );
      frames.forEach((frame, i) => assert.deepEqual(frame.counts, expected.frames[i], `the states at ${new Date(frame.bucketStart).toISOString()}`));
      assert.equal(result.events, expected.events, 'the events of the objects under the prefix, each once');
      assert.deepEqual(Object.values(result.totals), expected.frames.at(-1));
      assert.deepEqual(result.anomalies, []);
      // What truth.json says the rule deleted under the prefix: the objects of its unused prefixes.
      const deleted = deletion.truth.unusedPrefixes.filter((u) => `${u.prefix}/`.startsWith(prefix)).reduce((n, u) => n + u.objects, 0);
      assert.equal(result.totals.gone, deleted, "truth.json's unused objects under the prefix are gone");
      // The partitions tile the prefix's objects from its first deleted one (where S3 started) to its last.
      assert.ok(result.partitions.length > 1, `${result.partitions.length} partitions`);
      assert.ok(expected.firstTouched > 0);
      assert.equal(result.partitions[0]!.firstObject, expected.firstTouched);
      result.partitions.forEach((p, i) => {
        assert.equal(p.firstKey, expected.keys[p.firstObject], `partition ${i}'s first key`);
        assert.equal(p.lastKey, expected.keys[p.endObject - 1], `partition ${i}'s last key`);
        if (i > 0) assert.equal(p.firstObject, result.partitions[i - 1]!.endObject);
      });
      assert.equal(result.partitions.at(-1)!.endObject, expected.objects);
      assert.equal(result.progress.complete, true);
      const described = await result.describePixel(0, 0);
      assert.ok(described?.firstKey.startsWith(prefix), described?.firstKey);
    } finally {
      await result.dispose();
    }
  });

  it('keeps to a prefix of keys S3 encodes in its logs (spaces, +, %, accents) and says what to check for a prefix with no lifecycle event', async () => {
    const deletion = readGeneratedDeletion(dir);
    const prefix = 'exports/q=0+résumé %/';
    const expected = expectedUnder(deletion, prefix);
    assert.ok(expected.events > 0, `some lifecycle event under ${prefix}`);
    const result = await renderDeletion({ ...options(), prefix });
    try {
      assert.equal(result.objects, expected.objects);
      assert.deepEqual(Object.values(result.totals), expected.frames.at(-1));
      assert.equal(result.events, expected.events);
    } finally {
      await result.dispose();
    }
    const untouched = deletion.keys.find((key) => !key.includes('/'))!;
    assert.equal(expectedUnder(deletion, untouched).events, 0);
    await assert.rejects(renderDeletion({ ...options(), prefix: untouched }), (error: Error) => {
      assert.equal(error.name, 'DeletionInputError');
      assert.match(error.message, new RegExp(`no lifecycle events for bucket ${truth.generator.bucket} on keys under ${untouched.replace('.', '\\.')}`));
      assert.match(error.message, /check --bucket and --prefix/);
      return true;
    });
  });

  it('refuses a prefix when the keys_with_prefix template in use has no key_prefix, rather than play the whole bucket; plays the bucket with it', async () => {
    // A workspace copy from before key_prefix: the built-in without its lines.
    const folder = join(scratch, 'old-templates');
    mkdirSync(folder, { recursive: true });
    const builtin = readFileSync(join(builtinTemplateDir(), 'keys_with_prefix.sql'), 'utf8');
    const old = builtin
      .split('\n')
      .filter((line) => !line.includes('key_prefix'))
      .join('\n');
    assert.notEqual(old, builtin);
    writeFileSync(join(folder, 'keys_with_prefix.sql'), old);
    const runner = new TemplateRunner(TemplateCatalog.load({ workspaceDirs: [folder] }), engine, options().runner.sources);
    await assert.rejects(renderDeletion({ ...options(), runner, prefix: 'tenant-001/' }), {
      name: 'DeletionInputError',
      message: /the keys_with_prefix template in use has no key_prefix parameter .*delete \.s3-lifecycle\/templates\/keys_with_prefix\.sql/,
    });
    const whole = await renderDeletion({ ...options(), runner });
    assert.equal(whole.prefix, '');
    assert.ok(whole.objects > 1000);
    await whole.dispose();
  });

  it('fits the image to the objects when asked: a pixel per object, never past the size given', async () => {
    let fitted: RenderDeletionStart | undefined;
    const result = await renderDeletion({ ...options(), size: 500, fitObjects: true, onStart: (info) => void (fitted = info) });
    const side = Math.ceil(Math.sqrt(result.objects));
    assert.deepEqual([fitted?.width, fitted?.height], [side, side]);
    await result.dispose();
    assert.equal(fittedSize(20, 1500), 20);
    assert.equal(fittedSize(500, 3), FITTED_MIN_SIZE);
    assert.equal(fittedSize(500, 1500), 39);
  });

  it('runs two renders at once on one engine, each on tables of its own, and drops them', async () => {
    const before = await tables();
    const [a, b] = await Promise.all([renderDeletion(options()), renderDeletion({ ...options(), layout: 'rows' })]);
    const during = (await tables()).filter((t) => !before.includes(t));
    const ids = new Set(during.map((t) => /_([0-9a-f]{12})$/.exec(t)?.[1]));
    assert.equal(ids.size, 2, during.join(', '));
    assert.ok(
      during.every((t) => /^(key_prefix_segment|keys_with_prefix|lifecycle_events|s3_inventory|s3_access_logs)(_source)?_[0-9a-f]{12}$/.test(t)),
      during.join(', '),
    );
    assert.deepEqual(a.totals, b.totals);
    assert.equal(a.events, b.events);
    await a.dispose();
    await b.dispose();
    assert.deepEqual(await tables(), before, 'their tables dropped');
  });

  it('stops when cancelled: no GIF, no partial file, no table left', async () => {
    const before = await tables();
    const controller = new AbortController();
    const gifPath = join(scratch, 'cancelled.gif');
    let frames = 0;
    await assert.rejects(
      renderDeletion({
        ...options(),
        gifPath,
        signal: controller.signal,
        onFrame: () => {
          if (++frames === 3) controller.abort();
        },
      }),
      { name: 'AbortError' },
    );
    assert.equal(frames, 3);
    assert.equal(existsSync(gifPath), false);
    assert.deepEqual(
      readdirSync(scratch).filter((f) => f.includes('cancelled')),
      [],
    );
    assert.deepEqual(await tables(), before);
  });
});

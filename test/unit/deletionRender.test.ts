// renderDeletion on the local engine: what the player is told before the first frame, one frame
// per hour in order, renders at once on one engine on tables of their own, and a cancel that
// leaves no GIF and no table behind.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FITTED_MIN_SIZE, fittedSize, renderDeletion, type RenderDeletionOptions, type RenderDeletionStart } from '../../src/app/deletionRender';
import type { FramePatch } from '../../src/core/deletion/model';
import type { EstateTruth } from '../../src/core/estate/generate';
import { collectRows } from '../../src/engines/engine';
import { LocalEngine } from '../../src/engines/local';
import { TemplateRunner } from '../../src/engines/runner';
import { TemplateCatalog } from '../../src/sql/catalog';
import { generateInto, smallEstateOptions } from './estate/fixture';

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

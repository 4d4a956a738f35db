// `s3-lifecycle render` on the local engine: what it prints (text and JSON), the GIF it writes, and
// every mistake of the command line or the inputs answered with what to do (exit code 2).

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GifReader } from 'omggif';
import { EXIT_OK, EXIT_USAGE } from '../../src/cli/framework';
import { runCli } from '../../src/cli/main';
import { parseSegmentBy } from '../../src/cli/render';
import type { EstateTruth } from '../../src/core/estate/generate';
import { readGeneratedDeletion } from './deletionFixture';
import { generateInto, smallEstateOptions } from './estate/fixture';

describe('s3-lifecycle render', () => {
  let dir: string;
  let scratch: string;
  let truth: EstateTruth;
  let sources: string[];
  let reportFolder: string;

  const cli = async (argv: string[]) => {
    let out = '';
    let err = '';
    const code = await runCli(
      ['render', ...argv],
      { out: (t) => (out += t), err: (t) => (err += t), env: { S3LIFECYCLE_CACHE_DIR: join(scratch, 'cache') }, signal: new AbortController().signal },
      '9.9.9',
    );
    return { code, out, err };
  };

  before(async () => {
    ({ dir } = await generateInto(smallEstateOptions({ objects: 1200, days: 14, seed: 5 })));
    truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as EstateTruth;
    scratch = mkdtempSync(join(tmpdir(), 's3ls-render-cli-'));
    sources = ['--inventory', join(dir, 'inventory', truth.generator.bucket, 'daily-full'), '--logs', join(dir, 'logs')];
    reportFolder = truth.inventory.manifestKey.split('/').at(-2)!;
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('writes the GIF, one frame per hour, and prints frames, states, anomalies, partitions and the end', async () => {
    const out = join(scratch, 'text.gif');
    const { code, out: stdout, err } = await cli([...sources, '--out', out, '--size', '64']);
    assert.equal(code, EXIT_OK, err);
    const hours = truth.lifecycle.timeline.length;
    assert.match(stdout, new RegExp(`^frames +${hours} \\(one per hour, ${truth.lifecycle.timeline[0]!.bucket.slice(0, 16).replace('T', ' ')} … `, 'm'));
    assert.match(stdout, /^states +present [\d,]+ \([\d.]+%\) · transitioned 0 \(0\.0%\) · delete marked 0 .* · gone [\d,]+ /m);
    assert.match(stdout, /^anomalies +none$/m);
    assert.match(stdout, /^deletion +complete: the last event at /m);
    assert.match(stdout, /^ *# +FIRST KEY +LAST KEY +OBJECTS +PHASES/m);
    assert.match(err, /already in it and are not replayed/, 'notes on stderr');
    assert.equal(new GifReader(readFileSync(out)).numFrames(), hours);
    assert.deepEqual(
      readdirSync(scratch).filter((f) => f.includes('.partial')),
      [],
      'no partial file left',
    );
  });

  it('prints JSON with --format json: frames, totals, partitions with keys, the end', async () => {
    const out = join(scratch, 'json.gif');
    const { code, out: stdout, err } = await cli([...sources, '--out', out, '--size', '32', '--layout', 'rows', '--segment-by', 'path:2', '--format', 'json']);
    assert.equal(code, EXIT_OK, err);
    const report = JSON.parse(stdout) as {
      frames: number;
      layout: string;
      totals: Record<string, number>;
      partitions: { firstKey: string; lastKey: string; phases: unknown[] }[];
      complete: boolean;
      estimatedEnd: unknown;
      anomalies: unknown[];
    };
    assert.equal(report.frames, truth.lifecycle.timeline.length);
    assert.equal(report.layout, 'rows');
    assert.equal(report.totals.gone, truth.lifecycle.objects);
    assert.equal(report.complete, true);
    assert.equal(report.estimatedEnd, null);
    assert.deepEqual(report.anomalies, []);
    assert.ok(report.partitions.length > 0 && report.partitions.every((p) => p.firstKey <= p.lastKey && p.phases.length > 0));
  });

  it('keeps to --prefix: the objects under it, their events, totals and partitions; the scope in the text and the JSON', async () => {
    // The expectation from the generated files: the snapshot's keys under the prefix, the hours of their log lines, truth.json's unused objects under it.
    const deletion = readGeneratedDeletion(dir);
    // The top-level folder with the most objects the rule deleted.
    const deletedUnder = new Map<string, number>();
    for (const u of deletion.truth.unusedPrefixes)
      deletedUnder.set(`${u.prefix.split('/')[0]}/`, (deletedUnder.get(`${u.prefix.split('/')[0]}/`) ?? 0) + u.objects);
    const prefix = [...deletedUnder].sort((a, b) => b[1] - a[1])[0]![0];
    const keys = new Set(deletion.keys.filter((k) => k.startsWith(prefix)));
    const hours = deletion.events.filter((e) => keys.has(deletion.keys[e.object]!)).map((e) => Math.floor(e.time / 3_600_000));
    const frames = Math.max(...hours) - Math.min(...hours) + 1;
    const gone = deletion.truth.unusedPrefixes.filter((u) => `${u.prefix}/`.startsWith(prefix)).reduce((n, u) => n + u.objects, 0);
    assert.ok(keys.size > 0 && keys.size < deletion.keys.length && gone > 0, `${keys.size} keys, ${gone} deleted under ${prefix}`);

    const out = join(scratch, 'prefix.gif');
    const json = await cli([...sources, '--out', out, '--size', '32', '--prefix', prefix, '--format', 'json']);
    assert.equal(json.code, EXIT_OK, json.err);
    const report = JSON.parse(json.out) as {
      prefix: string;
      bucket: string;
      objects: number;
      frames: number;
      totals: Record<string, number>;
      partitions: { firstKey: string; lastKey: string }[];
    };
    assert.equal(report.prefix, prefix);
    assert.equal(report.bucket, truth.generator.bucket);
    assert.equal(report.objects, keys.size);
    assert.equal(report.frames, frames);
    assert.equal(report.totals.gone, gone);
    assert.equal(
      Object.values(report.totals).reduce((n, c) => n + c, 0),
      keys.size,
    );
    assert.ok(report.partitions.length > 0 && report.partitions.every((p) => keys.has(p.firstKey) && keys.has(p.lastKey)));
    assert.equal(new GifReader(readFileSync(out)).numFrames(), frames);

    const text = await cli([...sources, '--out', out, '--size', '32', '--prefix', prefix]);
    assert.equal(text.code, EXIT_OK, text.err);
    const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(text.out, new RegExp(`^prefix +s3://${literal(truth.generator.bucket)}/${literal(prefix)}, inventory report `, 'm'));
    assert.match(text.out, new RegExp(`^objects +${keys.size.toLocaleString('en-US')} in the snapshot under ${literal(prefix)}; `, 'm'));

    const whole = await cli([...sources, '--out', out, '--size', '32', '--format', 'json']);
    assert.equal((JSON.parse(whole.out) as { prefix: string }).prefix, '', 'the whole bucket: an empty prefix');
  });

  it('answers every command-line mistake with what to write, exit code 2', async () => {
    const gif = join(scratch, 'x.gif');
    const cases: [string[], RegExp][] = [
      [[...sources], /--out FILE\.gif is required/],
      [[...sources, '--out', join(scratch, 'x.png')], /ends in \.gif/],
      [[...sources, '--out', gif, '--size', '0'], /--size must be a whole number from 1 to 4096/],
      [[...sources, '--out', gif, '--granularity', 'week'], /--granularity must be minute, hour, day/],
      [[...sources, '--out', gif, '--layout', 'spiral'], /--layout must be hilbert .* or rows/],
      [[...sources, '--out', gif, '--segment-by', 'chars:5'], /--segment-by takes characters:N .* or path:N/],
      [[...sources, '--out', gif, '--inventory-dt', '2026-04-01'], /--inventory-dt: .*yyyy-MM-dd-HH-mm/],
      [[...sources, '--out', gif, 'extra'], /takes no positional arguments/],
      [['--logs', join(dir, 'logs'), '--out', gif], /--inventory is required/],
      [['--inventory', join(dir, 'inventory'), '--out', gif], /--logs is required/],
      [[...sources, '--out', gif, '--format', 'csv'], /--format must be text or json/],
      [[...sources, '--out', gif, '--prefix', 'é'.repeat(513)], /--prefix is longer than any S3 key \(1024 bytes in UTF-8\)/],
    ];
    for (const [argv, message] of cases) {
      const { code, err } = await cli(argv);
      assert.equal(code, EXIT_USAGE, argv.join(' '));
      assert.match(err, message, argv.join(' '));
      assert.match(err, /Usage: s3-lifecycle render/);
    }
    assert.equal(existsSync(gif), false, 'nothing written');
    assert.deepEqual(parseSegmentBy('path:3'), { by: 'path', depth: 3 });
    assert.deepEqual(parseSegmentBy('characters:12'), { by: 'characters', length: 12 });
  });

  it('says what to do when the logs have no lifecycle events for the bucket', async () => {
    const { code, err } = await cli([...sources, '--out', join(scratch, 'none.gif'), '--bucket', 'another-bucket']);
    assert.equal(code, EXIT_USAGE);
    assert.match(err, /have no lifecycle events for bucket another-bucket .*give --logs the log folder of the bucket the lifecycle rule ran on/);
  });

  it('refuses a snapshot taken after the deletion began, and starts from an earlier report named by --inventory-dt', async () => {
    // A copy of the report, dated after the deletion: now the newest at the location.
    // (The manifest names its data files by their key in the destination bucket, inventory/…: the copy keeps that folder.)
    const config = join(scratch, 'copy', 'inventory');
    mkdirSync(config, { recursive: true });
    cpSync(join(dir, 'inventory'), config, { recursive: true });
    const configFolder = join(config, truth.generator.bucket, 'daily-full');
    const lastHour = truth.lifecycle.timeline.at(-1)!.bucket;
    const later = `${lastHour.slice(0, 10)}T23-00Z`;
    cpSync(join(configFolder, reportFolder), join(configFolder, later), { recursive: true });
    const copied = ['--inventory', configFolder, '--logs', join(dir, 'logs')];

    const refused = await cli([...copied, '--out', join(scratch, 'late.gif')]);
    assert.equal(refused.code, EXIT_USAGE);
    assert.match(refused.err, /the inventory report \S+ was taken after the deletion began .*Give --inventory-dt the date of a report from before/);

    const dt = reportFolder.replace('T', '-').replace('Z', '');
    const chosen = await cli([...copied, '--out', join(scratch, 'early.gif'), '--inventory-dt', dt, '--format', 'json']);
    assert.equal(chosen.code, EXIT_OK, chosen.err);
    const report = JSON.parse(chosen.out) as { inventoryDt: string; frames: number };
    assert.equal(report.inventoryDt, dt);
    assert.equal(report.frames, truth.lifecycle.timeline.length);

    const missing = await cli([...copied, '--out', join(scratch, 'missing.gif'), '--inventory-dt', '2020-01-01-00-00']);
    assert.equal(missing.code, EXIT_USAGE);
    assert.match(missing.err, /there is no inventory report dated 2020-01-01-00-00 beside .*give --inventory-dt the date of one of its reports/);
  });
});

// `s3-lifecycle query` over a generated estate on the local engine: output formats, --sql, errors.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../../src/cli/framework';
import { runCli } from '../../src/cli/main';
import type { EstateTruth } from '../../src/core/estate/generate';
import { parseCsvStream } from '../../src/engines/csvStream';
import { generateInto, smallEstateOptions } from './estate/fixture';

describe('s3-lifecycle query', () => {
  let dir: string;
  let cache: string;
  let truth: EstateTruth;
  let sources: string[];

  const cli = async (argv: string[]) => {
    let out = '';
    let err = '';
    const code = await runCli(
      argv,
      { out: (t) => (out += t), err: (t) => (err += t), env: { S3LIFECYCLE_CACHE_DIR: cache }, signal: new AbortController().signal },
      '9.9.9',
    );
    return { code, out, err };
  };

  before(async () => {
    ({ dir } = await generateInto(smallEstateOptions({ objects: 1500, days: 10 })));
    truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as EstateTruth;
    cache = mkdtempSync(join(tmpdir(), 's3ls-cli-cache-'));
    sources = ['--inventory', join(dir, 'inventory', truth.generator.bucket, 'daily-full'), '--logs', join(dir, 'logs')];
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  });

  it('prints unused_prefixes as JSON equal to truth.json, statistics on stderr', async () => {
    const { code, out, err } = await cli([
      'query',
      'unused_prefixes',
      '--param',
      `as_of=${truth.window.end}`,
      '--param',
      `days=${truth.window.days}`,
      ...sources,
      '--format',
      'json',
    ]);
    assert.equal(code, EXIT_OK, err);
    const rows = JSON.parse(out) as { prefix: string; objects: number }[];
    assert.deepEqual(
      rows.map((r) => [r.prefix, r.objects]),
      truth.unusedPrefixes.map((u) => [u.prefix, u.objects]),
    );
    assert.match(err, new RegExp(`${truth.unusedPrefixes.length} rows · .* read · `));
    assert.match(err, /access logs: \d+ files, \d+ records, 0 malformed lines/);
  });

  it('writes CSV a real CSV parser reads back (keys with commas, quotes and spaces)', async () => {
    const { code, out } = await cli([
      'query',
      'unused_prefix_keys',
      '--param',
      `as_of=${truth.window.end}`,
      '--param',
      `days=${truth.window.days}`,
      ...sources,
      '--format',
      'csv',
    ]);
    assert.equal(code, EXIT_OK);
    const records: string[][] = [];
    for await (const batch of parseCsvStream(
      (async function* () {
        yield Buffer.from(out);
      })(),
    ))
      records.push(...(batch as string[][]));
    assert.deepEqual(records[0], ['bucket', 'key', 'version_id']);
    assert.equal(records.length - 1, truth.summary.unusedObjects);
  });

  it('prints the rendered SQL, dependencies first, with --sql', async () => {
    const { code, out } = await cli(['query', 'unused_prefixes', '--param', 'as_of=2026-09-30', ...sources, '--sql']);
    assert.equal(code, EXIT_OK);
    const order = ['-- inventory_table', '-- access_log_table', '-- unused_prefixes'].map((h) => out.indexOf(h));
    assert.ok(
      order.every((i, n) => i >= 0 && (n === 0 || i > order[n - 1]!)),
      out.slice(0, 300),
    );
    assert.match(out, /DATE '2026-09-30'/);
  });

  it("exits 2 with every parameter problem, and 1 with the engine's reason", async () => {
    const bad = await cli(['query', 'unused_prefixes', '--param', 'days=1; DROP TABLE x', '--param', 'nope=1', ...sources]);
    assert.equal(bad.code, EXIT_USAGE);
    assert.match(bad.err, /days must be a whole number/);
    assert.match(bad.err, /no parameter "nope"/);
    assert.match(bad.err, /as_of is required/);
    const unknown = await cli(['query', 'no_such_template']);
    assert.equal(unknown.code, EXIT_USAGE);
    assert.match(unknown.err, /unused_prefixes/);
    const missing = await cli(['query', 'unused_prefixes', '--param', 'as_of=2026-09-30']);
    assert.equal(missing.code, EXIT_USAGE);
    assert.match(missing.err, /--inventory/);
    const nowhere = await cli(['query', 'storage_by_prefix', '--inventory', join(dir, 'nowhere')]);
    assert.equal(nowhere.code, EXIT_FAILURE);
    assert.match(nowhere.err, /no S3 Inventory manifest\.json/);
  });

  it('lists the templates with their parameters when none is named', async () => {
    const { code, out } = await cli(['query']);
    assert.equal(code, EXIT_OK);
    for (const name of [
      'inventory_table',
      'access_log_table',
      'access_by_prefix',
      'unused_prefixes',
      'unused_prefix_keys',
      'keys_with_prefix',
      'key_prefix_segment',
      'ordered_segment_intervals',
      'lifecycle_events',
      'grouped_events',
      'storage_by_prefix',
    ]) {
      assert.match(out, new RegExp(`^${name}$`, 'm'));
    }
    assert.match(out, /as_of = \(required\)/);
  });
});

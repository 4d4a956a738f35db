// The built CLI's `tag-expire` against a real S3 API (moto on loopback): what each option does is
// checked on the server — object tags, the bucket's lifecycle configuration, the manifest's body —
// not only in the output. Each test has its own bucket; runs live under a temp folder.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type LifecycleRule,
  type S3Client,
} from '@aws-sdk/client-s3';
import { BATCH_OPERATIONS_TAGGING_WARNING } from '../../src/aws/batchManifest';
import { DELETE_MARKER_RULE_ID, expirationRuleId } from '../../src/core/retention/lifecycleRule';
import { prefixOfFolder, prefixOfKey } from '../../src/core/prefix';
import { createRun } from '../../src/core/retention/runStore';
import { motoEndpoint, uniqueBucketName } from './moto';
import { europeanRequestProducts, startPriceListServer } from '../unit/priceListFixture';
import { createBucket, EXPIRE, motoClient, putAllTagged, putTagged, snapshotTags, tagsOf, type TagMap } from './taggingFixtures';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');
const KEEP = 's3-lifecycle-studio:keep';
const DAY_MS = 86_400_000;

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli.js tag-expire ARGS` against moto and waits for it to end. */
function tagExpire(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Exit> {
  const child = spawn(process.execPath, [CLI, 'tag-expire', ...args], {
    env: {
      ...process.env,
      S3LIFECYCLE_ENDPOINT: motoEndpoint(),
      S3LIFECYCLE_FORCE_PATH_STYLE: 'true',
      S3LIFECYCLE_REGION: 'us-east-1',
      NODE_NO_WARNINGS: '1',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function json<T>(exit: Exit): T {
  assert.equal(exit.code, 0, `exit ${exit.code}\nstdout: ${exit.stdout}\nstderr: ${exit.stderr}`);
  return JSON.parse(exit.stdout) as T;
}

/** The bucket's lifecycle rules as the server has them; [] when it has no configuration. */
async function lifecycleRules(client: S3Client, bucket: string): Promise<LifecycleRule[]> {
  try {
    return (await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? [];
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchLifecycleConfiguration') return [];
    throw error;
  }
}

async function objectExists(client: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw error;
  }
}

/** The default age limit: UTC midnight `days` days before today (either side of a midnight the test may straddle). */
function defaultOlderThan(days: number, at: Date): string {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()) - days * DAY_MS).toISOString();
}

interface RunSummary {
  runId: string;
  state: string;
  counts: { listed: number; tagged: number; skipped: Record<string, number>; failed: number };
  lifecycleRule: { change: string; verified: boolean } | null;
}

describe('s3-lifecycle tag-expire against S3', () => {
  let client: S3Client;
  let workDir: string;
  let runs = 0;
  /** A fresh run folder per CLI run of a test, so no run finds another's checkpoint. */
  const runDir = () => join(workDir, `runs-${++runs}`);

  before(() => {
    client = motoClient();
    workDir = mkdtempSync(join(tmpdir(), 's3ls-tag-expire-cli-'));
  });
  after(() => {
    client?.destroy();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('--dry-run changes no tag and writes no lifecycle configuration, and its JSON gives objects, bytes, requests and the rule diff', async () => {
    const bucket = uniqueBucketName('te-dry');
    await createBucket(client, bucket);
    const objects: [string, TagMap][] = [
      ['d/a.json', {}],
      ['d/b.json', { owner: 'team-a' }],
      ['d/c.json', { owner: 'team-b', tier: 'hot' }],
      ['d/deeper/x.json', {}],
    ];
    await putAllTagged(client, bucket, objects);
    const keys = objects.map(([k]) => k);
    const before = await snapshotTags(client, bucket, keys);

    const out = json<{
      dryRun: boolean;
      objects: number;
      bytes: number;
      requests: { getTagging: number; putTagging: number; headObject: number };
      keepTag: { key: string; value?: string } | null;
      olderThan: string | null;
      lifecycleRule: { change: string; diff: string };
    }>(await tagExpire(['--bucket', bucket, '--prefix', 'd', '--dry-run', '--all-ages', '--run-dir', runDir(), '--format', 'json']));
    assert.equal(out.dryRun, true);
    assert.equal(out.objects, 3, 'only the keys immediately under d/');
    assert.equal(
      out.bytes,
      ['d/a.json', 'd/b.json', 'd/c.json'].reduce((sum, k) => sum + Buffer.byteLength(k), 0),
      'each body is its key',
    );
    assert.equal(out.requests.getTagging, 6, 'a read, and a read again before each put');
    assert.equal(out.requests.putTagging, 3);
    assert.equal(out.requests.headObject, 3, 'unversioned: after each put, is it still the object listed?');
    assert.deepEqual(out.keepTag, { key: KEEP }, 'the keep tag is on by default');
    assert.equal(out.olderThan, null, '--all-ages sets no age limit');
    assert.equal(out.lifecycleRule.change, 'added');
    assert.ok(out.lifecycleRule.diff.includes(expirationRuleId(EXPIRE, 30)), out.lifecycleRule.diff);

    assert.deepEqual(await snapshotTags(client, bucket, keys), before, 'no tag changed');
    assert.deepEqual(await lifecycleRules(client, bucket), [], 'no lifecycle configuration was written');
  });

  it('the text dry run shows the keep tag and the default age limit, and counts the young objects it leaves alone', async () => {
    const bucket = uniqueBucketName('te-drytext');
    await createBucket(client, bucket);
    await putAllTagged(client, bucket, [
      ['d/a.json', {}],
      ['d/b.json', {}],
    ]);
    const startedAt = new Date();
    const exit = await tagExpire(['--bucket', bucket, '--prefix', 'd', '--dry-run', '--run-dir', runDir()]);
    assert.equal(exit.code, 0, exit.stderr);
    assert.match(exit.stdout, /Keep tag: objects tagged s3-lifecycle-studio:keep \(any value\) are never tagged/);
    const day = defaultOlderThan(30, startedAt).slice(0, 10);
    const nextDay = defaultOlderThan(30, new Date()).slice(0, 10);
    assert.ok(
      exit.stdout.includes(`Left alone: 2 modified on or after ${day}`) || exit.stdout.includes(`Left alone: 2 modified on or after ${nextDay}`),
      exit.stdout,
    );
    assert.match(exit.stdout, /30-day access window/);
    assert.deepEqual(await lifecycleRules(client, bucket), []);
  });

  it("prices the dry run's requests at the bucket region's prices from the Price List API", async () => {
    const bucket = uniqueBucketName('te-prices');
    await createBucket(client, bucket);
    await putAllTagged(client, bucket, [
      ['d/a.json', {}],
      ['d/b.json', {}],
    ]);
    const server = await startPriceListServer(europeanRequestProducts());
    try {
      const { endpoint } = server;
      // The prices are cached beside the query cache: a folder of this test's own.
      const cache = { S3LIFECYCLE_CACHE_DIR: join(runDir(), 'cache', 'query-cache') };
      const exit = await tagExpire(
        ['--bucket', bucket, '--prefix', 'd', '--dry-run', '--all-ages', '--run-dir', runDir(), '--region', 'eu-central-1', '--price-list-endpoint', endpoint],
        cache,
      );
      assert.equal(exit.code, 0, exit.stderr);
      assert.match(exit.stdout, /\(AWS Price List API prices for eu-central-1 \(read \d{4}-\d\d-\d\d, published 2026-11-20\)\)/);
      const out = json<{ requestCostUsd: number; requests: { getTagging: number; putTagging: number; headObject: number }; listRequests: number }>(
        await tagExpire(
          [
            '--bucket',
            bucket,
            '--prefix',
            'd',
            '--dry-run',
            '--all-ages',
            '--run-dir',
            runDir(),
            '--region',
            'eu-central-1',
            '--price-list-endpoint',
            endpoint,
            '--format',
            'json',
          ],
          cache,
        ),
      );
      const expected = ((out.listRequests + out.requests.putTagging) * 0.0054 + (out.requests.getTagging + out.requests.headObject) * 0.00043) / 1000;
      assert.ok(Math.abs(out.requestCostUsd - expected) < 1e-12, `${out.requestCostUsd} = ${expected}`);
    } finally {
      server.close();
    }
  });

  it('--tag k=v --days 7 puts exactly that tag beside the existing ones, and a rule expiring k=v after 7 days', async () => {
    const bucket = uniqueBucketName('te-tag');
    await createBucket(client, bucket);
    const original: [string, TagMap][] = [
      ['logs/a.log', {}],
      ['logs/b.log', { owner: 'team-a' }],
      ['logs/c.log', { owner: 'team-b', 'cost-center': '42' }],
    ];
    await putAllTagged(client, bucket, original);

    const summary = json<RunSummary>(
      await tagExpire([
        '--bucket',
        bucket,
        '--prefix',
        'logs',
        '--tag',
        'k=v',
        '--days',
        '7',
        '--all-ages',
        '--yes',
        '--run-dir',
        runDir(),
        '--format',
        'json',
      ]),
    );
    assert.equal(summary.state, 'finished');
    assert.equal(summary.counts.tagged, 3);
    assert.deepEqual(summary.lifecycleRule && { change: summary.lifecycleRule.change, verified: summary.lifecycleRule.verified }, {
      change: 'added',
      verified: true,
    });

    for (const [key, tags] of original) assert.deepEqual(await tagsOf(client, bucket, key), { ...tags, k: 'v' }, key);
    const rules = await lifecycleRules(client, bucket);
    assert.equal(rules.length, 1);
    const [rule] = rules;
    assert.equal(rule!.ID, 's3-lifecycle-studio-expire:7d:k=v', 'one rule per tag, named by the tag and the days');
    assert.equal(rule!.Status, 'Enabled');
    assert.deepEqual(rule!.Filter?.Tag, { Key: 'k', Value: 'v' });
    assert.equal(rule!.Expiration?.Days, 7);
  });

  it("takes --prefix verbatim as the analysis prefix: 'a/' tags a//old.txt only, 'a' tags a/live.txt only, '' the root's keys", async () => {
    const keys = ['a/live.txt', 'a//old.txt', 'a/b/deep.txt', 'a/marker/', 'top.txt', '/slash-top.txt'];
    // What the analysis (prefixOfKey, the SQL templates) says each key's prefix is: the selection must be exactly that.
    const expected = (prefix: string) => keys.filter((k) => prefixOfKey(k) === prefix).sort();
    assert.deepEqual(expected('a/'), ['a//old.txt']);
    assert.deepEqual(expected('a'), ['a/live.txt', 'a/marker/']);
    for (const prefix of ['a/', 'a', '']) {
      const bucket = uniqueBucketName('te-slash');
      await createBucket(client, bucket);
      await putAllTagged(
        client,
        bucket,
        keys.map((k): [string, TagMap] => [k, {}]),
      );
      const summary = json<RunSummary>(
        await tagExpire(['--bucket', bucket, '--prefix', prefix, '--all-ages', '--yes', '--no-lifecycle-rule', '--run-dir', runDir(), '--format', 'json']),
      );
      assert.equal(summary.state, 'finished', `--prefix '${prefix}'`);
      const tagged = [];
      for (const key of keys) if ((await tagsOf(client, bucket, key))[EXPIRE.key] === EXPIRE.value) tagged.push(key);
      assert.deepEqual(tagged.sort(), expected(prefix), `--prefix '${prefix}' tags the keys whose analysis prefix it is`);
    }
  });

  it("maps the tree's folder a// to the analysis prefix a/, and hints when --prefix 'x/' selects nothing but 'x' would", async () => {
    const bucket = uniqueBucketName('te-folder');
    await createBucket(client, bucket);
    await putAllTagged(client, bucket, [
      ['a/live.txt', {}],
      ['a//old.txt', {}],
      ['logs/x.csv', {}],
    ]);
    // The tree lists a/ with the delimiter and shows the common prefix a// as a folder.
    const level = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'a/', Delimiter: '/' }));
    const folder = (level.CommonPrefixes ?? []).map((cp) => cp.Prefix);
    assert.deepEqual(folder, ['a//']);
    const out = json<{ objects: number; byPrefix: { prefix: string; objects: number }[] }>(
      await tagExpire(['--bucket', bucket, '--prefix', prefixOfFolder(folder[0]!), '--all-ages', '--dry-run', '--format', 'json', '--run-dir', runDir()]),
    );
    assert.deepEqual(
      out.byPrefix.map((p) => [p.prefix, p.objects]),
      [['a/', 1]],
      'the folder a// holds a//old.txt, whose analysis prefix is a/',
    );
    assert.equal(out.objects, 1);

    const dry = await tagExpire(['--bucket', bucket, '--prefix', 'logs/', '--all-ages', '--dry-run', '--run-dir', runDir()]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stderr, /hint: --prefix 'logs\/' .* selects nothing to tag here; --prefix 'logs' would select .*logs\/x\.csv/);
    const fine = await tagExpire(['--bucket', bucket, '--prefix', 'a/', '--all-ages', '--dry-run', '--run-dir', runDir()]);
    assert.doesNotMatch(fine.stderr, /hint:/, 'a prefix that selects something gets no hint');
  });

  it('by default leaves an object carrying s3-lifecycle-studio:keep untagged, and tags it with --no-keep-tag', async () => {
    const bucket = uniqueBucketName('te-keep');
    await createBucket(client, bucket);
    await putTagged(client, bucket, 'p/kept.json', { [KEEP]: 'legal-hold', owner: 'team-a' });
    await putTagged(client, bucket, 'p/plain.json', {});

    const first = json<RunSummary>(
      await tagExpire(['--bucket', bucket, '--prefix', 'p', '--all-ages', '--yes', '--no-lifecycle-rule', '--run-dir', runDir(), '--format', 'json']),
    );
    assert.equal(first.counts.tagged, 1);
    assert.equal(first.counts.skipped.keepTag, 1);
    assert.deepEqual(await tagsOf(client, bucket, 'p/kept.json'), { [KEEP]: 'legal-hold', owner: 'team-a' }, 'the kept object was not tagged');
    assert.deepEqual(await tagsOf(client, bucket, 'p/plain.json'), { [EXPIRE.key]: EXPIRE.value });

    const conflict = await tagExpire([
      '--bucket',
      bucket,
      '--prefix',
      'p',
      '--all-ages',
      '--yes',
      '--keep-tag',
      'hold',
      '--no-keep-tag',
      '--run-dir',
      runDir(),
    ]);
    assert.equal(conflict.code, 2, conflict.stderr);
    assert.match(conflict.stderr, /--keep-tag and --no-keep-tag/);

    const second = json<RunSummary>(
      await tagExpire([
        '--bucket',
        bucket,
        '--prefix',
        'p',
        '--all-ages',
        '--no-keep-tag',
        '--yes',
        '--no-lifecycle-rule',
        '--run-dir',
        runDir(),
        '--format',
        'json',
      ]),
    );
    assert.equal(second.counts.tagged, 1);
    assert.equal(second.counts.skipped.alreadyTagged, 1);
    assert.deepEqual(await tagsOf(client, bucket, 'p/kept.json'), { [KEEP]: 'legal-hold', owner: 'team-a', [EXPIRE.key]: EXPIRE.value });
  });

  it('by default leaves objects modified within the access window alone; --all-ages or a later --older-than tags them', async () => {
    const bucket = uniqueBucketName('te-age');
    await createBucket(client, bucket);
    // moto dates every object "now", so all of them are young under the default 30-day window.
    await putAllTagged(client, bucket, [
      ['a/1.json', {}],
      ['a/2.json', {}],
      ['b/1.json', { owner: 'team-a' }],
    ]);

    const byDefault = await tagExpire(['--bucket', bucket, '--prefix', 'a', '--prefix', 'b', '--yes', '--run-dir', runDir()]);
    assert.equal(byDefault.code, 0, byDefault.stderr);
    assert.match(byDefault.stderr, /Nothing to tag under these prefixes/);
    assert.match(byDefault.stderr, /3 objects modified on or after \d{4}-\d{2}-\d{2} were left alone as young; pass --all-ages/);
    assert.deepEqual(Object.fromEntries(await snapshotTags(client, bucket, ['a/1.json', 'a/2.json', 'b/1.json'])), {
      'a/1.json': {},
      'a/2.json': {},
      'b/1.json': { owner: 'team-a' },
    });
    assert.deepEqual(await lifecycleRules(client, bucket), [], 'nothing to tag: no rule either');

    const window = json<{ objects: number; young: number; olderThan: string }>(
      await tagExpire(['--bucket', bucket, '--prefix', 'a', '--window-days', '5', '--dry-run', '--run-dir', runDir(), '--format', 'json']),
    );
    assert.deepEqual({ objects: window.objects, young: window.young }, { objects: 0, young: 2 });
    assert.ok([defaultOlderThan(5, new Date(Date.now() - 60_000)), defaultOlderThan(5, new Date())].includes(window.olderThan), window.olderThan);

    const allAges = json<RunSummary>(
      await tagExpire(['--bucket', bucket, '--prefix', 'a', '--all-ages', '--yes', '--no-lifecycle-rule', '--run-dir', runDir(), '--format', 'json']),
    );
    assert.equal(allAges.counts.tagged, 2);
    assert.deepEqual(await tagsOf(client, bucket, 'a/1.json'), { [EXPIRE.key]: EXPIRE.value });
    assert.deepEqual(await tagsOf(client, bucket, 'a/2.json'), { [EXPIRE.key]: EXPIRE.value });

    const later = json<RunSummary>(
      await tagExpire([
        '--bucket',
        bucket,
        '--prefix',
        'b',
        '--older-than',
        '2999-01-01',
        '--yes',
        '--no-lifecycle-rule',
        '--run-dir',
        runDir(),
        '--format',
        'json',
      ]),
    );
    assert.equal(later.counts.tagged, 1);
    assert.deepEqual(await tagsOf(client, bucket, 'b/1.json'), { owner: 'team-a', [EXPIRE.key]: EXPIRE.value });
  });

  it('refuses --older-than with --all-ages, and --window-days with --older-than, with exit code 2 and nothing changed', async () => {
    const bucket = uniqueBucketName('te-ageusage');
    await createBucket(client, bucket);
    await putTagged(client, bucket, 'a/1.json', {});
    for (const args of [
      ['--older-than', '2999-01-01', '--all-ages'],
      ['--window-days', '10', '--older-than', '2999-01-01'],
      ['--window-days', '0'],
      ['--window-days', '3651'],
    ]) {
      const exit = await tagExpire(['--bucket', bucket, '--prefix', 'a', '--yes', '--run-dir', runDir(), ...args]);
      assert.equal(exit.code, 2, `${args.join(' ')}: ${exit.stderr}`);
      assert.match(
        exit.stderr,
        args[0] === '--window-days' && args.length === 2 ? /--window-days must be a whole number from 1 to 3650/ : /give/,
        args.join(' '),
      );
    }
    assert.deepEqual(await tagsOf(client, bucket, 'a/1.json'), {});
    assert.deepEqual(await lifecycleRules(client, bucket), []);
  });

  it('--delete-marker-rule on a versioned bucket adds the separate ExpiredObjectDeleteMarker rule without a tag filter', async () => {
    const bucket = uniqueBucketName('te-markers');
    await createBucket(client, bucket, { versioned: true });
    await putTagged(client, bucket, 'v/a.json', {});
    const versionId = await putTagged(client, bucket, 'v/a.json', { owner: 'team-a' });
    assert.ok(versionId, 'moto gives versions ids');

    const summary = json<RunSummary>(
      await tagExpire([
        '--bucket',
        bucket,
        '--prefix',
        'v',
        '--all-ages',
        '--delete-marker-rule',
        '--days',
        '9',
        '--yes',
        '--run-dir',
        runDir(),
        '--format',
        'json',
      ]),
    );
    assert.equal(summary.counts.tagged, 1);
    assert.deepEqual(await tagsOf(client, bucket, 'v/a.json', versionId), { owner: 'team-a', [EXPIRE.key]: EXPIRE.value }, 'the current version is tagged');

    const rules = await lifecycleRules(client, bucket);
    assert.deepEqual(rules.map((r) => r.ID).sort(), [DELETE_MARKER_RULE_ID, expirationRuleId(EXPIRE, 9)].sort());
    const expire = rules.find((r) => r.ID === expirationRuleId(EXPIRE, 9))!;
    assert.deepEqual(expire.Filter?.Tag, { Key: EXPIRE.key, Value: EXPIRE.value });
    assert.equal(expire.Expiration?.Days, 9);
    assert.equal(expire.NoncurrentVersionExpiration?.NoncurrentDays, 9);
    const markers = rules.find((r) => r.ID === DELETE_MARKER_RULE_ID)!;
    assert.equal(markers.Status, 'Enabled');
    assert.equal(markers.Expiration?.ExpiredObjectDeleteMarker, true);
    assert.equal(markers.Filter?.Tag, undefined, 'no tag filter: S3 refuses one beside ExpiredObjectDeleteMarker');
    assert.equal(markers.Filter?.And, undefined);
  });

  it('--undo RUN_ID restores the exact tag sets the objects had before the run', async () => {
    const bucket = uniqueBucketName('te-undo');
    await createBucket(client, bucket);
    const original: [string, TagMap][] = [
      ['u/none.json', {}],
      ['u/one.json', { owner: 'team-a' }],
      ['u/two.json', { owner: 'team-b', 'cost-center': '42' }],
    ];
    await putAllTagged(client, bucket, original);
    const keys = original.map(([k]) => k);
    const dir = runDir();

    const run = json<RunSummary>(await tagExpire(['--bucket', bucket, '--prefix', 'u', '--all-ages', '--yes', '--run-dir', dir, '--format', 'json']));
    assert.equal(run.counts.tagged, 3);
    for (const [key, tags] of original) assert.deepEqual(await tagsOf(client, bucket, key), { ...tags, [EXPIRE.key]: EXPIRE.value }, key);

    const undone = json<{ state: string; restored: number; failed: number }>(await tagExpire(['--undo', run.runId, '--run-dir', dir, '--format', 'json']));
    assert.equal(undone.state, 'finished');
    assert.equal(undone.restored, 3);
    assert.equal(undone.failed, 0);
    assert.deepEqual(Object.fromEntries(await snapshotTags(client, bucket, keys)), Object.fromEntries(original));
  });

  it('--resume shows the preview again and asks before it changes anything; declined, nothing changes', async () => {
    const bucket = uniqueBucketName('te-resume-ask');
    await createBucket(client, bucket);
    const original: [string, TagMap][] = [
      ['r/a.json', { owner: 'team-a' }],
      ['r/b.json', {}],
    ];
    await putAllTagged(client, bucket, original);
    const dir = runDir();
    // A run that stopped before it did anything (or a run file someone left in the folder).
    const stopped = await createRun(dir, {
      kind: 'tag',
      bucket,
      prefixes: ['r'],
      tag: EXPIRE,
      keepTag: null,
      exemptGlobs: [],
      olderThan: null,
      lifecycleRule: { days: 3, noncurrentDays: null, deleteMarkerRule: false, expectBefore: [] },
    });
    await stopped.update({ state: 'cancelled' });
    await stopped.close();

    const asked = await tagExpire(['--resume', stopped.id, '--run-dir', dir]);
    assert.notEqual(asked.code, 0, asked.stderr);
    assert.match(asked.stderr, new RegExp(`Resuming run ${stopped.id}`));
    assert.match(asked.stderr, /Dry run for s3:\/\//, 'the preview is shown again');
    assert.match(asked.stderr, /pass --yes .*Nothing was changed/);
    assert.deepEqual(Object.fromEntries(await snapshotTags(client, bucket, ['r/a.json', 'r/b.json'])), Object.fromEntries(original));
    assert.deepEqual(await lifecycleRules(client, bucket), [], 'no rule was written');

    const resumed = json<RunSummary>(await tagExpire(['--resume', stopped.id, '--run-dir', dir, '--yes', '--format', 'json']));
    assert.equal(resumed.runId, stopped.id);
    assert.equal(resumed.counts.tagged, 2);
    assert.deepEqual(await tagsOf(client, bucket, 'r/a.json'), { owner: 'team-a', [EXPIRE.key]: EXPIRE.value });
  });

  it('--resume refuses a run whose job.json was edited since it was created (keep tag removed, a 1-day rule)', async () => {
    const bucket = uniqueBucketName('te-resume-edit');
    await createBucket(client, bucket);
    await putAllTagged(client, bucket, [['e/kept.json', { [KEEP]: 'yes' }]]);
    const dir = runDir();
    const stopped = await createRun(dir, {
      kind: 'tag',
      bucket,
      prefixes: ['e'],
      tag: EXPIRE,
      keepTag: { key: KEEP },
      exemptGlobs: [],
      olderThan: null,
      lifecycleRule: { days: 30, noncurrentDays: null, deleteMarkerRule: false, expectBefore: [] },
    });
    await stopped.close();
    const path = join(stopped.dir, 'job.json');
    const job = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify({ ...job, spec: { ...job.spec, keepTag: null, lifecycleRule: { ...job.spec.lifecycleRule, days: 1 } } }));
    const refused = await tagExpire(['--resume', stopped.id, '--run-dir', dir, '--yes']);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /does not match the digest/);
    assert.deepEqual(await tagsOf(client, bucket, 'e/kept.json'), { [KEEP]: 'yes' }, 'the object with the keep tag is not tagged');
    assert.deepEqual(await lifecycleRules(client, bucket), []);
  });

  it('--batch-manifest writes the objects to tag as a CSV with URL-encoded keys, and changes no tag and no rule', async () => {
    const bucket = uniqueBucketName('te-manifest');
    await createBucket(client, bucket);
    const original: [string, TagMap][] = [
      ['m/a b.txt', {}],
      ['m/x+y.txt', { owner: 'team-a' }],
      ['m/plain.json', {}],
      ['m/deeper/not-listed.json', {}],
      ['other/not-listed.json', {}],
    ];
    await putAllTagged(client, bucket, original);
    const keys = original.map(([k]) => k);
    const location = `s3://${bucket}/manifests/m.csv`;

    const young = await tagExpire(['--bucket', bucket, '--prefix', 'm', '--batch-manifest', location, '--run-dir', runDir()]);
    assert.equal(young.code, 1, young.stderr);
    assert.match(young.stderr, /no manifest was written/i);
    assert.match(young.stderr, /--all-ages/);
    assert.equal(await objectExists(client, bucket, 'manifests/m.csv'), false, 'by default the young objects are not listed, so there is nothing to write');

    const exit = await tagExpire(['--bucket', bucket, '--prefix', 'm', '--all-ages', '--batch-manifest', location, '--run-dir', runDir(), '--format', 'json']);
    const out = json<{ batchManifest: string; rows: number; fields: string[] }>(exit);
    assert.equal(out.batchManifest, location);
    assert.equal(out.rows, 3);
    assert.deepEqual(out.fields, ['Bucket', 'Key']);
    assert.ok(exit.stderr.includes(BATCH_OPERATIONS_TAGGING_WARNING), exit.stderr);

    const body = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'manifests/m.csv' }))).Body!.transformToString();
    assert.deepEqual(body.split('\n').filter(Boolean).sort(), [`${bucket},m/a%20b.txt`, `${bucket},m/plain.json`, `${bucket},m/x%2By.txt`].sort());
    assert.ok(body.endsWith('\n'));

    assert.deepEqual(Object.fromEntries(await snapshotTags(client, bucket, keys)), Object.fromEntries(original), 'no tag changed');
    assert.deepEqual(await lifecycleRules(client, bucket), [], 'no lifecycle configuration was written');

    const again = await tagExpire(['--bucket', bucket, '--prefix', 'm', '--all-ages', '--batch-manifest', location, '--run-dir', runDir()]);
    assert.equal(again.code, 1, again.stderr);
    assert.match(again.stderr, /already exists/);
    assert.equal(
      await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'manifests/m.csv' }))).Body!.transformToString(),
      body,
      'the manifest is never replaced',
    );
  });

  it('--batch-manifest with --dry-run, --resume or --undo exits 2 and writes nothing', async () => {
    const bucket = uniqueBucketName('te-manifestusage');
    await createBucket(client, bucket);
    await putTagged(client, bucket, 'm/a.json', {});
    const location = `s3://${bucket}/m.csv`;
    for (const args of [
      ['--bucket', bucket, '--prefix', 'm', '--all-ages', '--dry-run'],
      ['--resume', '--bucket', bucket, '--prefix', 'm'],
      ['--undo', 'some-run'],
    ]) {
      const exit = await tagExpire([...args, '--batch-manifest', location, '--run-dir', runDir()]);
      assert.equal(exit.code, 2, `${args.join(' ')}: ${exit.stderr}`);
      assert.match(exit.stderr, /--batch-manifest .*cannot be combined with --dry-run, --resume or --undo/);
    }
    const folder = await tagExpire(['--bucket', bucket, '--prefix', 'm', '--all-ages', '--batch-manifest', `s3://${bucket}/manifests/`, '--run-dir', runDir()]);
    assert.equal(folder.code, 2, folder.stderr);
    assert.match(folder.stderr, /is a folder; give the manifest's own key/);
    assert.equal(await objectExists(client, bucket, 'm.csv'), false);
    assert.deepEqual(await tagsOf(client, bucket, 'm/a.json'), {});
  });
});

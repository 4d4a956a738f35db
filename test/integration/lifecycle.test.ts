// Our lifecycle rules on a real S3 API (moto on loopback): read → merge → write → read back, other
// people's rules kept exactly, nothing written when nothing changes, and a concurrent writer caught.
// moto normalises some rules when it stores them (it drops ObjectSize* filters and NewerNoncurrentVersions
// in NoncurrentVersionExpiration, keeps rules without an ID as such, and flips an empty tag value between
// '' and absent on each round trip), so foreign rules are compared as moto returns them before our write
// with how it returns them after, and rulesEqual reads an absent tag value as ''.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  CreateBucketCommand,
  GetBucketLifecycleConfigurationCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  S3Client,
  type LifecycleRule,
} from '@aws-sdk/client-s3';
import { LifecycleConflictError, ensureExpirationRule, isVersioned, readLifecycleRules, removeExpirationRule } from '../../src/aws/lifecycle';
import { Random } from '../../src/core/random';
import { DELETE_MARKER_RULE_ID, EXPIRATION_RULE_ID, ExpirationRuleConflictError, deleteMarkerRule, rulesEqual } from '../../src/core/retention/lifecycleRule';
import { randomConfiguration } from '../unit/lifecycleFixture';
import { motoEndpoint, uniqueBucketName } from './moto';

interface Observed {
  commands: string[];
  putInputs: Record<string, unknown>[];
  putHeaders: Record<string, string>[];
}

/** Records what the client sends — command names, the lifecycle write's input and its final headers. */
function observe(client: S3Client): Observed {
  const observed: Observed = { commands: [], putInputs: [], putHeaders: [] };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      observed.commands.push(context.commandName ?? '');
      if (context.commandName === 'PutBucketLifecycleConfigurationCommand') observed.putInputs.push(args.input as Record<string, unknown>);
      return next(args);
    },
    { step: 'initialize', name: 'observeCommands' },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PutBucketLifecycleConfigurationCommand')
        observed.putHeaders.push({ ...(args.request as { headers: Record<string, string> }).headers });
      return next(args);
    },
    { step: 'finalizeRequest', name: 'observeHeaders' },
  );
  return observed;
}

const TAG = { key: 's3-lifecycle-studio', value: 'expire' };
/** One rule per tag: its ID names the tag and the days. */
const ruleId = (days: number, tag = TAG) => `s3-lifecycle-studio-expire:${days}d:${tag.key}=${tag.value}`;

/** Our rule as S3 documents it, written out here rather than taken from the code under test. */
function expectedRule(days: number, versioned: boolean, noncurrentDays = days): LifecycleRule {
  return {
    ID: ruleId(days),
    Status: 'Enabled',
    Filter: { Tag: { Key: TAG.key, Value: TAG.value } },
    Expiration: { Days: days },
    ...(versioned ? { NoncurrentVersionExpiration: { NoncurrentDays: noncurrentDays } } : {}),
  };
}

const writes = (observed: Observed) =>
  observed.commands.filter((c) => c === 'PutBucketLifecycleConfigurationCommand' || c === 'DeleteBucketLifecycleCommand').length;

describe('lifecycle rules on moto', () => {
  const endpoint = motoEndpoint();
  const clientOptions = { endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  let client: S3Client;
  let observed: Observed;

  before(() => {
    client = new S3Client(clientOptions);
    observed = observe(client);
  });
  after(() => client?.destroy());

  async function newBucket(purpose: string, options: { versioning?: 'Enabled' | 'Suspended'; rules?: LifecycleRule[] } = {}): Promise<string> {
    const bucket = uniqueBucketName(purpose);
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    if (options.versioning) await client.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: options.versioning } }));
    if (options.rules) await client.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: options.rules } }));
    return bucket;
  }

  const foreignRules: LifecycleRule[] = [
    { ID: 'logs-30d', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 30 } },
    {
      ID: 'archive',
      Status: 'Disabled',
      Filter: { Tag: { Key: 'tier', Value: 'cold' } },
      Transitions: [
        { Days: 30, StorageClass: 'GLACIER' },
        { Days: 120, StorageClass: 'DEEP_ARCHIVE' },
      ],
    },
    {
      ID: 'multi',
      Status: 'Enabled',
      Filter: {
        And: {
          Prefix: 'x/',
          Tags: [
            { Key: 'a', Value: '1' },
            { Key: 'b', Value: '2' },
          ],
        },
      },
      NoncurrentVersionExpiration: { NoncurrentDays: 5 },
    },
    { ID: 'legacy', Status: 'Enabled', Prefix: 'old/', Expiration: { Date: new Date('2031-01-01T00:00:00Z') } },
    { ID: 'uploads', Status: 'Enabled', Filter: {}, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } },
  ];

  it('tells versioned buckets (enabled or suspended) from unversioned ones', async () => {
    assert.equal(await isVersioned(client, await newBucket('lc-plain')), false);
    assert.equal(await isVersioned(client, await newBucket('lc-ver', { versioning: 'Enabled' })), true);
    assert.equal(await isVersioned(client, await newBucket('lc-susp', { versioning: 'Suspended' })), true);
  });

  it('adds our rule to a bucket without a lifecycle configuration, with the checksum S3 requires', async () => {
    const bucket = await newBucket('lc-empty');
    assert.deepEqual(await readLifecycleRules(client, bucket), []);
    const headersBefore = observed.putHeaders.length;
    const result = await ensureExpirationRule(client, bucket, { tag: TAG, days: 14, dryRun: false });
    assert.equal(result.change, 'added');
    assert.equal(result.written, true);
    assert.equal(result.verified, true);
    assert.equal(result.versioned, false);
    assert.deepEqual(result.before, []);
    const onServer = await readLifecycleRules(client, bucket);
    assert.equal(onServer.length, 1);
    assert.ok(rulesEqual(onServer[0]!, expectedRule(14, false)), JSON.stringify(onServer));
    const headers = observed.putHeaders[headersBefore]!;
    assert.ok(
      Object.keys(headers).some((h) => /^(x-amz-checksum-|content-md5$)/i.test(h)),
      `a checksum header among ${Object.keys(headers).join(', ')}`,
    );
  });

  it('keeps every other rule exactly and appends ours; the read-back equals what was written', async () => {
    const bucket = await newBucket('lc-foreign', { rules: foreignRules });
    const asStored = await readLifecycleRules(client, bucket);
    const result = await ensureExpirationRule(client, bucket, { tag: TAG, days: 14, dryRun: false });
    assert.equal(result.change, 'added');
    const onServer = await readLifecycleRules(client, bucket);
    assert.equal(onServer.length, foreignRules.length + 1);
    asStored.forEach((rule, i) => assert.ok(rulesEqual(onServer[i]!, rule), `foreign rule ${rule.ID} unchanged: ${JSON.stringify(onServer[i])}`));
    assert.ok(rulesEqual(onServer.at(-1)!, expectedRule(14, false)));
    onServer.forEach((rule, i) => assert.ok(rulesEqual(rule, result.after[i]!), `rule ${i} read back as written`));
    assert.match(result.diff, /\(1 added, 0 updated, 0 removed, 5 unchanged\)/);
  });

  it('writes nothing when run again, and refuses other days for the same tag rather than change the earlier objects', async () => {
    const bucket = await newBucket('lc-twice', { rules: foreignRules });
    await ensureExpirationRule(client, bucket, { tag: TAG, days: 14, dryRun: false });
    const writesBefore = writes(observed);
    const again = await ensureExpirationRule(client, bucket, { tag: TAG, days: 14, dryRun: false });
    assert.equal(again.change, 'unchanged');
    assert.equal(again.written, false);
    assert.equal(again.verified, true);
    assert.equal(again.ruleId, ruleId(14));
    assert.equal(writes(observed), writesBefore, 'no lifecycle write');

    const before = await readLifecycleRules(client, bucket);
    for (const dryRun of [true, false])
      await assert.rejects(
        ensureExpirationRule(client, bucket, { tag: TAG, days: 45, dryRun }),
        (e: unknown) =>
          e instanceof ExpirationRuleConflictError &&
          e.message.includes(`already expires after 14 days under rule "${ruleId(14)}"`) &&
          /another tag value/.test(e.message),
      );
    assert.equal(writes(observed), writesBefore, 'nothing written');
    const onServer = await readLifecycleRules(client, bucket);
    assert.equal(onServer.length, before.length);
    onServer.forEach((rule, i) => assert.ok(rulesEqual(rule, before[i]!)));
  });

  it("two runs with other tags and days: the second adds its own rule, and the first run's rule is untouched", async () => {
    const bucket = await newBucket('lc-two-runs', { rules: foreignRules.slice(0, 1) });
    const first = await ensureExpirationRule(client, bucket, { tag: TAG, days: 30, dryRun: false });
    const firstRule = (await readLifecycleRules(client, bucket)).find((r) => r.ID === first.ruleId)!;
    const other = { key: 's3-lifecycle-studio', value: 'expire-7d' };
    const second = await ensureExpirationRule(client, bucket, { tag: other, days: 7, dryRun: false });
    assert.equal(second.change, 'added');
    assert.notEqual(second.ruleId, first.ruleId);
    const onServer = await readLifecycleRules(client, bucket);
    assert.deepEqual(
      onServer.map((r) => r.ID),
      ['logs-30d', ruleId(30), ruleId(7, other)],
    );
    assert.ok(
      rulesEqual(
        onServer.find((r) => r.ID === first.ruleId)!,
        firstRule,
      ),
      "the first run's rule is as it was",
    );
    assert.deepEqual(onServer.find((r) => r.ID === first.ruleId)!.Expiration, { Days: 30 });
  });

  it('reads a configuration with the legacy shared rule ID as the rule of its tag: the same tag and days write nothing, another tag adds its own', async () => {
    const legacy: LifecycleRule = { ID: EXPIRATION_RULE_ID, Status: 'Enabled', Filter: { Tag: { Key: TAG.key, Value: TAG.value } }, Expiration: { Days: 30 } };
    const bucket = await newBucket('lc-legacy', { rules: [foreignRules[0]!, legacy] });
    const writesBefore = writes(observed);
    const same = await ensureExpirationRule(client, bucket, { tag: TAG, days: 30, dryRun: false });
    assert.equal(same.change, 'unchanged');
    assert.equal(same.ruleId, EXPIRATION_RULE_ID);
    assert.equal(writes(observed), writesBefore, 'no write: the legacy rule already is the rule of this tag');
    await assert.rejects(ensureExpirationRule(client, bucket, { tag: TAG, days: 9, dryRun: false }), ExpirationRuleConflictError);
    const other = { key: 'team', value: 'old' };
    await ensureExpirationRule(client, bucket, { tag: other, days: 9, dryRun: false });
    const onServer = await readLifecycleRules(client, bucket);
    assert.deepEqual(
      onServer.map((r) => r.ID),
      ['logs-30d', EXPIRATION_RULE_ID, ruleId(9, other)],
    );
    assert.ok(rulesEqual(onServer[1]!, legacy), 'the legacy rule keeps expiring its objects after 30 days');
  });

  /** A client whose first lifecycle read is followed at once by another writer's change (before our write). */
  function clientWithRivalAfterRead(bucket: string, change: (rules: LifecycleRule[]) => LifecycleRule[]): { racing: S3Client; destroy(): void } {
    const rival = new S3Client(clientOptions);
    const racing = new S3Client(clientOptions);
    let done = false;
    racing.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (!done && context.commandName === 'GetBucketLifecycleConfigurationCommand') {
          done = true;
          const rules = change(await readLifecycleRules(rival, bucket));
          await rival.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: rules } }));
        }
        return out;
      },
      { step: 'initialize', name: 'rivalAfterRead' },
    );
    return {
      racing,
      destroy: () => {
        rival.destroy();
        racing.destroy();
      },
    };
  }

  it('re-reads right before writing and refuses when someone wrote since the read the change was computed from', async () => {
    const bucket = await newBucket('lc-cas', { rules: foreignRules.slice(0, 2) });
    const { racing, destroy } = clientWithRivalAfterRead(bucket, (rules) => [
      ...rules,
      { ID: 'rivals-rule', Status: 'Enabled', Filter: { Prefix: 'r/' }, Expiration: { Days: 3 } },
    ]);
    try {
      await assert.rejects(
        ensureExpirationRule(racing, bucket, { tag: TAG, days: 14, dryRun: false }),
        (e: unknown) => e instanceof LifecycleConflictError && /rule "rivals-rule" was added/.test(e.message) && /nothing was written/.test(e.message),
      );
    } finally {
      destroy();
    }
    const onServer = await readLifecycleRules(client, bucket);
    assert.deepEqual(
      onServer.map((r) => r.ID),
      ['logs-30d', 'archive', 'rivals-rule'],
      "the rival's rule is not lost, and ours was not written",
    );
  });

  it('guards the removal the same way', async () => {
    const bucket = await newBucket('lc-cas-remove', { rules: foreignRules.slice(0, 1) });
    await ensureExpirationRule(client, bucket, { tag: TAG, days: 14, dryRun: false });
    const { racing, destroy } = clientWithRivalAfterRead(bucket, (rules) => rules.map((r) => (r.ID === 'logs-30d' ? { ...r, Expiration: { Days: 60 } } : r)));
    try {
      await assert.rejects(
        removeExpirationRule(racing, bucket, { ruleIds: [ruleId(14)] }),
        (e: unknown) => e instanceof LifecycleConflictError && /rule "logs-30d" was changed/.test(e.message),
      );
    } finally {
      destroy();
    }
    const onServer = await readLifecycleRules(client, bucket);
    assert.deepEqual(
      onServer.map((r) => r.ID),
      ['logs-30d', ruleId(14)],
    );
    assert.deepEqual(onServer[0]!.Expiration, { Days: 60 }, "the rival's change stays");
  });

  it('expires noncurrent versions too in a versioned bucket', async () => {
    const bucket = await newBucket('lc-versioned', { versioning: 'Enabled' });
    const result = await ensureExpirationRule(client, bucket, { tag: TAG, days: 10, noncurrentDays: 3, dryRun: false });
    assert.equal(result.versioned, true);
    const [rule] = await readLifecycleRules(client, bucket);
    assert.deepEqual(rule!.NoncurrentVersionExpiration, { NoncurrentDays: 3 });
    assert.ok(rulesEqual(rule!, expectedRule(10, true, 3)));
  });

  it('writes nothing on a dry run, yet shows the diff it would apply', async () => {
    const bucket = await newBucket('lc-dry', { rules: foreignRules });
    const asStored = await readLifecycleRules(client, bucket);
    const writesBefore = writes(observed);
    const result = await ensureExpirationRule(client, bucket, { tag: TAG, days: 14, deleteMarkerRule: true, dryRun: true });
    assert.equal(writes(observed), writesBefore);
    assert.equal(result.written, false);
    assert.equal(result.verified, false);
    assert.equal(result.change, 'added');
    assert.equal(result.after.length, foreignRules.length + 2);
    assert.match(result.diff, new RegExp(`^\\+ rule "${ruleId(14)}": added$`, 'm'));
    assert.match(result.diff, new RegExp(`^\\+ rule "${DELETE_MARKER_RULE_ID}": added$`, 'm'));
    const onServer = await readLifecycleRules(client, bucket);
    assert.equal(onServer.length, asStored.length);
    onServer.forEach((rule, i) => assert.ok(rulesEqual(rule, asStored[i]!)));
  });

  it('adds the delete-marker rule, without a tag filter, beside ours when asked', async () => {
    const bucket = await newBucket('lc-markers', { versioning: 'Enabled', rules: foreignRules.slice(0, 2) });
    const result = await ensureExpirationRule(client, bucket, { tag: TAG, days: 14, deleteMarkerRule: true, dryRun: false });
    assert.deepEqual(result.changes, [
      { id: ruleId(14), change: 'added' },
      { id: DELETE_MARKER_RULE_ID, change: 'added' },
    ]);
    const onServer = await readLifecycleRules(client, bucket);
    const markers = onServer.find((r) => r.ID === DELETE_MARKER_RULE_ID)!;
    assert.ok(rulesEqual(markers, deleteMarkerRule()), JSON.stringify(markers));
    assert.equal(JSON.stringify(markers).includes('Tag'), false);
    assert.equal(onServer.length, 4);
  });

  it('removes only our rules, and the whole configuration when no other rule is left', async () => {
    const bucket = await newBucket('lc-remove', { rules: foreignRules.slice(0, 2) });
    const asStored = await readLifecycleRules(client, bucket);
    await ensureExpirationRule(client, bucket, { tag: TAG, days: 14, deleteMarkerRule: true, dryRun: false });
    const removed = await removeExpirationRule(client, bucket, { ruleIds: [ruleId(14), DELETE_MARKER_RULE_ID] });
    assert.deepEqual(removed.removed.sort(), [DELETE_MARKER_RULE_ID, ruleId(14)].sort());
    const onServer = await readLifecycleRules(client, bucket);
    assert.equal(onServer.length, asStored.length);
    onServer.forEach((rule, i) => assert.ok(rulesEqual(rule, asStored[i]!)));

    const alone = await newBucket('lc-alone');
    await ensureExpirationRule(client, alone, { tag: TAG, days: 14, dryRun: false });
    const deletesBefore = observed.commands.filter((c) => c === 'DeleteBucketLifecycleCommand').length;
    const result = await removeExpirationRule(client, alone, { ruleIds: [ruleId(14)] });
    assert.deepEqual(result.after, []);
    assert.equal(observed.commands.filter((c) => c === 'DeleteBucketLifecycleCommand').length, deletesBefore + 1);
    await assert.rejects(client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: alone })), { name: 'NoSuchLifecycleConfiguration' });
    assert.equal((await removeExpirationRule(client, alone, { ruleIds: [ruleId(14)] })).written, false, 'nothing left to remove');
  });

  it('refuses to write when the configuration changed since the preview', async () => {
    const bucket = await newBucket('lc-preview', { rules: foreignRules.slice(0, 2) });
    const preview = await ensureExpirationRule(client, bucket, { tag: TAG, days: 14, dryRun: true });
    await client.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: foreignRules.slice(0, 3) } }));
    const writesBefore = writes(observed);
    await assert.rejects(
      ensureExpirationRule(client, bucket, { tag: TAG, days: 14, dryRun: false, expectBefore: preview.before }),
      (e: unknown) => e instanceof LifecycleConflictError && /changed since the preview/.test(e.message),
    );
    assert.equal(writes(observed), writesBefore);
    assert.equal((await readLifecycleRules(client, bucket)).length, 3);
  });

  it('catches someone else writing between our write and the read-back, and names the rule', async () => {
    const bucket = await newBucket('lc-race', { rules: foreignRules.slice(0, 2) });
    // A second writer on the same server, triggered the moment our write is answered.
    const rival = new S3Client(clientOptions);
    const racing = new S3Client(clientOptions);
    racing.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName === 'PutBucketLifecycleConfigurationCommand') {
          const rules = await readLifecycleRules(rival, bucket);
          rules[0] = { ...rules[0]!, Expiration: { Days: 99 } };
          await rival.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: rules } }));
        }
        return out;
      },
      { step: 'initialize', name: 'rivalWriter' },
    );
    try {
      await assert.rejects(
        ensureExpirationRule(racing, bucket, { tag: TAG, days: 14, dryRun: false, readBackDelaysMs: [0, 10] }),
        (e: unknown) =>
          e instanceof LifecycleConflictError &&
          e.differences.length === 1 &&
          /the other rule "logs-30d" differs/.test(e.message) &&
          /Run the command again/.test(e.message),
      );
    } finally {
      rival.destroy();
      racing.destroy();
    }
  });

  it('over 20 random configurations written to moto: foreign rules come back unchanged, ours once, a second run writes nothing', async () => {
    for (let seed = 0; seed < 20; seed++) {
      const random = new Random(seed, 0x5612);
      const versioned = random.chance(0.5);
      const withMarkers = random.chance(0.5);
      const configuration = randomConfiguration(random, { maxRules: 12, ourIds: [EXPIRATION_RULE_ID, DELETE_MARKER_RULE_ID], allowMissingIds: true });
      const bucket = await newBucket(`lc-prop${seed}`, {
        versioning: versioned ? 'Enabled' : undefined,
        rules: configuration.length > 0 ? configuration : undefined,
      });
      const context = `seed ${seed}: ${JSON.stringify(configuration)}`;
      const asStored = await readLifecycleRules(client, bucket);
      const days = 1 + random.int(100);
      // A rule with the legacy shared ID and another filter is someone's earlier run's: it is kept like a foreign rule.
      const ours = new Set([ruleId(days), ...(withMarkers ? [DELETE_MARKER_RULE_ID] : [])]);
      const foreign = (rules: LifecycleRule[]) => rules.filter((r) => r.ID === undefined || !ours.has(r.ID));

      const result = await ensureExpirationRule(client, bucket, { tag: TAG, days, deleteMarkerRule: withMarkers, dryRun: false });
      assert.equal(result.versioned, versioned, context);
      const onServer = await readLifecycleRules(client, bucket);
      const foreignBefore = foreign(asStored);
      const foreignAfter = foreign(onServer);
      assert.equal(foreignAfter.length, foreignBefore.length, context);
      foreignBefore.forEach((rule, i) => assert.ok(rulesEqual(foreignAfter[i]!, rule), `${context}: foreign rule ${i} unchanged`));
      const mine = onServer.filter((r) => r.ID === ruleId(days));
      assert.equal(mine.length, 1, context);
      assert.ok(rulesEqual(mine[0]!, expectedRule(days, versioned)), context);
      if (withMarkers) assert.equal(onServer.filter((r) => r.ID === DELETE_MARKER_RULE_ID).length, 1, context);

      const writesBefore = writes(observed);
      const again = await ensureExpirationRule(client, bucket, { tag: TAG, days, deleteMarkerRule: withMarkers, dryRun: false });
      assert.equal(again.change, 'unchanged', context);
      assert.equal(writes(observed), writesBefore, `${context}: the second run writes nothing`);
    }
  });
});

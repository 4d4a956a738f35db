// The tag-for-expiration use case both shells call (src/app/expiration.ts), against a real S3 server:
// the rule is written only while the bucket's lifecycle configuration is the one the preview showed —
// for a new run and, since the preview is kept with the run, for a resumed one too.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutBucketLifecycleConfigurationCommand, type LifecycleRule, type S3Client } from '@aws-sdk/client-s3';
import {
  continueExpiration,
  ExpirationPlanError,
  planExpiration,
  resumeExpiration,
  startExpiration,
  tagForExpiration,
  undoExpiration,
  type ExpirationContext,
  type ExpirationRequest,
} from '../../src/app/tagForExpiration';
import { ensureExpirationRule, LifecycleConflictError, readLifecycleRules } from '../../src/aws/lifecycle';
import { expirationRuleId, ExpirationRuleConflictError } from '../../src/core/retention/lifecycleRule';
import { listRuns, openRun } from '../../src/core/retention/runStore';
import { uniqueBucketName } from './moto';
import { createBucket, EXPIRE, motoClient, putAllTagged, tagsOf } from './taggingFixtures';

const FOREIGN: LifecycleRule = { ID: 'someone-else', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 7 } };

describe('tag for expiration (the use case)', () => {
  let client: S3Client;
  let runRoot: string;
  let context: ExpirationContext;

  before(() => {
    client = motoClient();
    runRoot = mkdtempSync(join(tmpdir(), 's3ls-expiration-flow-'));
    context = { client, runRoot, concurrency: 8, pricing: { source: 'builtIn', customS3Endpoint: true, profile: '', endpoint: '' } };
  });
  after(() => {
    client?.destroy();
    rmSync(runRoot, { recursive: true, force: true });
  });

  async function bucketWith(purpose: string, keys: string[]): Promise<{ bucket: string; request: ExpirationRequest }> {
    const bucket = uniqueBucketName(purpose);
    await createBucket(client, bucket);
    await putAllTagged(
      client,
      bucket,
      keys.map((k) => [k, { owner: 'data' }]),
    );
    return {
      bucket,
      request: {
        selection: { bucket, prefixes: ['old'], exemptGlobs: [], olderThan: null },
        tag: EXPIRE,
        keepTag: null,
        rule: { days: 30, noncurrentDays: null, deleteMarkerRule: false },
      },
    };
  }

  it('keeps the preview with the run, and a run resumed after the configuration changed does not write the rule', async () => {
    const { bucket, request } = await bucketWith('flow-guard', ['old/a.txt', 'old/b.txt']);
    const plan = await planExpiration(context, request);
    assert.equal(plan.preview.objects, 2);
    assert.equal(plan.rule?.change, 'added');
    const run = await startExpiration(context, plan);
    assert.deepEqual((await openRun(runRoot, run.id)).spec.lifecycleRule?.expectBefore, [], 'the previewed configuration is kept with the run');

    // Someone writes the configuration between the preview and the rule write.
    await client.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: [FOREIGN] } }));
    const outcome = await continueExpiration(context, run);
    assert.equal(outcome.result.state, 'finished');
    assert.deepEqual(await tagsOf(client, bucket, 'old/a.txt'), { owner: 'data', [EXPIRE.key]: EXPIRE.value }, 'the tags are merged');
    assert.ok(outcome.ruleError instanceof LifecycleConflictError, `expected a conflict, got ${String(outcome.ruleError)}`);
    assert.equal(outcome.rule, undefined);
    assert.deepEqual(
      (await readLifecycleRules(client, bucket)).map((r) => r.ID),
      ['someone-else'],
      'nothing was written over the new configuration',
    );
    const stored = (await listRuns(runRoot)).find((r) => r.id === run.id)!;
    assert.equal(stored.state, 'failed', 'the run stays resumable');
    assert.match(stored.error ?? '', /lifecycle rule was not written/);

    // Resuming does not write it either: the preview it was confirmed on is no longer true.
    const resumed = await continueExpiration(context, await openRun(runRoot, run.id));
    assert.ok(resumed.ruleError instanceof LifecycleConflictError);
    assert.deepEqual(
      (await readLifecycleRules(client, bucket)).map((r) => r.ID),
      ['someone-else'],
    );

    // A new preview shows the new configuration; confirmed, it writes the rule beside the foreign one.
    const again = await tagForExpiration(context, request, { preview: () => 'continue', confirm: async () => ({ action: 'tag' }) });
    assert.equal(again.kind, 'ran');
    if (again.kind !== 'ran') return;
    assert.equal(again.outcome.rule?.change, 'added');
    assert.deepEqual((await readLifecycleRules(client, bucket)).map((r) => r.ID).sort(), [expirationRuleId(EXPIRE, 30), 'someone-else'].sort());
  });

  it('passes a resumed run whose rule is already in place as wanted (written before a crash)', async () => {
    const { bucket, request } = await bucketWith('flow-inplace', ['old/c.txt']);
    const plan = await planExpiration(context, request);
    const run = await startExpiration(context, plan);
    await ensureExpirationRule(client, bucket, { tag: EXPIRE, days: 30, dryRun: false });
    const outcome = await continueExpiration(context, run);
    assert.equal(outcome.ruleError, undefined);
    assert.equal(outcome.rule?.change, 'unchanged');
  });

  const confirmAll = { preview: () => 'continue' as const, confirm: async () => ({ action: 'tag' as const }) };

  it("two runs with other days on one bucket: the second never changes the first run's objects' expiration", async () => {
    const { bucket, request } = await bucketWith('flow-two-runs', ['old/a.txt', 'new/b.txt']);
    const first = await tagForExpiration(context, request, confirmAll);
    assert.equal(first.kind, 'ran');
    const firstRule = (await readLifecycleRules(client, bucket)).find((r) => r.ID === expirationRuleId(EXPIRE, 30))!;
    assert.deepEqual(firstRule.Expiration, { Days: 30 });

    // The same tag with 7 days would expire old/a.txt after 7 days too: refused at the preview, before any tag changes.
    const second: ExpirationRequest = { ...request, selection: { ...request.selection, prefixes: ['new'] }, rule: { ...request.rule!, days: 7 } };
    await assert.rejects(
      tagForExpiration(context, second, { ...confirmAll, confirm: async () => assert.fail('a refused rule asks nothing') }),
      (e: unknown) =>
        e instanceof ExpirationPlanError &&
        e.cause instanceof ExpirationRuleConflictError &&
        e.cause.message.includes(`already expires after 30 days under rule "${expirationRuleId(EXPIRE, 30)}"`),
    );
    assert.deepEqual(await tagsOf(client, bucket, 'new/b.txt'), { owner: 'data' }, 'nothing was tagged');

    // With a tag value of its own, it gets a rule of its own; the first one is as it was.
    const own = { key: EXPIRE.key, value: 'after-7-days' };
    const third = await tagForExpiration(context, { ...second, tag: own }, confirmAll);
    assert.equal(third.kind, 'ran');
    const rules = await readLifecycleRules(client, bucket);
    assert.deepEqual(
      rules.map((r) => r.ID),
      [expirationRuleId(EXPIRE, 30), expirationRuleId(own, 7)],
    );
    assert.deepEqual(rules[0], firstRule, "the first run's rule is untouched");
  });

  it("undo removes only the run's own rule, and not while another run's objects carry the same tag", async () => {
    const { bucket, request } = await bucketWith('flow-undo-rule', ['old/a.txt', 'other/b.txt']);
    await client.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: [FOREIGN] } }));
    const a = await tagForExpiration(context, request, confirmAll);
    const b = await tagForExpiration(context, { ...request, selection: { ...request.selection, prefixes: ['other'] } }, confirmAll);
    const own = { key: EXPIRE.key, value: 'elsewhere' };
    await ensureExpirationRule(client, bucket, { tag: own, days: 5, dryRun: false });
    assert.ok(a.kind === 'ran' && b.kind === 'ran');
    if (a.kind !== 'ran' || b.kind !== 'ran') return;

    const undoneA = await undoExpiration(context, a.run, { removeRule: true });
    assert.equal(undoneA.result.state, 'finished');
    assert.equal(undoneA.ruleRemoved, false);
    assert.match(undoneA.ruleKept ?? '', new RegExp(`other runs still have objects tagged .*${b.run.id}`));
    assert.deepEqual(
      (await readLifecycleRules(client, bucket)).map((r) => r.ID),
      ['someone-else', expirationRuleId(EXPIRE, 30), expirationRuleId(own, 5)],
      'other/b.txt is still tagged: its rule stays',
    );

    const undoneB = await undoExpiration(context, b.run, { removeRule: true });
    assert.equal(undoneB.ruleRemoved, true, undoneB.ruleKept);
    assert.deepEqual(
      (await readLifecycleRules(client, bucket)).map((r) => r.ID),
      ['someone-else', expirationRuleId(own, 5)],
      "only the run's own rule went; the foreign rule and another tag's rule stay",
    );
  });

  it('a resumed run is previewed again and asks the shell first: declined, nothing changes; confirmed, the rule is guarded by the new preview', async () => {
    const { bucket, request } = await bucketWith('flow-resume', ['old/e.txt', 'old/f.txt']);
    const run = await startExpiration(context, await planExpiration(context, request));
    // The configuration changed while the run was stopped: the new preview shows it.
    await client.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: [FOREIGN] } }));
    const shown: number[] = [];
    const declined = await resumeExpiration(context, await openRun(runRoot, run.id), {
      preview: (plan) => {
        shown.push(plan.preview.objects);
        assert.equal(plan.resume?.runId, run.id);
        assert.deepEqual(
          plan.rule?.before.map((r) => r.ID),
          ['someone-else'],
          'the rule diff is against the configuration as it is now',
        );
        return 'continue';
      },
      confirm: async () => ({ action: 'cancel' }),
    });
    assert.equal(declined.kind, 'declined');
    assert.deepEqual(shown, [2]);
    assert.deepEqual(await tagsOf(client, bucket, 'old/e.txt'), { owner: 'data' }, 'declined: no tag changed');
    assert.deepEqual(
      (await readLifecycleRules(client, bucket)).map((r) => r.ID),
      ['someone-else'],
    );

    const ran = await resumeExpiration(context, await openRun(runRoot, run.id), { preview: () => 'continue', confirm: async () => ({ action: 'tag' }) });
    assert.equal(ran.kind, 'ran');
    if (ran.kind !== 'ran') return;
    assert.equal(ran.outcome.result.progress.tagged, 2);
    assert.equal(ran.outcome.rule?.change, 'added', 'confirmed against the new configuration, the rule is written beside the foreign one');
    assert.deepEqual((await readLifecycleRules(client, bucket)).map((r) => r.ID).sort(), [expirationRuleId(EXPIRE, 30), 'someone-else'].sort());
  });

  it('changes nothing when the shell stops at the preview or declines', async () => {
    const { bucket, request } = await bucketWith('flow-dry', ['old/d.txt']);
    const runsBefore = (await listRuns(runRoot)).length;
    const stopped = await tagForExpiration(context, request, { preview: () => 'stop', confirm: async () => assert.fail('a dry run asks nothing') });
    assert.equal(stopped.kind, 'stopped');
    const declined = await tagForExpiration(context, request, { preview: () => 'continue', confirm: async () => ({ action: 'cancel' }) });
    assert.equal(declined.kind, 'declined');
    assert.equal((await listRuns(runRoot)).length, runsBefore, 'no run was created');
    assert.deepEqual(await tagsOf(client, bucket, 'old/d.txt'), { owner: 'data' });
    assert.deepEqual(await readLifecycleRules(client, bucket), []);
  });
});

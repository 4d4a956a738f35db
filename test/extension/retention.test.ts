// Access-based retention in a real VS Code: "Find Unused Prefixes" over a generated estate equals
// truth.json and reaches the panel; "Tag for Expiration" tags exactly the prefix's objects on the S3
// server (moto), keeps their tags, writes the rule and the audit log; "Remove Expiration Tags" undoes it.

import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import {
  CreateBucketCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectTaggingCommand,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { StudioApi } from '../../src/extension';
import { generateEstate, type EstateTruth } from '../../src/core/estate/generate';
import { FolderOutput } from '../../src/core/estate/output';
import { parseDay } from '../../src/core/estate/time';
import type { RetentionReport } from '../../src/core/retention/report';

const EXTENSION_ID = 's3-lifecycle-studio.s3-lifecycle-studio';

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const tagsOf = async (client: S3Client, bucket: string, key: string) => (await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }))).TagSet ?? [];

describe('Access-based retention in VS Code', function () {
  this.timeout(180_000);
  let api: StudioApi;
  let truth: EstateTruth;
  let estate: string;
  let client: S3Client;
  const bucket = `ext-retention-${Date.now().toString(36)}`;
  // The window starts after today, so the objects this test writes now are older than it.
  const asOf = new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10);

  before(async () => {
    api = await vscode.extensions.getExtension<StudioApi>(EXTENSION_ID)!.activate();
    estate = mkdtempSync(join(tmpdir(), 's3ls-ext-retention-'));
    await generateEstate(
      { objects: 2000, seed: 23, asOfDay: parseDay(asOf), days: 30, bucket, inventoryBucket: `${bucket}-inventory`, logsBucket: `${bucket}-logs`, logLayout: 'partitioned', region: 'us-east-1', rowsPerInventoryFile: 1000 },
      new FolderOutput(estate),
    );
    truth = JSON.parse(readFileSync(join(estate, 'truth.json'), 'utf8')) as EstateTruth;
    const endpoint = process.env.S3LS_TEST_ENDPOINT;
    assert.ok(endpoint, 'S3LS_TEST_ENDPOINT is set by the runner');
    client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  after(() => client?.destroy());

  it('finds the unused prefixes of truth.json and shows them in the panel', async () => {
    const report = await vscode.commands.executeCommand<RetentionReport>('s3lifecycle.findUnusedPrefixes', {
      bucket,
      inventory: join(estate, 'inventory', bucket, 'daily-full', 'hive'),
      logs: join(estate, 'logs'),
      asOf,
      windowDays: 30,
      engine: 'local',
      noConfirm: true,
    });
    assert.ok(report, 'the command returns the report');
    assert.deepEqual(report.prefixes.map((p) => p.prefix).sort(), truth.unusedPrefixes.map((p) => p.prefix).sort());
    assert.equal(report.totals.objects, truth.summary.unusedObjects);
    assert.equal(report.totals.bytes, truth.summary.unusedBytes);
    assert.equal(report.coverage.daysWithLogs, 30);
    assert.ok(report.totals.monthlySavingsUsd > 0);
    assert.equal(api.retentionReport(bucket), report);
    await waitFor('the panel', () => api.panelHandshakes());
  });

  it('tags only the keys immediately under a prefix, keeps their tags, writes the rule and the audit log', async () => {
    await client.send(new PutBucketLifecycleConfigurationCommand({
      Bucket: bucket,
      LifecycleConfiguration: { Rules: [{ ID: 'teams-own-rule', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 7 } }] },
    }));
    const keys = ['old/a.csv', 'old/b.csv', 'old/deeper/c.csv', 'other/d.csv'];
    for (const key of keys) await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    await client.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'old/a.csv', Tagging: { TagSet: [{ Key: 'team', Value: 'data' }] } }));

    const result = await vscode.commands.executeCommand<{ tagged: string[]; runId: string; auditLog: string }>('s3lifecycle.tagForExpiration', { bucket, prefixes: ['old'], assumeYes: true });
    assert.deepEqual(result.tagged, ['old']);
    assert.deepEqual(await tagsOf(client, bucket, 'old/a.csv'), [{ Key: 'team', Value: 'data' }, { Key: 's3-lifecycle-studio:expire', Value: 'true' }]);
    assert.deepEqual(await tagsOf(client, bucket, 'old/b.csv'), [{ Key: 's3-lifecycle-studio:expire', Value: 'true' }]);
    assert.deepEqual(await tagsOf(client, bucket, 'old/deeper/c.csv'), [], 'a deeper prefix is not covered');
    assert.deepEqual(await tagsOf(client, bucket, 'other/d.csv'), []);

    const rules = (await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? [];
    assert.deepEqual(rules.map((r) => r.ID).sort(), ['s3-lifecycle-studio-expire', 'teams-own-rule']);
    const foreign = rules.find((r) => r.ID === 'teams-own-rule')!;
    assert.equal(foreign.Expiration?.Days, 7, 'the team\'s rule is kept');
    const ours = rules.find((r) => r.ID === 's3-lifecycle-studio-expire')!;
    assert.deepEqual(ours.Filter?.Tag, { Key: 's3-lifecycle-studio:expire', Value: 'true' });

    assert.ok(existsSync(result.auditLog), 'the audit log is in the workspace');
    const audit = readFileSync(result.auditLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { key: string; before: unknown[]; after: unknown[] });
    assert.deepEqual(audit.map((a) => a.key).sort(), ['old/a.csv', 'old/b.csv']);
    assert.deepEqual(audit.find((a) => a.key === 'old/a.csv')!.before, [{ Key: 'team', Value: 'data' }]);

    const undone = await vscode.commands.executeCommand<{ restored: number }>('s3lifecycle.removeExpirationTags', { runId: result.runId, assumeYes: true });
    assert.equal(undone.restored, 2);
    assert.deepEqual(await tagsOf(client, bucket, 'old/a.csv'), [{ Key: 'team', Value: 'data' }]);
    assert.deepEqual(await tagsOf(client, bucket, 'old/b.csv'), []);
  });
});

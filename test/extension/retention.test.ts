// Access-based retention in a real VS Code: "Find Unused Prefixes" over a generated estate equals
// truth.json and reaches the panel; "Tag for Expiration" tags exactly the prefix's objects on the S3
// server (moto), keeps their tags, writes the rule and the audit log; "Remove Expiration Tags" undoes it.

import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
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
import { parseDay } from '../../src/core/time';
import type { RetentionReport } from '../../src/core/retention/report';
import { createRun, openRun } from '../../src/core/retention/runStore';

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

const tagsOf = async (client: S3Client, bucket: string, key: string) =>
  (await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }))).TagSet ?? [];

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
      {
        objects: 2000,
        seed: 23,
        asOfDay: parseDay(asOf),
        days: 30,
        bucket,
        inventoryBucket: `${bucket}-inventory`,
        logsBucket: `${bucket}-logs`,
        logLayout: 'partitioned',
        region: 'us-east-1',
        rowsPerInventoryFile: 1000,
      },
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

  it("runs the built-in templates, not the workspace's .s3-lifecycle/templates/, unless s3lifecycle.retention.templatesFolder names a folder (issue 14.2)", async () => {
    const templates = join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, '.s3-lifecycle', 'templates');
    const planted = join(templates, 'log_coverage.sql');
    const previous = existsSync(planted) ? readFileSync(planted, 'utf8') : undefined;
    const builtin = readFileSync(join(__dirname, '..', '..', '..', 'src', 'sql', 'log_coverage.sql'), 'utf8');
    const at = builtin.indexOf('WITH params');
    mkdirSync(templates, { recursive: true });
    // A workspace template that reads a file of this machine before it answers, and fails wherever it runs.
    writeFileSync(planted, `${builtin.slice(0, at)}SELECT planted_column FROM read_text('/etc/hostname');\n${builtin.slice(at)}`);
    const configuration = vscode.workspace.getConfiguration('s3lifecycle');
    const args = {
      bucket,
      inventory: join(estate, 'inventory', bucket, 'daily-full', 'hive'),
      logs: join(estate, 'logs'),
      asOf,
      windowDays: 30,
      engine: 'local',
      noConfirm: true,
    };
    try {
      const report = await vscode.commands.executeCommand<RetentionReport>('s3lifecycle.findUnusedPrefixes', args);
      assert.ok(report, 'the built-in templates ran');
      assert.deepEqual(report.prefixes.map((p) => p.prefix).sort(), truth.unusedPrefixes.map((p) => p.prefix).sort());
      assert.ok(!report.notes.some((n) => /in place of the built-ins/.test(n)), report.notes.join('\n'));
      // Named: the folder's template runs, and fails (the command shows the error).
      await configuration.update('retention.templatesFolder', '.s3-lifecycle/templates', vscode.ConfigurationTarget.Global);
      await waitFor('the setting', () => (api.settings().retention.templatesFolder === '.s3-lifecycle/templates' ? true : undefined));
      const named = await vscode.commands.executeCommand<RetentionReport>('s3lifecycle.findUnusedPrefixes', args);
      assert.equal(named, undefined, "the named folder's template ran, and failed");
    } finally {
      await configuration.update('retention.templatesFolder', undefined, vscode.ConfigurationTarget.Global);
      if (previous === undefined) rmSync(planted, { force: true });
      else writeFileSync(planted, previous);
    }
  });

  it('tags only the keys immediately under a prefix, keeps their tags, writes the rule and the audit log', async () => {
    await client.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: { Rules: [{ ID: 'teams-own-rule', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 7 } }] },
      }),
    );
    const keys = ['old/a.csv', 'old/b.csv', 'old/deeper/c.csv', 'other/d.csv'];
    for (const key of keys) await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    await client.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'old/a.csv', Tagging: { TagSet: [{ Key: 'team', Value: 'data' }] } }));

    // The test surface confirms without asking; command arguments cannot (see the next test).
    const result = (await api.testing!.tagForExpiration({ bucket, prefixes: ['old'] })) as { tagged: string[]; runId: string; auditLog: string };
    assert.deepEqual(result.tagged, ['old']);
    assert.deepEqual(await tagsOf(client, bucket, 'old/a.csv'), [
      { Key: 'team', Value: 'data' },
      { Key: 's3-lifecycle-studio:expire', Value: 'true' },
    ]);
    assert.deepEqual(await tagsOf(client, bucket, 'old/b.csv'), [{ Key: 's3-lifecycle-studio:expire', Value: 'true' }]);
    assert.deepEqual(await tagsOf(client, bucket, 'old/deeper/c.csv'), [], 'a deeper prefix is not covered');
    assert.deepEqual(await tagsOf(client, bucket, 'other/d.csv'), []);

    const rules = (await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? [];
    // One rule per tag, named by the tag and the days (the setting's 30).
    const ourId = 's3-lifecycle-studio-expire:30d:s3-lifecycle-studio:expire=true';
    assert.deepEqual(rules.map((r) => r.ID).sort(), [ourId, 'teams-own-rule']);
    const foreign = rules.find((r) => r.ID === 'teams-own-rule')!;
    assert.equal(foreign.Expiration?.Days, 7, "the team's rule is kept");
    const ours = rules.find((r) => r.ID === ourId)!;
    assert.deepEqual(ours.Filter?.Tag, { Key: 's3-lifecycle-studio:expire', Value: 'true' });

    assert.ok(existsSync(result.auditLog), 'the audit log is in the workspace');
    const audit = readFileSync(result.auditLog, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key: string; before: unknown[]; after: unknown[] });
    assert.deepEqual(audit.map((a) => a.key).sort(), ['old/a.csv', 'old/b.csv']);
    assert.deepEqual(audit.find((a) => a.key === 'old/a.csv')!.before, [{ Key: 'team', Value: 'data' }]);

    const undone = (await api.testing!.removeExpirationTags({ runId: result.runId }))!;
    assert.equal(undone.restored, 2);
    assert.deepEqual(await tagsOf(client, bucket, 'old/a.csv'), [{ Key: 'team', Value: 'data' }]);
    assert.deepEqual(await tagsOf(client, bucket, 'old/b.csv'), []);
  });

  it('asks before tagging even when a caller passes assumeYes in the command arguments', async () => {
    // Any extension, keybinding or link can run a command with arguments: they never skip the preview and the confirmation.
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'asks/a.csv', Body: 'a' }));
    const result = await vscode.commands.executeCommand<{ tagged: string[] } | undefined>('s3lifecycle.tagForExpiration', {
      bucket,
      prefixes: ['asks'],
      assumeYes: true,
    });
    // The modal preview was shown (in a test host VS Code refuses to show it, so the command ends there).
    assert.deepEqual(result?.tagged ?? [], []);
    assert.deepEqual(await tagsOf(client, bucket, 'asks/a.csv'), [], 'nothing was tagged without a confirmation');
  });

  it('has the confirming test surface only because the extension runs in test mode', () => {
    assert.ok(api.testing, 'ExtensionMode.Test gives the test surface');
  });

  it('resumes a run that did not finish: the objects get their tag, then the rule is written', async () => {
    for (const key of ['stale/x.csv', 'stale/y.csv']) await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    // A run as a crash leaves it: created in the workspace's run folder, never finished.
    const root = join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, '.s3-lifecycle', 'runs');
    const run = await createRun(root, {
      kind: 'tag',
      bucket,
      prefixes: ['stale'],
      // A tag value of its own: the tag expire=true already has its 30-day rule, and one tag has one rule.
      tag: { key: 's3-lifecycle-studio:expire', value: 'after-9-days' },
      keepTag: null,
      exemptGlobs: [],
      olderThan: null,
      lifecycleRule: { days: 9, noncurrentDays: null },
    });
    // From the command, assumeYes in the arguments does not skip the resumed run's preview and confirmation.
    const asked = await vscode.commands.executeCommand<{ tagged: string[] } | undefined>('s3lifecycle.resumeTagging', { runId: run.id, assumeYes: true });
    assert.deepEqual(asked?.tagged ?? [], []);
    assert.deepEqual(await tagsOf(client, bucket, 'stale/x.csv'), [], 'nothing was tagged without a confirmation');
    const resumed = (await api.testing!.resumeTagging({ runId: run.id }))!;
    assert.deepEqual(resumed.tagged, ['stale']);
    for (const key of ['stale/x.csv', 'stale/y.csv'])
      assert.deepEqual(await tagsOf(client, bucket, key), [{ Key: 's3-lifecycle-studio:expire', Value: 'after-9-days' }], key);
    const ours = ((await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? []).find(
      (r) => r.ID === 's3-lifecycle-studio-expire:9d:s3-lifecycle-studio:expire=after-9-days',
    );
    assert.equal(ours?.Expiration?.Days, 9, 'the rule the run was asked for');
    assert.equal((await openRun(root, run.id)).summary.state, 'finished');
  });
});

/** Every file under a folder, as the keys they have in their bucket (the estate's folders are the keys). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? filesUnder(join(dir, name)) : [join(dir, name)]));
}

describe('Retention through a second connection', function () {
  this.timeout(180_000);
  const bucket = `ext-second-${Date.now().toString(36)}`;
  const asOf = new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10);
  const configuration = () => vscode.workspace.getConfiguration('s3lifecycle');
  let client: S3Client;
  let truth: EstateTruth;
  let defaultEndpoint: string | undefined;
  let api: StudioApi;

  before(async () => {
    api = await vscode.extensions.getExtension<StudioApi>(EXTENSION_ID)!.activate();
    const endpoint = process.env.S3LS_TEST_ENDPOINT!;
    client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    // The estate's inventory and logs on the S3 server, in their own buckets, as S3 delivers them.
    const estate = mkdtempSync(join(tmpdir(), 's3ls-ext-second-'));
    await generateEstate(
      {
        objects: 1500,
        seed: 31,
        asOfDay: parseDay(asOf),
        days: 30,
        bucket,
        inventoryBucket: `${bucket}-inventory`,
        logsBucket: `${bucket}-logs`,
        logLayout: 'partitioned',
        region: 'us-east-1',
        rowsPerInventoryFile: 1000,
      },
      new FolderOutput(estate),
    );
    truth = JSON.parse(readFileSync(join(estate, 'truth.json'), 'utf8')) as EstateTruth;
    for (const name of [bucket, `${bucket}-inventory`, `${bucket}-logs`]) await client.send(new CreateBucketCommand({ Bucket: name }));
    const uploads: [string, string][] = [
      ...filesUnder(join(estate, 'inventory')).map((f): [string, string] => [`${bucket}-inventory`, relative(estate, f).split(sep).join('/')]),
      ...filesUnder(join(estate, 'logs')).map((f): [string, string] => [`${bucket}-logs`, relative(estate, f).split(sep).join('/')]),
    ];
    for (let i = 0; i < uploads.length; i += 16) {
      await Promise.all(
        uploads.slice(i, i + 16).map(([b, key]) => client.send(new PutObjectCommand({ Bucket: b, Key: key, Body: readFileSync(join(estate, key)) }))),
      );
    }
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'old/a.csv', Body: 'a' }));
    await client.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'old/a.csv', Tagging: { TagSet: [{ Key: 'team', Value: 'data' }] } }));
    // The default connection goes nowhere: only the second one reaches the server.
    defaultEndpoint = configuration().inspect<string>('endpoint')?.workspaceValue;
    await configuration().update(
      'connections',
      [{ name: 'second', endpoint, forcePathStyle: true, region: 'us-east-1' }],
      vscode.ConfigurationTarget.Workspace,
    );
    await configuration().update('endpoint', 'http://127.0.0.1:9', vscode.ConfigurationTarget.Workspace);
  });

  after(async () => {
    await configuration().update('endpoint', defaultEndpoint, vscode.ConfigurationTarget.Workspace);
    await configuration().update('connections', undefined, vscode.ConfigurationTarget.Workspace);
    client?.destroy();
  });

  it("reads the inventory and the logs from S3 through the bucket's connection, not the default one", async () => {
    const report = await vscode.commands.executeCommand<RetentionReport>('s3lifecycle.findUnusedPrefixes', {
      bucket,
      connectionId: 'second',
      inventory: `s3://${bucket}-inventory/inventory/`,
      logs: `s3://${bucket}-logs/logs/`,
      asOf,
      windowDays: 30,
      engine: 'local',
      noConfirm: true,
    });
    assert.ok(report, 'the command returns the report');
    assert.deepEqual(report.prefixes.map((p) => p.prefix).sort(), truth.unusedPrefixes.map((p) => p.prefix).sort());
  });

  it('tags from the panel through the connection the report came from, and undoes through it too', async () => {
    // As the panel asks: bucket and prefixes only.
    const result = (await api.testing!.tagForExpiration({ bucket, prefixes: ['old'] })) as { tagged: string[]; runId: string };
    assert.deepEqual(result.tagged, ['old']);
    assert.deepEqual(await tagsOf(client, bucket, 'old/a.csv'), [
      { Key: 'team', Value: 'data' },
      { Key: 's3-lifecycle-studio:expire', Value: 'true' },
    ]);
    const undone = (await api.testing!.removeExpirationTags({ runId: result.runId }))!;
    assert.equal(undone.restored, 1);
    assert.deepEqual(await tagsOf(client, bucket, 'old/a.csv'), [{ Key: 'team', Value: 'data' }]);
  });
});

// The key index in the real VS Code, as a person uses it: append-only data on the local S3 server,
// "Build Index Here…" from the data prefix's menu in the Buckets tree (Enter for the index beside
// it), the prefix then says it is indexed; "Look Up Record by Key…" from the same menu opens the
// generator's record — the bytes S3 holds at its offset — in an editor, with the lookup's requests,
// bytes and time in the status bar.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Browser, Locator, Page } from 'playwright-core';
import { DEFAULT_APPEND_ONLY, generateAppendOnlyData, type AppendOnlyTruth } from '../../src/core/estate/appendOnly';
import { FolderOutput } from '../../src/core/estate/output';
import { launchBrowser, openWorkbench, requiredEnv, screenshot, until } from './workbench';

const repoRoot = join(__dirname, '..', '..', '..');
const BUCKET = 'e2e-index';

describe('the key index in the browser', () => {
  let browser: Browser;
  let page: Page;
  let client: S3Client;
  let truth: AppendOnlyTruth;
  let workspace: string;

  before(async () => {
    const endpoint = requiredEnv('S3LS_MOTO_ENDPOINT');
    workspace = join(repoRoot, 'test-results', 'workspaces', 'e2e-index');
    rmSync(workspace, { recursive: true, force: true });
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    const data = join(workspace, 'data-files');
    truth = await generateAppendOnlyData(
      {
        ...DEFAULT_APPEND_ONLY,
        seed: 3,
        bucket: BUCKET,
        startSeconds: 1_683_831_600,
        files: 6,
        writers: 3,
        linesPerFile: 1000,
        windowSeconds: 1800,
        samples: 10,
        absent: 3,
      },
      new FolderOutput(data),
    );
    client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    for (const f of truth.files) await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: f.key, Body: readFileSync(join(data, f.key)) }));
    writeFileSync(
      join(workspace, '.vscode', 'settings.json'),
      JSON.stringify(
        {
          's3lifecycle.endpoint': endpoint,
          's3lifecycle.forcePathStyle': true,
          's3lifecycle.region': 'us-east-1',
          's3lifecycle.profile': 'e2e',
          'files.exclude': { 'data-files': true },
        },
        null,
        2,
      ),
    );
    browser = await launchBrowser();
    ({ page } = await openWorkbench(browser, requiredEnv('S3LS_E2E_SERVER_URL'), workspace));
  });

  after(async () => {
    client?.destroy();
    await browser?.close();
  });

  const tree = () => page.locator('.sidebar .monaco-list');
  const row = (label: string) =>
    tree().locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });

  /** Right-clicks a tree row and clicks a menu item until `opened` shows (a click while the menu fades in is dropped). */
  async function fromMenu(label: string, item: string, opened: Locator, shot: string): Promise<void> {
    await row(label).click({ button: 'right' });
    const action = page.locator('.monaco-menu .action-label', { hasText: item });
    await action.waitFor({ timeout: 15_000 });
    await until(`${item} opens its input`, async () => {
      if (await opened.isVisible()) return true;
      if (await action.isVisible()) await action.click({ timeout: 2_000 }).catch(() => undefined);
      return opened.isVisible();
    }).catch(async (error: Error) => {
      await screenshot(page, shot);
      throw error;
    });
  }

  it("builds the index of a prefix from its menu in the Buckets tree, and the prefix says it's indexed", async () => {
    await page.getByRole('tab', { name: 'S3 Lifecycle Studio' }).click();
    await row(BUCKET).waitFor({ timeout: 60_000 });
    await row(BUCKET).click();
    await row(truth.prefix).waitFor({ timeout: 60_000 });
    const input = page.locator('.quick-input-widget', { hasText: `Index of s3://${BUCKET}/${truth.prefix}` });
    await fromMenu(truth.prefix, 'Build Index Here…', input, 'key-index-build-failed');
    assert.equal(await page.locator('.quick-input-widget input').inputValue(), `s3://${BUCKET}/_index/${truth.prefix}`);
    await page.keyboard.press('Enter');
    const done = page.locator('.notifications-toasts .notification-toast', { hasText: `Indexed s3://${BUCKET}/${truth.prefix}` });
    await done.waitFor({ timeout: 120_000 });
    assert.match(
      (await done.textContent()) ?? '',
      new RegExp(`${truth.files.length} new objects, ${truth.records.toLocaleString('en-US')} keys, 1 part written; 0 objects were indexed already`),
    );
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `_index/${truth.prefix}` }));
    assert.ok(
      (listed.Contents ?? []).some((o) => o.Key === `_index/${truth.prefix}_index.json`),
      'the index is in S3 beside the data',
    );
    await row(truth.prefix).locator('.label-description', { hasText: 'indexed · hour' }).waitFor({ timeout: 15_000 });
    await screenshot(page, 'key-index-built');
  });

  it('looks a record up by key from the same menu: the bytes S3 holds, in an editor, with its cost in the status bar', async () => {
    const sample = truth.samples[0]!;
    const input = page.locator('.quick-input-widget', { hasText: `Look Up Record by Key in s3://${BUCKET}/_index/${truth.prefix}` });
    await fromMenu(truth.prefix, 'Look Up Record by Key…', input, 'key-index-lookup-failed');
    await page.locator('.quick-input-widget input').fill(sample.key);
    await page.keyboard.press('Enter');

    const expected = await (
      await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: sample.object, Range: `bytes=${sample.offset}-${sample.offset + sample.length - 1}` }))
    ).Body!.transformToString();
    assert.equal(expected, sample.record);
    const tabName = `${sample.key}.txt`;
    await page.locator('.tabs-container .tab.active', { hasText: tabName }).waitFor({ timeout: 30_000 });
    const lines = page.locator('.editor-group-container.active .monaco-editor .view-lines');
    await until('the record shows in the editor', async () => ((await lines.textContent()) ?? '').replace(/\u00a0/g, ' ').includes(expected));
    const status = page.locator('.statusbar-item', { hasText: / requests · / });
    await status.waitFor({ timeout: 15_000 });
    const cost = (await status.textContent()) ?? '';
    const requests = Number(/(\d+) requests/.exec(cost)?.[1]);
    assert.ok(requests >= 2 && requests <= 4, `a cold lookup: the manifest, the entry block, the record (and a rare Bloom false positive): ${cost}`);
    assert.match(cost, /\d+ ms/);
    await screenshot(page, 'key-index-lookup');
  });
});

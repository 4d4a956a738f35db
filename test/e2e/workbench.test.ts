// The UI as a person uses it: VS Code (server 1.100.3) with the packaged VSIX installed, in
// headless Chromium. Screenshots go to test-results/.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Browser } from 'playwright-core';
import { findWebviewFrame, launchBrowser, openWorkbench, requiredEnv, runFromPalette, screenshot, waitForWorkbench, type Workbench } from './workbench';

describe('S3 Lifecycle Studio in VS Code, as a user sees it', () => {
  let browser: Browser;
  let workbench: Workbench;

  before(async () => {
    const endpoint = requiredEnv('S3LS_MOTO_ENDPOINT');
    const s3 = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    // Bucket names cannot hold markup, so the panel's HTML-safety is checked with a name that looks like it would matter.
    for (const name of ['estate-2019', 'access-logs-e2e']) await s3.send(new CreateBucketCommand({ Bucket: name }));
    // A prefix larger than the page size (50 in this VS Code's settings), and a few levels.
    const keys = [...Array.from({ length: 120 }, (_, i) => `big/${String(i).padStart(4, '0')}.json`), 'tenant-042/2023/07/14/report.json', 'README.md'];
    await Promise.all(keys.map((Key) => s3.send(new PutObjectCommand({ Bucket: 'estate-2019', Key, Body: Key }))));
    s3.destroy();
    browser = await launchBrowser();
    workbench = await openWorkbench(browser, requiredEnv('S3LS_E2E_SERVER_URL'), requiredEnv('S3LS_E2E_WORKSPACE'));
  });

  after(async () => {
    await browser?.close();
  });

  it('was installed from the platform-specific VSIX, DuckDB binary included', () => {
    const extensionsDir = requiredEnv('S3LS_E2E_EXTENSIONS_DIR');
    const installed = readdirSync(extensionsDir).find((d) => d.startsWith('s3-lifecycle-studio.s3-lifecycle-studio-'));
    assert.ok(installed, `the extension is in ${extensionsDir}`);
    assert.ok(existsSync(join(extensionsDir, installed, 'node_modules', '@duckdb', 'node-bindings-linux-x64', 'libduckdb.so')));
  });

  it('shows the Buckets view with its welcome content from the activity bar', async () => {
    const { page } = workbench;
    await page.getByRole('tab', { name: 'S3 Lifecycle Studio' }).click();
    const sidebarTitle = page.locator('.sidebar .composite.title');
    await sidebarTitle.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match((await sidebarTitle.textContent()) ?? '', /S3 Lifecycle Studio.*Buckets/i);
    const welcome = page.locator('.welcome-view-content');
    await welcome.getByText(/No S3 connection yet/).waitFor({ state: 'visible', timeout: 30_000 });
    assert.ok(await welcome.getByRole('button', { name: 'Choose AWS Profile' }).isVisible());
    assert.ok(await welcome.getByRole('button', { name: 'Set S3 Endpoint' }).isVisible());
    await screenshot(page, 'e2e-activity-bar-welcome');
  });

  it('connects to the local S3 server: Choose AWS Profile, then Set S3 Endpoint, from the palette', async () => {
    const { page } = workbench;
    await runFromPalette(page, 'S3 Lifecycle: Choose AWS Profile');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'e2e' }).click();
    await runFromPalette(page, 'S3 Lifecycle: Set S3 Endpoint');
    const input = page.locator('.quick-input-widget input');
    await input.fill('localhost:9000');
    await page.locator('.quick-input-widget', { hasText: 'must start with http:// or https://' }).waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(requiredEnv('S3LS_MOTO_ENDPOINT'));
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Yes, path-style' }).waitFor({ state: 'visible', timeout: 15_000 });
    await page.keyboard.press('Enter');
    // The tree replaces the welcome view: the connection (named after the profile) and its buckets.
    const tree = page.locator('.sidebar .monaco-list');
    await tree.locator('.monaco-list-row', { hasText: 'estate-2019' }).waitFor({ state: 'visible', timeout: 30_000 });
    assert.ok(await tree.locator('.monaco-list-row', { hasText: 'e2e' }).first().isVisible());
  });

  it('expands a bucket and a prefix, and pages with Load more…', async () => {
    const { page } = workbench;
    const tree = page.locator('.sidebar .monaco-list');
    const row = (text: string) => tree.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: text }) }).first();
    await row('estate-2019').click();
    await row('big/').waitFor({ state: 'visible', timeout: 30_000 });
    assert.ok(await row('tenant-042/').isVisible());
    assert.ok(await row('README.md').isVisible());
    await row('big/').click();
    await row('0000.json').waitFor({ state: 'visible', timeout: 30_000 });
    // The tree renders only the rows in view: go to the end of the list, where Load more… is.
    const toEnd = () => page.keyboard.press('End');
    await toEnd();
    const more = tree.locator('.monaco-list-row', { hasText: 'Load more…' });
    await more.waitFor({ state: 'visible', timeout: 10_000 });
    assert.match((await more.textContent()) ?? '', /50 loaded/);
    await more.click();
    // Wait for the second page to replace the old Load more… row before going to the end again.
    await tree.locator('.monaco-list-row', { hasText: '50 loaded' }).waitFor({ state: 'detached', timeout: 30_000 });
    await row('big/').click();
    await toEnd();
    await tree.locator('.monaco-list-row', { hasText: 'Load more…' }).filter({ hasText: '100 loaded' }).waitFor({ timeout: 30_000 });
    assert.ok(await row('0099.json').isVisible(), 'the second page sits under the first');
    await screenshot(page, 'e2e-tree-load-more');
  });

  it('opens the lifecycle panel from the command palette and renders it in the webview', async () => {
    const { page } = workbench;
    await runFromPalette(page, 'S3 Lifecycle: Open Lifecycle Panel');
    const frame = await findWebviewFrame(page, '#panel-title');
    assert.equal((await frame.locator('#panel-title').textContent())?.trim(), 'S3 Lifecycle Studio');
    const connection = (await frame.locator('#connection').textContent()) ?? '';
    assert.ok(connection.includes(requiredEnv('S3LS_MOTO_ENDPOINT')), `connection line names the local endpoint: ${connection}`);
    assert.match(connection, /path-style/);
    assert.match((await frame.locator('#engine').textContent()) ?? '', /DuckDB/);
  });

  it('lists the buckets of the local S3 server in the panel', async () => {
    const { page } = workbench;
    const frame = await findWebviewFrame(page, '#list-buckets');
    await frame.locator('#list-buckets').click();
    const grid = frame.locator('#bucket-grid');
    await grid.waitFor({ state: 'visible', timeout: 30_000 });
    for (const name of ['estate-2019', 'access-logs-e2e']) {
      await grid.getByText(name, { exact: true }).waitFor({ timeout: 10_000 });
    }
    await screenshot(page, 'e2e-lifecycle-panel');
  });

  it('keeps what it showed when its webview reloads (getState/setState)', async () => {
    const { page } = workbench;
    const before = await findWebviewFrame(page, '#bucket-grid');
    await runFromPalette(page, 'Developer: Reload Webviews');
    // The reloaded document renders the saved bucket list at once, without asking the host again.
    const after = await findWebviewFrame(page, '#bucket-grid', 30_000, before);
    await after.locator('#bucket-grid').getByText('access-logs-e2e', { exact: true }).waitFor({ timeout: 10_000 });
  });

  it('comes back after the window reloads (panel serializer)', async () => {
    const { page } = workbench;
    // As a user reloads: the workbench saves its editors before it goes.
    await Promise.all([
      page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 60_000 }),
      runFromPalette(page, 'Developer: Reload Window'),
    ]);
    await waitForWorkbench(page);
    const frame = await findWebviewFrame(page, '#panel-title', 60_000);
    assert.equal((await frame.locator('#panel-title').textContent())?.trim(), 'S3 Lifecycle Studio');
    await frame.locator('#bucket-grid').getByText('estate-2019', { exact: true }).waitFor({ timeout: 10_000 });
  });

  it('runs under its content security policy without violations', () => {
    const violations = workbench.consoleMessages.filter(
      (m) => /Content Security Policy|Refused to (load|execute|apply)/i.test(m) && /vscode-cdn|vscode-resource|webview|panel/i.test(m),
    );
    assert.deepEqual(violations, []);
  });

  it('loads the packaged DuckDB engine when asked from the palette', async () => {
    const { page } = workbench;
    await runFromPalette(page, 'S3 Lifecycle: Check Local SQL Engine');
    const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: /DuckDB v\d+\.\d+.* is ready/ });
    await toast.waitFor({ state: 'visible', timeout: 60_000 });
    await screenshot(page, 'e2e-local-engine');
  });
});

// `npm run demo` as a new user runs it: it ends with a VS Code URL; there the extension is active
// with the demo's settings and sees the demo's buckets; Ctrl-C stops everything it started.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { findWebviewFrame, launchBrowser, runFromPalette, screenshot, waitForWorkbench } from './workbench';

const repoRoot = join(__dirname, '..', '..', '..');

async function reachable(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

describe('npm run demo', () => {
  let demo: ChildProcess;
  let output = '';
  let url: string;
  let s3: string;
  let browser: Browser;

  before(async () => {
    const env = { ...process.env };
    for (const name of Object.keys(env)) if (name.startsWith('S3LIFECYCLE_') || name.startsWith('S3LS_E2E')) delete env[name];
    demo = spawn(process.execPath, [join(repoRoot, 'scripts', 'demo.mjs'), '--objects', '4000', '--out', join(repoRoot, 'test-results', 'demo-out')], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.stdout!.on('data', (d) => (output += d));
    demo.stderr!.on('data', (d) => (output += d));
    const deadline = Date.now() + 8 * 60_000;
    while (!/Open:\s+(\S+)/.test(output)) {
      if (demo.exitCode !== null) throw new Error(`the demo exited with ${demo.exitCode} before printing its URL:\n${output}`);
      if (Date.now() > deadline) throw new Error(`the demo printed no URL within 8 minutes:\n${output}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    url = /Open:\s+(\S+)/.exec(output)![1]!;
    s3 = /Local S3:\s+(\S+)/.exec(output)![1]!;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    if (demo && demo.exitCode === null) demo.kill('SIGKILL');
  });

  it('ends with the URL of VS Code in the browser and the local S3 endpoint', () => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?folder=/);
    assert.match(s3, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(output, /Estate: \d+ prefixes, \d+ log lines, \d+ unused prefixes/);
    assert.match(output, /Second estate demo-current: an inventory of current versions only/);
  });

  it('opens with the extension active and pointed at the demo estate', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    await page.goto(url);
    await waitForWorkbench(page);
    await page.getByRole('tab', { name: 'S3 Lifecycle Studio' }).click();
    // The demo's connection is in the tree, with the demo's buckets under it.
    const tree = page.locator('.sidebar .monaco-list');
    for (const name of ['demo-estate', 'demo-estate-inventory', 'demo-estate-logs']) {
      await tree.locator('.monaco-list-row', { hasText: name }).first().waitFor({ state: 'visible', timeout: 60_000 });
    }
    await tree.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: /^demo-estate$/ }) }).click();
    await tree.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: 'tenant-001/' }) }).waitFor({ timeout: 60_000 });
    await screenshot(page, 'e2e-demo-tree');
    await runFromPalette(page, 'S3 Lifecycle: Open Lifecycle Panel');
    const frame = await findWebviewFrame(page, '#list-buckets', 60_000);
    assert.ok(((await frame.locator('#connection').textContent()) ?? '').includes(s3));
    assert.match((await frame.locator('#engine').textContent()) ?? '', /DuckDB/);
    await frame.locator('#list-buckets').click();
    const grid = frame.locator('#bucket-grid');
    for (const name of ['demo-estate', 'demo-estate-inventory', 'demo-estate-logs', 'demo-current', 'demo-current-inventory'])
      await grid.getByText(name, { exact: true }).waitFor({ timeout: 30_000 });
    await screenshot(page, 'e2e-demo');

    // The estate's deletion plays from the panel's own button: the demo's settings answer the inputs.
    await frame.locator('#deletion-play-command').click();
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'demo-estate' }).first().waitFor({ timeout: 30_000 });
    await input.fill('demo-estate');
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: /^demo-estate$/ })
      .first()
      .waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget', { hasText: 'Play the deletion of s3://demo-estate' }).waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
    await frame.locator('#deletion-player[data-status="complete"]').waitFor({ timeout: 300_000 });
    assert.ok(Number(await frame.locator('#deletion-player').getAttribute('data-frames')) > 1, 'the deletion has frames');
    await frame.locator('#deletion-play[aria-pressed="true"]').waitFor({ timeout: 30_000 });
    await screenshot(page, 'e2e-demo-deletion');
    await page.close();
  });

  it('stops everything it started on Ctrl-C', async () => {
    const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
    demo.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000))]);
    assert.notEqual(code, 'timeout', 'the demo exits within 30 s of Ctrl-C');
    assert.equal(await reachable(s3), false, 'the S3 server is stopped');
    assert.equal(await reachable(new URL(url).origin), false, 'the VS Code server is stopped');
  });
});

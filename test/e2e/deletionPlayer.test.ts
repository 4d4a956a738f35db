// The deletion player in the real VS Code, as a person uses it, on the demo's estate put on the local
// S3 server: "Play Lifecycle Deletion…" from the palette, the frames play, a scrub to a frame shows
// the counts the generator's truth.json has for that hour, hovering a pixel names a segment prefix of
// the estate, and Export GIF writes the frames read as a GIF; opened on a prefix in the Buckets tree, it
// plays only the objects under that prefix.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { GifReader } from 'omggif';
import type { Browser, Frame, Page } from 'playwright-core';
import type { EstateTruth } from '../../src/core/estate/generate';
import { findWebviewFrame, launchBrowser, openWorkbench, requiredEnv, runFromPalette, screenshot, until } from './workbench';

const repoRoot = join(__dirname, '..', '..', '..');
const BUCKET = 'e2e-deletion';
const STATES = ['present', 'transitioned', 'deleteMarked', 'noncurrentExpired', 'gone'] as const;

/** Every key of the estate's inventory (its CSV data files, keys URL-encoded as S3 writes them). */
function inventoryKeys(estate: string): Set<string> {
  const keys = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.csv.gz')) {
        for (const line of gunzipSync(readFileSync(path)).toString('utf8').split('\n')) {
          const key = /^"[^"]*","([^"]*)"/.exec(line)?.[1];
          if (key !== undefined) keys.add(decodeURIComponent(key.replace(/\+/g, ' ')));
        }
      }
    }
  };
  walk(join(estate, 'inventory'));
  return keys;
}

/** The snapshot's keys (every key with a version that is not a delete marker) that start with `prefix`. */
function snapshotKeysUnder(estate: string, truth: EstateTruth, prefix: string): Set<string> {
  const keyAt = truth.inventory.fields.indexOf('Key');
  const markerAt = truth.inventory.fields.indexOf('IsDeleteMarker');
  assert.ok(keyAt >= 0 && markerAt >= 0, truth.inventory.fields.join(','));
  const keys = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.csv.gz')) {
        for (const line of gunzipSync(readFileSync(path)).toString('utf8').split('\n')) {
          if (line === '') continue;
          // Every field quoted; a key's commas and quotes are URL-encoded.
          const fields = line.slice(1, -1).split('","');
          const key = decodeURIComponent(fields[keyAt]!.replace(/\+/g, ' '));
          if (fields[markerAt] !== 'true' && key.startsWith(prefix)) keys.add(key);
        }
      }
    }
  };
  walk(join(estate, 'inventory'));
  return keys;
}

async function counts(player: Frame): Promise<number[]> {
  return Promise.all(
    STATES.map(async (state) => Number(await player.locator(`#deletion-legend tr[data-state="${state}"] td.count`).getAttribute('data-value'))),
  );
}

async function shownFrame(player: Frame): Promise<number> {
  return Number(await player.locator('#deletion-player').getAttribute('data-frame'));
}

describe('the deletion player in the browser', () => {
  let browser: Browser;
  let page: Page;
  let player: Frame;
  let truth: EstateTruth;
  let workspace: string;
  let estate: string;
  let frames: number;

  before(async () => {
    const endpoint = requiredEnv('S3LS_MOTO_ENDPOINT');
    workspace = join(repoRoot, 'test-results', 'workspaces', 'e2e-deletion');
    estate = join(workspace, 'estate');
    rmSync(workspace, { recursive: true, force: true });
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    const asOf = new Date(Date.now() + 31 * 86_400_000).toISOString().slice(0, 10);
    // The demo's estate, smaller. Not execFileSync: the generator's uploads must not wait on this process.
    await promisify(execFile)(
      process.execPath,
      [
        join(repoRoot, 'dist', 'cli.js'),
        'generate',
        '--out',
        estate,
        '--objects',
        '4000',
        '--bucket',
        BUCKET,
        '--as-of',
        asOf,
        '--upload-objects',
        '100',
      ].concat(['--endpoint', endpoint, '--path-style', '--region', 'us-east-1']),
      { env: { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' }, maxBuffer: 64 * 1024 * 1024 },
    );
    truth = JSON.parse(readFileSync(join(estate, 'truth.json'), 'utf8')) as EstateTruth;
    assert.ok(truth.lifecycle.timeline.length > 2, 'the estate has a lifecycle deletion');
    writeFileSync(
      join(workspace, '.vscode', 'settings.json'),
      JSON.stringify(
        {
          's3lifecycle.endpoint': endpoint,
          's3lifecycle.forcePathStyle': true,
          's3lifecycle.region': 'us-east-1',
          's3lifecycle.profile': 'e2e',
          's3lifecycle.query.inventoryLocation': `s3://${BUCKET}-inventory/inventory/${BUCKET}/daily-full/`,
          's3lifecycle.query.logsLocation': `s3://${BUCKET}-logs/logs/`,
          's3lifecycle.deletion.granularity': 'hour',
          'files.exclude': { estate: true },
        },
        null,
        2,
      ),
    );
    browser = await launchBrowser();
    ({ page } = await openWorkbench(browser, requiredEnv('S3LS_E2E_SERVER_URL'), workspace));
  });

  after(async () => {
    await browser?.close();
  });

  it('opens from the palette and plays the deletion as it is read', async () => {
    await runFromPalette(page, 'S3 Lifecycle: Play Lifecycle Deletion…');
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: BUCKET }).first().waitFor({ timeout: 30_000 });
    await input.fill(BUCKET);
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: new RegExp(`^${BUCKET}$`) })
      .first()
      .waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter');
    // The inventory and the logs come from the settings: one Enter plays them.
    await page.locator('.quick-input-widget', { hasText: `Play the deletion of s3://${BUCKET}` }).waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');

    player = await findWebviewFrame(page, '#deletion-player:not([data-status="idle"])', 120_000);
    await player.locator('#deletion-player[data-status="complete"]').waitFor({ timeout: 300_000 });
    frames = Number(await player.locator('#deletion-player').getAttribute('data-frames'));
    assert.ok(frames > 2, `${frames} frames`);
    // Read to its end, it plays from the start: the frame counter advances and the counts change.
    const first = await shownFrame(player);
    const firstCounts = await counts(player);
    await until('the frame counter advances', async () => (await shownFrame(player)) > first + 2, 60_000);
    assert.equal(await player.locator('#deletion-play').getAttribute('aria-pressed'), 'true');
    await until('the counts change', async () => (await counts(player)).some((n, i) => n !== firstCounts[i]), 60_000);
    await screenshot(page, 'deletion-player');
  });

  it('scrubs to a frame whose counts are the hour of truth.json, and keeps it when the webview reloads', async () => {
    // Pause, then the scrubber from the keyboard: Home, and Right to the frame in the middle.
    await player.locator('#deletion-play').click();
    await player.locator('#deletion-play[aria-pressed="false"]').waitFor({ timeout: 10_000 });
    const target = Math.floor(frames / 2);
    await player.locator('#deletion-scrub').focus();
    await page.keyboard.press('Home');
    await until('Home shows the first frame', async () => (await shownFrame(player)) === 0);
    // Moved to the middle (the slider's value and its input event, as a drag gives them), then one step right from the keyboard.
    await player.locator('#deletion-scrub').fill(String(target));
    await until(`frame ${target} is shown`, async () => (await shownFrame(player)) === target);
    await page.keyboard.press('ArrowRight');
    await until(`frame ${target + 1} is shown`, async () => (await shownFrame(player)) === target + 1);

    const time = Number(await player.locator('#deletion-time').getAttribute('data-time'));
    const shown = await counts(player);
    // The hour's counts in truth.json: the last hour with events at or before the frame's.
    const hour = [...truth.lifecycle.timeline].reverse().find((entry) => Date.parse(entry.bucket) <= time);
    assert.ok(hour, `truth.json has the hour of ${new Date(time).toISOString()}`);
    const [present, transitioned, deleteMarked, noncurrentExpired, gone] = shown as [number, number, number, number, number];
    assert.deepEqual(
      { deleteMarked, noncurrentExpired, gone },
      { deleteMarked: hour.deleteMarked, noncurrentExpired: hour.noncurrentExpired, gone: hour.gone },
    );
    // The player counts every object of the inventory; truth.json those the rule expires.
    const objects = present + transitioned + deleteMarked + noncurrentExpired + gone;
    assert.equal(present + transitioned - hour.current, objects - truth.lifecycle.objects);
    // The partitions and the estimated end beside it are as they were known at that frame.
    await until('the progress is of the frame shown', async () => Number(await player.locator('#deletion-progress-as-of').getAttribute('data-time')) === time);
    await player.locator('#deletion-heading').evaluate((heading) => heading.scrollIntoView());
    await screenshot(page, 'deletion-player-scrubbed');
    // This frame of the image alone, as the README shows it.
    await player.locator('#deletion-canvas').screenshot({ path: join(process.env.S3LS_SCREENSHOTS ?? 'test-results', 'deletion-frame.png') });

    // A reload of the webview comes back to the same frame, paused, with the same counts.
    const before = player;
    await runFromPalette(page, 'Developer: Reload Webviews');
    await until('the webview reloads', async () => before.isDetached(), 20_000);
    player = await findWebviewFrame(page, '#deletion-player[data-status="complete"]', 60_000, before);
    await until(`frame ${target + 1} is shown again`, async () => (await shownFrame(player)) === target + 1, 30_000).catch(async (error: Error) => {
      await screenshot(page, 'deletion-player-reload-failed');
      throw new Error(
        `${error.message}: frame ${await shownFrame(player)} of ${await player.locator('#deletion-player').getAttribute('data-frames')} is shown`,
      );
    });
    assert.deepEqual(await counts(player), shown);
    assert.equal(await player.locator('#deletion-play').getAttribute('aria-pressed'), 'false');
  });

  it("names a hovered pixel's segment prefix and keys, which are the estate's", async () => {
    const keys = inventoryKeys(estate);
    const canvas = player.locator('#deletion-canvas');
    const box = await canvas.boundingBox();
    assert.ok(box);
    const tooltip = player.locator('#deletion-tooltip[data-prefix]');
    // Along the diagonal until a pixel with objects (not background) is under the pointer.
    for (let step = 1; step < 20 && (await tooltip.count()) === 0; step++) {
      await canvas.hover({ position: { x: (box.width * step) / 20, y: (box.height * step) / 20 } });
      await player.locator('#deletion-tooltip:not([hidden])').filter({ hasNotText: 'Looking up' }).waitFor({ timeout: 30_000 });
    }
    const prefix = await tooltip.getAttribute('data-prefix');
    assert.ok(prefix !== null && prefix !== '', 'a pixel with objects was found');
    assert.ok(
      [...keys].some((key) => key.startsWith(prefix)),
      `some key of the estate starts with ${prefix}`,
    );
    const [firstKey, lastKey] = ((await player.locator('#deletion-tooltip .tooltip-keys').textContent()) ?? '').split(' … ');
    assert.ok(keys.has(firstKey!) && keys.has(lastKey!), `${firstKey} and ${lastKey} are keys of the inventory`);
    await screenshot(page, 'deletion-player-hover');
  });

  it('exports the frames as a GIF where the save dialog says', async () => {
    const target = join(workspace, 'deletion.gif');
    await player.locator('#deletion-export').click();
    // VS Code's own save dialog (in the browser, a quick input with the path).
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    // The dialog fills in its default (the workspace folder and the bucket's name) a moment after it
    // shows: typing before that would be overwritten.
    await until('the save dialog offers its default', async () => (await input.inputValue()).endsWith(`${BUCKET}-deletion.gif`), 30_000);
    await input.fill(target);
    await until('the path is typed', async () => (await input.inputValue()) === target);
    await page.keyboard.press('Enter');
    const error = player.locator('#deletion-error:not([hidden])');
    await player.locator('#deletion-export-note', { hasText: target }).or(error).waitFor({ timeout: 120_000 });
    if (await error.isVisible()) {
      await screenshot(page, 'deletion-export-failed');
      assert.fail(`Export GIF failed: ${await error.textContent()}`);
    }
    assert.ok(existsSync(target));
    const gif = readFileSync(target);
    assert.equal(gif.subarray(0, 6).toString('latin1'), 'GIF89a');
    assert.equal(new GifReader(gif).numFrames(), frames);
    copyFileSync(target, join(process.env.S3LS_SCREENSHOTS ?? 'test-results', 'deletion.gif'));
  });

  it("plays only a prefix's objects when opened on that prefix in the Buckets tree, and says so in its heading", async () => {
    await page.getByRole('tab', { name: 'S3 Lifecycle Studio' }).click();
    const tree = page.locator('.sidebar .monaco-list');
    const row = (label: string) =>
      tree.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });
    await row(BUCKET).waitFor({ timeout: 60_000 });
    await row(BUCKET).click();
    // The top-level folder the rule deleted most of, among those the tree lists (the server holds a sample of the estate's objects).
    await tree.locator('.monaco-list-row[aria-level="3"]').first().waitFor({ timeout: 60_000 });
    const listed = new Set(await tree.locator('.monaco-list-row[aria-level="3"] .label-name').allTextContents());
    const deletedUnder = new Map<string, number>();
    for (const u of truth.unusedPrefixes) {
      const folder = `${u.prefix.split('/')[0]}/`;
      if (listed.has(folder)) deletedUnder.set(folder, (deletedUnder.get(folder) ?? 0) + u.objects);
    }
    const chosen = [...deletedUnder].sort((a, b) => b[1] - a[1])[0];
    assert.ok(chosen, `a folder with deleted objects among ${[...listed].join(', ')}`);
    const [prefix, deleted] = chosen;
    const keys = snapshotKeysUnder(estate, truth, prefix);
    assert.ok(keys.size >= deleted && deleted > 0 && keys.size < inventoryKeys(estate).size, `${keys.size} objects under ${prefix}, ${deleted} deleted`);

    await row(prefix).click({ button: 'right' });
    // The menu fades in and takes no click until it is shown: click its item until the command's confirmation opens (the menu closes once it has run).
    const item = page.locator('.monaco-menu .action-label', { hasText: 'Play Lifecycle Deletion…' });
    const confirmation = page.locator('.quick-input-widget', { hasText: `Play the deletion of s3://${BUCKET}/${prefix}` });
    await item.waitFor({ timeout: 15_000 });
    await until('the confirmation of the prefix opens', async () => {
      if (await confirmation.isVisible()) return true;
      if (await item.isVisible()) await item.click({ timeout: 2_000 }).catch(() => undefined);
      return confirmation.isVisible();
    }).catch(async (error: Error) => {
      await screenshot(page, 'deletion-prefix-failed');
      throw error;
    });
    await page.keyboard.press('Enter');

    await player.locator('#deletion-heading', { hasText: `Lifecycle deletion of s3://${BUCKET}/${prefix}` }).waitFor({ timeout: 60_000 });
    await player.locator('#deletion-player[data-status="complete"]').waitFor({ timeout: 300_000 });
    // Its last frame: every object under the prefix, the ones truth.json's unused prefixes hold there gone.
    if ((await player.locator('#deletion-play').getAttribute('aria-pressed')) === 'true') await player.locator('#deletion-play').click();
    await player.locator('#deletion-play[aria-pressed="false"]').waitFor({ timeout: 10_000 });
    await player.locator('#deletion-canvas').focus();
    await page.keyboard.press('End');
    const last = Number(await player.locator('#deletion-player').getAttribute('data-frames')) - 1;
    await until('the last frame is shown', async () => (await shownFrame(player)) === last);
    const shown = await counts(player);
    assert.equal(
      shown.reduce((n, c) => n + c, 0),
      keys.size,
      `a pixel per object under ${prefix}`,
    );
    assert.equal(shown[4], deleted, `the objects deleted under ${prefix} are gone`);
    await screenshot(page, 'deletion-player-prefix');
  });
});

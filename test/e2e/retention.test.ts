// The product's main path in the real VS Code, as a person walks it: "Find Unused Prefixes" on an
// estate put on the local S3 server, the unused prefixes in the panel, "Tag for expiration" on one
// of them through the dry-run preview, then the tags and the lifecycle rule read back from the server.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  ListObjectVersionsCommand,
  PutObjectTaggingCommand,
  S3Client,
  type ObjectVersion,
} from '@aws-sdk/client-s3';
import type { Browser, Frame, Page } from 'playwright-core';
import type { EstateTruth } from '../../src/core/estate/generate';
import { prefixOfKey } from '../../src/core/prefix';
import { findWebviewFrame, focusTrace, launchBrowser, openWorkbench, requiredEnv, runFromPalette, screenshot } from './workbench';

const repoRoot = join(__dirname, '..', '..', '..');
const BUCKET = 'e2e-retention';
const EXPIRE_TAG = { Key: 's3-lifecycle-studio:expire', Value: 'true' };

/** An as-of date whose window starts after today: the objects just uploaded count as older than it. */
function asOfAfterToday(windowDays: number): string {
  return new Date(Date.now() + (windowDays + 1) * 86_400_000).toISOString().slice(0, 10);
}

/** The current versions of the objects directly under a prefix (its own keys, not deeper ones). */
async function currentObjectsUnder(client: S3Client, prefix: string): Promise<ObjectVersion[]> {
  const versions: ObjectVersion[] = [];
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  do {
    const page = await client.send(
      new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: prefix === '' ? undefined : `${prefix}/`, KeyMarker: keyMarker, VersionIdMarker: versionMarker }),
    );
    versions.push(...(page.Versions ?? []).filter((v) => v.IsLatest && prefixOfKey(v.Key!) === prefix));
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker);
  return versions;
}

/** Answers "which bucket?" (the pick lists the connection's buckets); returns the quick input's text field. */
async function pickBucket(page: Page): Promise<ReturnType<Page['locator']>> {
  const input = page.locator('.quick-input-widget input');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: BUCKET }).first().waitFor({ timeout: 30_000 });
  await input.fill(BUCKET);
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: new RegExp(`^${BUCKET}$`) })
    .first()
    .waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
  return input;
}

describe('Find Unused Prefixes and Tag for Expiration in the browser', () => {
  let browser: Browser;
  let page: Page;
  let panel: Frame;
  let truth: EstateTruth;
  let client: S3Client;
  let target: { prefix: string; objects: ObjectVersion[] };
  const asOf = asOfAfterToday(30);
  let workspace: string;

  before(async () => {
    const endpoint = requiredEnv('S3LS_MOTO_ENDPOINT');
    workspace = join(repoRoot, 'test-results', 'workspaces', 'e2e-retention');
    rmSync(workspace, { recursive: true, force: true });
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    // The demo's estate, smaller: inventory and logs in their buckets, real objects for a subset.
    execFileSync(
      process.execPath,
      [
        join(repoRoot, 'dist', 'cli.js'),
        'generate',
        '--out',
        join(workspace, 'estate'),
        '--objects',
        '4000',
        '--bucket',
        BUCKET,
        '--as-of',
        asOf,
        '--upload-objects',
        '800',
        '--endpoint',
        endpoint,
        '--path-style',
        '--region',
        'us-east-1',
      ],
      { stdio: 'ignore', env: { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' } },
    );
    truth = JSON.parse(readFileSync(join(workspace, 'estate', 'truth.json'), 'utf8')) as EstateTruth;
    assert.ok(truth.unusedPrefixes.length > 0, 'the estate has unused prefixes');
    client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

    // An unused prefix with real objects on the server; one of them already carries a tag of its own.
    for (const unused of truth.unusedPrefixes) {
      const objects = await currentObjectsUnder(client, unused.prefix);
      if (objects.length >= 2) {
        target = { prefix: unused.prefix, objects };
        break;
      }
    }
    assert.ok(target, 'some unused prefix has real objects on the server');
    await client.send(
      new PutObjectTaggingCommand({
        Bucket: BUCKET,
        Key: target.objects[0]!.Key!,
        VersionId: target.objects[0]!.VersionId,
        Tagging: { TagSet: [{ Key: 'owner', Value: 'e2e' }] },
      }),
    );

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
          // Low enough that tagging one prefix asks for the bucket name, as a big run would,
          // and that the preview offers an S3 Batch Operations manifest (the default is a million).
          's3lifecycle.expiration.confirmThreshold': 1,
          's3lifecycle.expiration.batchOperationsThreshold': 1,
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
    client?.destroy();
  });

  it('runs "Find Unused Prefixes" and lists truth.json\'s unused prefixes in the panel', async () => {
    await runFromPalette(page, 'S3 Lifecycle: Find Unused Prefixes');
    const input = await pickBucket(page);
    // Inventory and logs come from the settings; the window (its default kept), the as-of date and the engine (the current one kept) are asked.
    await page.locator('.quick-input-widget', { hasText: 'Access window (days)' }).waitFor({ timeout: 15_000 });
    assert.equal(await input.inputValue(), '30');
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget', { hasText: 'As-of date' }).waitFor({ timeout: 15_000 });
    await input.fill(asOf);
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget', { hasText: 'Engine for' }).waitFor({ timeout: 15_000 });
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Embedded DuckDB' }).first().waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter');

    panel = await findWebviewFrame(page, 'section#unused-prefixes [data-prefix]', 180_000);
    const shown = panel.locator('#retention-totals tr[data-totals="shown"]');
    assert.equal(((await shown.locator('td[data-total="prefixes"]').textContent()) ?? '').replace(/[^\d]/g, ''), String(truth.unusedPrefixes.length));
    assert.equal(((await shown.locator('td[data-total="objects"]').textContent()) ?? '').replace(/[^\d]/g, ''), String(truth.summary.unusedObjects));
    assert.match((await panel.locator('#retention-coverage').textContent()) ?? '', /30 of 30/);
    await screenshot(page, 'unused-prefixes-panel');
  });

  it('tags one prefix through the dry-run preview, keeping the tags its objects had', async () => {
    const filter = (await panel.locator('#prefix-filter input').count()) > 0 ? panel.locator('#prefix-filter input') : panel.locator('#prefix-filter');
    await filter.fill(target.prefix);
    const row = panel.locator(`[role="row"][data-prefix="${target.prefix}"]`);
    await row.waitFor({ timeout: 10_000 });
    await row.locator('.tag-button').click();

    // The preview: a modal with the counts, requests, cost and rule, and the rule's diff beside it.
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 60_000 });
    const detail = (await dialog.textContent()) ?? '';
    assert.match(detail, /dry-run preview/i);
    assert.match(detail, /GetObjectTagging/);
    assert.match(detail, /s3-lifecycle-studio-expire/);
    // A versioned bucket: why expired delete markers need a rule of their own, and the offer to add it.
    assert.match(detail, /delete marker/i);
    await dialog.getByRole('button', { name: 'Tag and Add Delete-Marker Rule' }).waitFor({ timeout: 5_000 });
    await screenshot(page, 'tag-for-expiration-preview');
    await dialog.getByRole('button', { name: /^Tag [\d,]+ Objects$/ }).click();
    // Above the confirmation threshold: the bucket name is typed to go on.
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget', { hasText: 'Type the bucket name' }).waitFor({ timeout: 15_000 });
    await input.fill(BUCKET);
    await page.keyboard.press('Enter');

    // Done when the rule is on the server (it is written after every object is tagged).
    const deadline = Date.now() + 120_000;
    let rules: { ID?: string; Filter?: { Tag?: { Key?: string; Value?: string } }; NoncurrentVersionExpiration?: { NoncurrentDays?: number } }[] = [];
    while (Date.now() < deadline) {
      rules = await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: BUCKET })).then(
        (r) => r.Rules ?? [],
        () => [],
      );
      if (rules.some((r) => r.ID?.startsWith('s3-lifecycle-studio-expire:'))) break;
      await page.waitForTimeout(500);
    }
    // One rule per tag, named by the tag and the days.
    const rule = rules.find((r) => r.ID?.startsWith('s3-lifecycle-studio-expire:'));
    assert.ok(rule, 'the lifecycle rule was written');
    assert.deepEqual(rule.Filter?.Tag, { Key: EXPIRE_TAG.Key, Value: EXPIRE_TAG.Value });
    assert.ok(rule.NoncurrentVersionExpiration?.NoncurrentDays, "a versioned bucket's rule also expires noncurrent versions");

    for (const object of target.objects) {
      const tags = (await client.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: object.Key!, VersionId: object.VersionId }))).TagSet ?? [];
      assert.ok(
        tags.some((t) => t.Key === EXPIRE_TAG.Key && t.Value === EXPIRE_TAG.Value),
        `${object.Key} is tagged`,
      );
      if (object === target.objects[0])
        assert.ok(
          tags.some((t) => t.Key === 'owner' && t.Value === 'e2e'),
          'the tag it had is kept',
        );
    }
    await panel.locator(`[role="row"][data-prefix="${target.prefix}"]`, { hasText: /tagged/i }).waitFor({ timeout: 30_000 });
    await screenshot(page, 'unused-prefixes-tagged');
  });

  it('works from the keyboard, and keeps sort, filter and selection when the panel reloads', async () => {
    const filterField = () => panel.locator('#prefix-filter input').or(panel.locator('input#prefix-filter')).first();
    await filterField().fill('');
    // The previous test left one row shown: wait until the cleared filter shows them all.
    await panel
      .locator('#retention-totals tr[data-totals="shown"] td[data-total="prefixes"]')
      .filter({ hasText: truth.unusedPrefixes.length.toLocaleString('en-US') })
      .waitFor({ timeout: 10_000 });
    const bytesHeader = () => panel.locator('[role="columnheader"][data-column="bytes"]');
    const sortBefore = await bytesHeader().getAttribute('aria-sort');
    await panel.locator('[data-sort-key="bytes"]').click();
    await panel.locator(`[role="columnheader"][data-column="bytes"]:not([aria-sort="${sortBefore}"])`).waitFor({ timeout: 5_000 });
    const sortAfter = await bytesHeader().getAttribute('aria-sort');
    assert.match(sortAfter ?? '', /^(ascending|descending)$/);
    // The rows follow the sort (once the grid has drawn them).
    const byPrefix = new Map(truth.unusedPrefixes.map((u) => [u.prefix, u.bytes]));
    // Rows are recycled as the grid scrolls: their order on screen is aria-rowindex, not the DOM's.
    const rowsInOrder = async () =>
      (
        await panel
          .locator('[role="row"][data-prefix]')
          .evaluateAll((rows) => rows.map((r) => [Number(r.getAttribute('aria-rowindex')), r.getAttribute('data-prefix')!] as const))
      )
        .sort((a, b) => a[0] - b[0])
        .map(([, prefix]) => prefix);
    const sortedByBytes = (prefixes: string[]) => {
      const bytes = prefixes.map((p) => byPrefix.get(p)!);
      return bytes.every((b, i) => i === 0 || (sortAfter === 'ascending' ? bytes[i - 1]! <= b : bytes[i - 1]! >= b));
    };
    let order = await rowsInOrder();
    for (let i = 0; i < 50 && !(order.length > 2 && sortedByBytes(order)); i++) {
      await page.waitForTimeout(100);
      order = await rowsInOrder();
    }
    assert.ok(order.length > 2 && sortedByBytes(order), 'rows in byte order');

    // A click on the first row makes it the active one (and gives the grid the focus); then Space,
    // ArrowDown, Shift+Space: the first two rows selected.
    await panel.locator(`[role="row"][data-prefix="${order[0]}"] [aria-colindex="2"]`).click();
    for (const key of [' ', 'ArrowDown', 'Shift+Space']) await page.keyboard.press(key);
    const selected = async () => panel.locator('[role="row"][aria-selected="true"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-prefix')));
    await panel.locator('[role="row"][aria-selected="true"]').nth(1).waitFor({ timeout: 5_000 });
    const chosen = await selected();
    assert.deepEqual([...chosen].sort(), order.slice(0, 2).sort());
    const part = order[0]!.split('/')[0]!;
    await filterField().fill(part);
    await page.waitForTimeout(300);
    const buttonBefore = await panel.locator('#tag-selected').textContent();

    // The reload is asynchronous: until the old document goes, it still matches. Wait for the new one.
    const before = panel;
    await runFromPalette(page, 'Developer: Reload Webviews');
    for (let i = 0; i < 200 && !before.isDetached(); i++) await page.waitForTimeout(100);
    assert.ok(before.isDetached(), 'the webview reloaded');
    panel = await findWebviewFrame(page, 'section#unused-prefixes [data-prefix]', 60_000, before);
    assert.equal(await bytesHeader().getAttribute('aria-sort'), sortAfter, 'the sort is kept');
    assert.equal(await filterField().inputValue(), part, 'the filter is kept');
    assert.deepEqual((await selected()).sort(), chosen.filter((p) => p!.includes(part)).sort(), 'the selection is kept');
    assert.equal(await panel.locator('#tag-selected').textContent(), buttonBefore, 'the same selection is offered for tagging');
    await screenshot(page, 'unused-prefixes-after-reload');
  });

  it('offers the remembered inputs for one Enter the next time', async () => {
    const shownBefore = await panel.locator('section#unused-prefixes').getAttribute('data-generated-at');
    assert.ok(shownBefore, 'the panel says which analysis it shows');
    // The keyboard in the panel: the workbench gives it back there when the quick pick closes.
    await panel.locator('#unused-heading').click();
    await runFromPalette(page, 'S3 Lifecycle: Find Unused Prefixes');
    await pickBucket(page);
    const analyse = page.locator('.quick-input-list .monaco-list-row', { hasText: `Analyse s3://${BUCKET}` });
    await analyse.waitFor({ timeout: 15_000 });
    assert.match((await analyse.textContent()) ?? '', new RegExp(`30 days to ${asOf}.*local`));
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Change the inputs' }).waitFor({ timeout: 5_000 });
    await page.keyboard.press('Enter');
    // Nothing more is asked: the analysis runs again with the same inputs, to the same unused prefixes.
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
    // The workbench gives the focus back to the panel asynchronously (a message to the webview's frame):
    // a palette opened before that lands would close under it, whatever the extension does. Wait until
    // the panel's document has the focus again.
    // (A function, not a string: the panel's CSP rightly forbids eval.)
    await panel.waitForFunction(() => (globalThis as unknown as { document: { hasFocus(): boolean } }).document.hasFocus(), undefined, { timeout: 10_000 });
    // The user goes on working meanwhile (here, in the command palette): the report must not take the focus from them.
    await page.keyboard.press('F1');
    const palette = page.locator('.quick-input-widget input');
    await palette.waitFor({ state: 'visible', timeout: 15_000 });
    await palette.fill('>S3 Lifecycle: Open Lifecycle Panel');
    // The panel already shows the first analysis: wait for this one's report (the next test must not race it).
    await panel.locator(`section#unused-prefixes[data-generated-at]:not([data-generated-at="${shownBefore}"])`).waitFor({ timeout: 180_000 });
    assert.ok(await palette.isVisible(), `the palette stays open when the report arrives; focus changes:\n${await focusTrace(page)}`);
    assert.equal(await palette.inputValue(), '>S3 Lifecycle: Open Lifecycle Panel');
    await page.keyboard.press('Escape');
    await panel.locator('#prefix-filter input').or(panel.locator('input#prefix-filter')).first().fill('');
    const shownPrefixes = panel.locator('#retention-totals tr[data-totals="shown"] td[data-total="prefixes"]');
    await shownPrefixes.filter({ hasText: truth.unusedPrefixes.length.toLocaleString('en-US') }).waitFor({ timeout: 10_000 });
    assert.equal(((await shownPrefixes.textContent()) ?? '').replace(/[^\d]/g, ''), String(truth.unusedPrefixes.length));
  });

  it('touched no object outside the prefix', async () => {
    const other = truth.unusedPrefixes.find((p) => p.prefix !== target.prefix && !p.prefix.startsWith(`${target.prefix}/`));
    assert.ok(other);
    for (const object of await currentObjectsUnder(client, other.prefix)) {
      const tags = (await client.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: object.Key!, VersionId: object.VersionId }))).TagSet ?? [];
      assert.ok(!tags.some((t) => t.Key === EXPIRE_TAG.Key), `${object.Key} is not tagged`);
    }
  });

  it('stops at missing access logs with a modal, and analyses anyway when told, stating the coverage', async () => {
    // The estate's logs run a week past its as-of date; 12 days past it, the window lacks its last 5 days.
    const later = new Date(Date.parse(`${asOf}T00:00:00Z`) + 12 * 86_400_000).toISOString().slice(0, 10);
    await runFromPalette(page, 'S3 Lifecycle: Find Unused Prefixes');
    const input = await pickBucket(page);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Change the inputs' }).waitFor({ timeout: 15_000 });
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Change the inputs' }).click();
    for (const title of ['Inventory of', 'Server access logs of', 'Access window (days)']) {
      await page.locator('.quick-input-widget', { hasText: title }).waitFor({ timeout: 15_000 });
      await page.keyboard.press('Enter');
    }
    await page.locator('.quick-input-widget', { hasText: 'As-of date' }).waitFor({ timeout: 15_000 });
    await input.fill(later);
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget', { hasText: 'Engine for' }).waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');

    const dialog = page.locator('.monaco-dialog-box', { hasText: 'Access logs are missing in the window' });
    await dialog.waitFor({ timeout: 120_000 });
    const detail = (await dialog.textContent()) ?? '';
    assert.match(detail, /No access logs for 5 of the 30 days/);
    assert.match(detail, new RegExp(`…${later}`), 'the missing days are named');
    await screenshot(page, 'missing-logs-modal');
    await dialog.getByRole('button', { name: 'Analyse Anyway' }).click();

    panel = await findWebviewFrame(page, '#retention-coverage.overridden', 180_000);
    assert.match((await panel.locator('#retention-coverage').textContent()) ?? '', /25 of 30/);
    await panel.locator('#coverage-overridden').waitFor({ timeout: 5_000 });
  });

  it('writes an S3 Batch Operations manifest from the preview instead of tagging, and tags nothing', async () => {
    let other: { prefix: string; objects: ObjectVersion[] } | undefined;
    for (const unused of truth.unusedPrefixes) {
      if (unused.prefix === target.prefix) continue;
      const objects = await currentObjectsUnder(client, unused.prefix);
      if (objects.length >= 2) {
        other = { prefix: unused.prefix, objects };
        break;
      }
    }
    assert.ok(other, 'a second unused prefix has real objects on the server');
    const filter = panel.locator('#prefix-filter input').or(panel.locator('input#prefix-filter')).first();
    await filter.fill(other.prefix);
    const row = panel.locator(`[role="row"][data-prefix="${other.prefix}"]`);
    await row.waitFor({ timeout: 10_000 });

    // Above the threshold, the preview offers the manifest.
    const dialog = page.locator('.monaco-dialog-box');
    await row.locator('.tag-button').click();
    await dialog.waitFor({ timeout: 60_000 });
    await dialog.getByRole('button', { name: 'Write Batch Operations Manifest…' }).click();

    const location = `s3://${BUCKET}-inventory/manifests/e2e-expire.csv`;
    const input = page.locator('.quick-input-widget input');
    const box = page.locator('.quick-input-widget', { hasText: 'Batch Operations manifest' });
    await box.waitFor({ timeout: 15_000 });
    assert.match((await box.textContent()) ?? '', /replaces/i, 'the warning that Batch Operations tagging replaces tag sets');
    await input.fill(location);
    await page.keyboard.press('Enter');
    await page
      .locator('.notifications-toasts', { hasText: /Wrote 2|Wrote \d+ rows/ })
      .first()
      .waitFor({ timeout: 60_000 });

    const body = await (await client.send(new GetObjectCommand({ Bucket: `${BUCKET}-inventory`, Key: 'manifests/e2e-expire.csv' }))).Body!.transformToString();
    const rows = body
      .trim()
      .split('\n')
      .map((line) => line.split(','));
    assert.deepEqual(
      rows.map(([bucket, key, versionId]) => `${bucket}|${decodeURIComponent(key!)}|${versionId}`).sort(),
      other.objects.map((o) => `${BUCKET}|${o.Key}|${o.VersionId}`).sort(),
    );
    for (const object of other.objects) {
      const tags = (await client.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: object.Key!, VersionId: object.VersionId }))).TagSet ?? [];
      assert.ok(!tags.some((t) => t.Key === EXPIRE_TAG.Key), `${object.Key} is not tagged`);
    }
  });
});

// A person's path through the SQL templates in the real VS Code: copy the templates into the
// workspace, edit a parameter in the header, run the template from its "Run locally" CodeLens, and
// read the unused prefixes in the results view.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import type { EstateTruth } from '../../src/core/estate/generate';
import { findWebviewFrame, launchBrowser, openWorkbench, requiredEnv, runFromPalette, screenshot } from './workbench';

const repoRoot = join(__dirname, '..', '..', '..');

describe('SQL templates in the browser', () => {
  let browser: Browser;
  let page: Page;
  let workspace: string;
  let truth: EstateTruth;
  let results: Frame;

  before(async () => {
    workspace = join(repoRoot, 'test-results', 'workspaces', 'e2e-templates');
    rmSync(workspace, { recursive: true, force: true });
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    execFileSync(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'generate', '--out', join(workspace, 'estate'), '--objects', '3000'], {
      stdio: 'ignore',
    });
    truth = JSON.parse(readFileSync(join(workspace, 'estate', 'truth.json'), 'utf8')) as EstateTruth;
    // Relative locations: the extension resolves them against the workspace folder.
    writeFileSync(
      join(workspace, '.vscode', 'settings.json'),
      JSON.stringify(
        {
          's3lifecycle.query.inventoryLocation': `estate/inventory/${truth.generator.bucket}/daily-full/hive`,
          's3lifecycle.query.logsLocation': 'estate/logs',
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

  it('copies the templates into the workspace and opens unused_prefixes.sql with its CodeLens', async () => {
    await runFromPalette(page, 'S3 Lifecycle: Edit SQL Templates');
    await page.locator('.tab', { hasText: 'unused_prefixes.sql' }).first().waitFor({ timeout: 30_000 });
    await page.locator('.codelens-decoration a', { hasText: 'Run locally' }).first().waitFor({ timeout: 30_000 });
  });

  it('edits the as_of parameter in the header, runs from "Run locally", and shows truth.json\'s unused prefixes', async () => {
    const header = readFileSync(join(workspace, '.s3-lifecycle', 'templates', 'unused_prefixes.sql'), 'utf8').split('\n');
    const line = header.findIndex((l) => l.startsWith('-- @param as_of date required'));
    assert.ok(line > 0, 'the template declares as_of as required');
    // Go to the line (Quick Open ":line"), replace it with a default, save: as a person edits the template.
    await page.locator('.tab', { hasText: 'unused_prefixes.sql' }).first().click();
    await page.keyboard.press('Control+p');
    const quickOpen = page.locator('.quick-input-widget input');
    await quickOpen.waitFor({ state: 'visible', timeout: 15_000 });
    await quickOpen.fill(`:${line + 1}`);
    await page.keyboard.press('Enter');
    await quickOpen.waitFor({ state: 'hidden', timeout: 15_000 });
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+End');
    await page.keyboard.type(`-- @param as_of date ${truth.window.end} The last day of the window (UTC, inclusive)`);
    await screenshot(page, 'sql-template-edited');
    await page.keyboard.press('Control+s');
    // Saved (the server may also auto-save): the file on disk has the new default.
    const file = join(workspace, '.s3-lifecycle', 'templates', 'unused_prefixes.sql');
    const deadline = Date.now() + 15_000;
    while (!readFileSync(file, 'utf8').includes(`@param as_of date ${truth.window.end} `)) {
      assert.ok(Date.now() < deadline, 'the edited template was saved');
      await page.waitForTimeout(200);
    }
    await page.locator('.codelens-decoration a', { hasText: 'Parameters…' }).filter({ hasNotText: 'to set' }).first().waitFor({ timeout: 15_000 });

    await page.locator('.codelens-decoration a', { hasText: 'Run locally' }).first().click();
    results = await findWebviewFrame(page, '#results-grid', 60_000);
    // Finished: the statistics line ("N rows · … read · … s"), or an error.
    await results.locator('#status:has-text(" read · "), #error:not(:empty)').first().waitFor({ timeout: 120_000 });
    assert.equal(await results.locator('#error').textContent(), '');
    const count = await results.locator('#row-count').textContent();
    assert.match(count ?? '', new RegExp(`\\b${truth.unusedPrefixes.length}\\b`));
    const first = truth.unusedPrefixes[0]!.prefix;
    await results.locator('#results-grid .cell', { hasText: first }).first().waitFor({ timeout: 10_000 });
    await screenshot(page, 'sql-results-view');
  });

  it('keeps the table virtual: only the visible rows are in the page', async () => {
    const rendered = await results.locator('#results-grid .grid-body [role="row"]').count();
    assert.ok(rendered > 0 && rendered <= Math.min(truth.unusedPrefixes.length, 80), `${rendered} rows in the DOM`);
  });
});

// Drives the VS Code workbench in headless Chromium the way a person does: clicks, the command
// palette, and the webview iframes. Shared by the end-to-end tests.

import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the end-to-end tests through "npm test" (or "npm test -- e2e"), which starts the servers`);
  return value;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.S3LS_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

export interface Workbench {
  page: Page;
  /** Browser console messages seen so far (all frames), for CSP and error checks. */
  consoleMessages: string[];
}

export async function openWorkbench(browser: Browser, serverUrl: string, folder: string): Promise<Workbench> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  const consoleMessages: string[] = [];
  page.on('console', (message) => consoleMessages.push(`${message.type()}: ${message.text()}`));
  await traceFocus(page);
  await page.goto(`${serverUrl}/?${new URLSearchParams({ folder }).toString()}`);
  await waitForWorkbench(page);
  return { page, consoleMessages };
}

/**
 * Records, in the workbench's own document, each element that takes the keyboard focus (a webview
 * taking it shows as its iframe): when the palette closes under a test, focusTrace says who took it.
 */
export async function traceFocus(page: Page): Promise<void> {
  // A script (the tests compile without the DOM's types); it runs in the workbench's document only.
  await page.addInitScript(`(() => {
    if (window.top !== window) return;
    const trace = (window.s3lsFocusTrace = []);
    const start = performance.now();
    const describe = (e) => e ? e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\\s+/).slice(0, 3).join('.') : '') : 'none';
    const note = (what) => {
      trace.push(Math.round(performance.now() - start) + ' ms ' + what);
      if (trace.length > 40) trace.shift();
    };
    document.addEventListener('focusin', (event) => note('focus → ' + describe(event.target)), true);
    window.addEventListener('blur', () => note('window blur (active: ' + describe(document.activeElement) + ')'));
  })()`);
}

/** The latest focus changes traceFocus saw, one a line. */
export async function focusTrace(page: Page): Promise<string> {
  return page.evaluate<string>(`(window.s3lsFocusTrace ?? ['(no trace)']).join('\\n')`).catch((error: Error) => `(no trace: ${error.message})`);
}

/**
 * The workbench is ready for a test once the extension's view container is in the activity bar:
 * the activity bar renders before the extension host has registered the extensions, and until then
 * the command palette does not list their commands.
 */
export async function waitForWorkbench(page: Page): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
  await page.getByRole('tab', { name: 'S3 Lifecycle Studio' }).waitFor({ timeout: 60_000 });
}

/** Runs a command from the palette by its title, e.g. "S3 Lifecycle: Open Lifecycle Panel". */
export async function runFromPalette(page: Page, title: string): Promise<void> {
  try {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await page.keyboard.press('Enter');
  } catch (error) {
    throw new Error(`running "${title}" from the palette: ${(error as Error).message.split('\n')[0]}\nfocus changes:\n${await focusTrace(page)}`);
  }
}

/** The frame of a webview whose document contains `selector` (webviews are nested iframes). */
export async function findWebviewFrame(page: Page, selector: string, timeoutMs = 30_000, exclude?: Frame): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame() || frame === exclude || frame.isDetached()) continue;
      try {
        if ((await frame.locator(selector).count()) > 0) return frame;
      } catch {
        // The frame navigated or went away while we looked.
      }
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`No webview frame contains ${selector} after ${timeoutMs / 1000} s`);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = process.env.S3LS_SCREENSHOTS ?? 'test-results';
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/**
 * Waits until a condition holds, asking again every 100 ms (the webview's CSP forbids the page-side
 * polling of waitForFunction, which evaluates a string).
 */
export async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Headless Debian Chromium driven by playwright-core (no browser download).
import { chromium } from 'playwright-core';
import { ensureChromium } from './tools.mjs';
import { CHROMIUM_ARGS } from './servers.mjs';

export async function launchBrowser() {
  const executablePath = await ensureChromium();
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

// `npm test`: installs what is missing, builds, and runs the five test layers against real parts:
//   unit         the pure core, plain Node
//   integration  the S3 service and CLI against a moto server on loopback
//   trino        the SQL templates' Trino SQL on a real Trino (the engine Athena runs), against the local engine
//   extension    a Mocha suite inside a real VS Code extension host (VS Code server + Chromium)
//   e2e          the UI as a person uses it: Playwright + Chromium against VS Code with the VSIX installed
// `npm test -- unit integration` runs some layers; `--only=NAME` runs only the test files whose name
// contains NAME (`npm test -- e2e --only=deletionPlayer`). Exits non-zero when any layer fails; with CI=true
// nothing may be skipped. The last line sums every layer: "tests: N passed, N failed".

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findTestFiles, runNodeTests } from './lib/nodeTests.mjs';
import { isCI, log, stopAll } from './lib/proc.mjs';
import { build, compileTests, ensureNodeModules, lint, packageVsix, repoRoot } from './lib/project.mjs';
import { installVsix, localAwsEnv, profileOnlyAwsEnv, startMoto, startTrino, startVersitygw, startVsCodeServer, workbenchUrl } from './lib/servers.mjs';
import { ensureChromium, ensureMoto, ensureOrSkip, ensureTrino, ensureVersitygw, ensureVsCodeServer, TRINO_VERSION, VSCODE_VERSION } from './lib/tools.mjs';

const ALL_LAYERS = ['unit', 'integration', 'trino', 'extension', 'e2e'];
const requested = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const layer of requested) {
  if (!ALL_LAYERS.includes(layer)) {
    console.error(`Unknown test layer "${layer}": choose from ${ALL_LAYERS.join(', ')}`);
    process.exit(2);
  }
}
const layers = requested.length ? requested : ALL_LAYERS;
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);

/** A layer's test files, narrowed by `--only=`. */
function testFiles(dir) {
  const files = findTestFiles(dir);
  if (!only) return files;
  const chosen = files.filter((file) => file.split('/').pop().includes(only));
  if (chosen.length === 0) throw new Error(`--only=${only} names no test file in ${dir}`);
  return chosen;
}
const resultsDir = join(repoRoot, 'test-results');
const outTests = join(repoRoot, 'out', 'test');
const results = [];

function record(layer, counts, note = '') {
  results.push({ layer, ...counts, note });
  log(`${layer}: ${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}${note ? ` (${note})` : ''}`);
}

function skipped(layer, why) {
  record(layer, { passed: 0, failed: isCI ? 1 : 0, skipped: 1 }, `skipped: ${why}`);
}

/** A workspace folder; with an endpoint, its settings point the extension at the local S3 server. */
function makeWorkspace(name, endpoint) {
  const dir = join(resultsDir, 'workspaces', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, '.vscode'), { recursive: true });
  if (endpoint) {
    writeFileSync(
      join(dir, '.vscode', 'settings.json'),
      JSON.stringify(
        {
          's3lifecycle.endpoint': endpoint,
          's3lifecycle.forcePathStyle': true,
          's3lifecycle.region': 'us-east-1',
        },
        null,
        2,
      ),
    );
  }
  writeFileSync(join(dir, 'README.md'), '# Test workspace\n');
  return dir;
}

async function unitLayer() {
  record('unit', await runNodeTests({ files: testFiles(join(outTests, 'unit')), tapFile: join(resultsDir, 'unit.tap') }));
}

async function integrationLayer() {
  const moto = await startMoto({ logDir: resultsDir });
  const vgwDir = join(resultsDir, 'versitygw');
  rmSync(vgwDir, { recursive: true, force: true });
  const versitygw = await startVersitygw({ logDir: resultsDir, dataDir: vgwDir });
  try {
    record(
      'integration',
      await runNodeTests({
        files: testFiles(join(outTests, 'integration')),
        tapFile: join(resultsDir, 'integration.tap'),
        env: {
          ...localAwsEnv(resultsDir),
          S3LS_MOTO_ENDPOINT: moto.endpoint,
          S3LS_VERSITYGW_ENDPOINT: versitygw.endpoint,
          S3LS_VERSITYGW_ROOT: `${versitygw.root.accessKeyId}:${versitygw.root.secretAccessKey}`,
          S3LS_VERSITYGW_DENIED: `${versitygw.denied.accessKeyId}:${versitygw.denied.secretAccessKey}`,
        },
      }),
    );
  } finally {
    await moto.stop();
    await versitygw.stop();
  }
}

/**
 * The templates on a real Trino: a fresh server whose hive catalog reads local files below
 * S3LS_TRINO_LOCAL_ROOT (its `local:///`), where the tests write their estates.
 */
async function trinoLayer() {
  const dir = join(resultsDir, 'trino');
  rmSync(dir, { recursive: true, force: true });
  const started = Date.now();
  const trino = await startTrino({ dataDir: dir, logDir: resultsDir });
  const startSeconds = Math.round((Date.now() - started) / 1000);
  try {
    record(
      'trino',
      await runNodeTests({
        files: testFiles(join(outTests, 'trino')),
        tapFile: join(resultsDir, 'trino.tap'),
        timeoutMs: 10 * 60_000,
        env: { S3LS_TRINO_ENDPOINT: trino.endpoint, S3LS_TRINO_LOCAL_ROOT: trino.localRoot },
      }),
      `Trino ${TRINO_VERSION}, started in ${startSeconds} s`,
    );
  } finally {
    await trino.stop();
  }
}

async function extensionLayer() {
  const { launchBrowser } = await import('./lib/browser.mjs');
  const resultsFile = join(resultsDir, 'extension-results.json');
  rmSync(resultsFile, { force: true });
  rmSync(`${resultsFile}.started`, { force: true });
  const dataDir = join(resultsDir, 'vscode-extension-host');
  rmSync(dataDir, { recursive: true, force: true });
  const moto = await startMoto({ logDir: resultsDir });
  const workspace = makeWorkspace('extension', moto.endpoint);
  const server = await startVsCodeServer({
    dataDir,
    logDir: resultsDir,
    env: { ...localAwsEnv(dataDir), S3LS_EXTENSION_TEST_RESULTS: resultsFile, S3LS_TEST_ENDPOINT: moto.endpoint },
  });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const remote = (path) => `vscode-remote://127.0.0.1:${server.port}${path}`;
    await page.goto(
      workbenchUrl(server.url, workspace, [
        ['extensionDevelopmentPath', remote(repoRoot)],
        ['extensionTestsPath', remote(join(outTests, 'extension', 'index.js'))],
      ]),
    );
    // A host that never starts the suite, crashes, or hangs leaves no results: that is a failure.
    const startDeadline = Date.now() + 120_000;
    const endDeadline = Date.now() + 600_000;
    while (!existsSync(resultsFile)) {
      if (!existsSync(`${resultsFile}.started`) && Date.now() > startDeadline)
        throw new Error('The extension host did not start the test suite within 120 s (see test-results/vscode-server.log)');
      if (Date.now() > endDeadline)
        throw new Error('The extension-host suite did not finish within 600 s: the host hung or crashed (see test-results/vscode-server.log)');
      if (server.child.exitCode !== null) throw new Error(`The VS Code server exited with code ${server.child.exitCode}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const outcome = JSON.parse(readFileSync(resultsFile, 'utf8'));
    for (const test of outcome.tests) {
      console.log(`  ${test.state === 'passed' ? '✔' : test.state === 'failed' ? '✖' : '-'} ${test.title}`);
      if (test.error) console.log(test.error.replace(/^/gm, '      '));
    }
    record(
      'extension',
      { passed: outcome.passed, failed: outcome.failed, skipped: outcome.pending },
      `inside ${outcome.appName} ${outcome.vscodeVersion}, ${outcome.tests.length} tests ran`,
    );
    if (outcome.vscodeVersion !== VSCODE_VERSION) throw new Error(`The suite ran in VS Code ${outcome.vscodeVersion}, expected ${VSCODE_VERSION}`);
  } finally {
    await browser.close();
    await server.stop();
    await moto.stop();
  }
}

async function e2eLayer() {
  log('Packaging the VSIX for the end-to-end tests');
  const vsix = await packageVsix();
  const dataDir = join(resultsDir, 'vscode-e2e');
  rmSync(dataDir, { recursive: true, force: true });
  const extensionsDir = join(dataDir, 'extensions');
  mkdirSync(extensionsDir, { recursive: true });
  await installVsix(vsix, extensionsDir, dataDir);
  const moto = await startMoto({ logDir: resultsDir });
  // No connection settings: the test connects through the UI, as a new user would.
  const workspace = makeWorkspace('e2e');
  const server = await startVsCodeServer({
    dataDir,
    logDir: resultsDir,
    extensionsDir,
    env: profileOnlyAwsEnv(join(dataDir, 'aws')),
    userSettings: { 's3lifecycle.explorer.pageSize': 50 },
  });
  try {
    record(
      'e2e',
      await runNodeTests({
        files: testFiles(join(outTests, 'e2e')),
        tapFile: join(resultsDir, 'e2e.tap'),
        env: {
          ...localAwsEnv(dataDir),
          S3LS_E2E_SERVER_URL: server.url,
          S3LS_E2E_WORKSPACE: workspace,
          S3LS_E2E_EXTENSIONS_DIR: extensionsDir,
          S3LS_MOTO_ENDPOINT: moto.endpoint,
          S3LS_SCREENSHOTS: resultsDir,
        },
      }),
      `VSIX ${vsix.split('/').pop()} installed in VS Code ${VSCODE_VERSION}`,
    );
  } finally {
    await server.stop();
    await moto.stop();
  }
}

const LAYER_RUNNERS = {
  unit: { run: unitLayer, needs: [] },
  integration: {
    run: integrationLayer,
    needs: [
      ['moto (Python virtualenv)', ensureMoto],
      ['versitygw (Go)', ensureVersitygw],
    ],
  },
  trino: { run: trinoLayer, needs: [['Trino (Maven Central)', ensureTrino]] },
  extension: {
    run: extensionLayer,
    needs: [
      ['moto (Python virtualenv)', ensureMoto],
      ['the VS Code server', ensureVsCodeServer],
      ['Chromium', ensureChromium],
    ],
  },
  e2e: {
    run: e2eLayer,
    needs: [
      ['moto (Python virtualenv)', ensureMoto],
      ['the VS Code server', ensureVsCodeServer],
      ['Chromium', ensureChromium],
    ],
  },
};

let exitCode = 0;
try {
  mkdirSync(resultsDir, { recursive: true });
  await ensureNodeModules();
  log('Building, type-checking and linting');
  await build();
  await compileTests();
  await lint();
  for (const layer of layers) {
    const { run, needs } = LAYER_RUNNERS[layer];
    let ready = true;
    for (const [what, install] of needs) {
      if ((await ensureOrSkip(what, install)) === undefined) {
        skipped(layer, `${what} unavailable`);
        ready = false;
        break;
      }
    }
    if (!ready) continue;
    log(`── ${layer} ──`);
    try {
      await run();
    } catch (error) {
      console.error(error);
      record(layer, { passed: 0, failed: 1, skipped: 0 }, `error: ${error.message.split('\n')[0]}`);
    }
  }
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  await stopAll();
}

const total = results.reduce((t, r) => ({ passed: t.passed + r.passed, failed: t.failed + r.failed, skipped: t.skipped + (r.skipped ?? 0) }), {
  passed: 0,
  failed: 0,
  skipped: 0,
});
if (total.failed > 0 || (isCI && total.skipped > 0)) exitCode = 1;
if (results.length < layers.length) exitCode = 1;
console.log('');
for (const r of results)
  console.log(`  ${r.layer.padEnd(12)} ${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}${r.note ? `  — ${r.note}` : ''}`);
console.log(`tests: ${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
process.exit(exitCode);

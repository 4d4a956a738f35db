// `npm run test:electron`: the same extension-host suite under VS Code desktop, through
// @vscode/test-electron, on machines that can download VS Code (the build machines cannot: there,
// `npm test` runs the suite in the VS Code server instead). Pass a version: `-- 1.90.0` for the
// minimum engine, default `stable`.

import { runTests } from '@vscode/test-electron';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build, compileTests, ensureNodeModules, repoRoot } from './lib/project.mjs';

const version = process.argv[2] ?? 'stable';
const resultsDir = join(repoRoot, 'test-results');
const resultsFile = join(resultsDir, `extension-results-electron-${version}.json`);
mkdirSync(resultsDir, { recursive: true });
rmSync(resultsFile, { force: true });

await ensureNodeModules();
await build();
await compileTests();
const workspace = join(resultsDir, 'workspaces', 'electron');
mkdirSync(join(workspace, '.vscode'), { recursive: true });
const endpoint = 'http://127.0.0.1:9';
const { writeFileSync } = await import('node:fs');
writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 's3lifecycle.endpoint': endpoint, 's3lifecycle.forcePathStyle': true }));

try {
  await runTests({
    version,
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: join(repoRoot, 'out', 'test', 'extension', 'index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: { S3LS_EXTENSION_TEST_RESULTS: resultsFile, S3LS_TEST_ENDPOINT: endpoint },
  });
} catch (error) {
  console.error(`Extension tests failed under VS Code ${version}: ${error.message ?? error}`);
  process.exitCode = 1;
}
try {
  const outcome = JSON.parse(readFileSync(resultsFile, 'utf8'));
  console.log(`tests: ${outcome.passed} passed, ${outcome.failed} failed`);
} catch {
  console.error('The extension host wrote no results: it crashed or never started the suite.');
  process.exitCode = 1;
}

// Entry of the extension-host suite: the `run()` contract of @vscode/test-electron, executed inside
// a real VS Code extension host. Mocha runs every *.test.js beside this file; the outcome is written
// to S3LS_EXTENSION_TEST_RESULTS so the outer runner can fail the build (a host that crashes or
// hangs writes nothing, which the runner also treats as a failure).

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import Mocha from 'mocha';

export interface ExtensionTestResults {
  vscodeVersion: string;
  appName: string;
  passed: number;
  failed: number;
  pending: number;
  tests: { title: string; state: 'passed' | 'failed' | 'pending'; error?: string }[];
  /** The extension's own measure of activate(), for `npm run bench`. */
  activationMs?: number;
}

export async function run(): Promise<void> {
  const resultsFile = process.env.S3LS_EXTENSION_TEST_RESULTS;
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  const dir = __dirname;
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.test.js'))
    .sort())
    mocha.addFile(path.join(dir, file));

  const results: ExtensionTestResults = { vscodeVersion: vscode.version, appName: vscode.env.appName, passed: 0, failed: 0, pending: 0, tests: [] };
  if (resultsFile) fs.writeFileSync(`${resultsFile}.started`, new Date().toISOString());

  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', (test) => {
      results.passed++;
      results.tests.push({ title: test.fullTitle(), state: 'passed' });
    });
    runner.on('fail', (test, error: Error) => {
      results.failed++;
      results.tests.push({ title: test.fullTitle(), state: 'failed', error: error.stack ?? error.message });
    });
    runner.on('pending', (test) => {
      results.pending++;
      results.tests.push({ title: test.fullTitle(), state: 'pending' });
    });
  });

  const api = vscode.extensions.getExtension<{ activationMs?: number }>('s3-lifecycle-studio.s3-lifecycle-studio')?.exports;
  results.activationMs = api?.activationMs;
  if (resultsFile) fs.writeFileSync(resultsFile, JSON.stringify(results, null, 2));
  if (results.failed > 0) throw new Error(`${results.failed} extension test(s) failed`);
}

// Runs a set of node:test files in a child process: the spec reporter to the terminal, TAP to a
// file whose closing counts (# pass / # fail / # skipped) become the layer's result.

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function findTestFiles(dir) {
  const files = [];
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.test.js')) files.push(full);
    }
  };
  walk(dir);
  return files;
}

export function parseTapCounts(tap) {
  const count = (name) => {
    const matches = [...tap.matchAll(new RegExp(`^# ${name} (\\d+)$`, 'gm'))];
    return matches.length ? Number(matches.at(-1)[1]) : 0;
  };
  return { tests: count('tests'), passed: count('pass'), failed: count('fail') + count('cancelled'), skipped: count('skipped') + count('todo') };
}

export function runNodeTests({ files, env, tapFile, timeoutMs = 20 * 60_000 }) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--test',
        '--enable-source-maps',
        `--test-timeout=${Math.min(timeoutMs, 600_000)}`,
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        '--test-reporter=tap',
        `--test-reporter-destination=${tapFile}`,
        ...files,
      ],
      { stdio: 'inherit', env: { ...process.env, ...env } },
    );
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      let counts = { tests: 0, passed: 0, failed: 0, skipped: 0 };
      try {
        counts = parseTapCounts(readFileSync(tapFile, 'utf8'));
      } catch {
        // No TAP file: the runner died before reporting.
      }
      if ((code !== 0 || signal) && counts.failed === 0) counts.failed = 1; // a crash is a failure
      resolve({ ...counts, exitCode: code ?? 1 });
    });
  });
}

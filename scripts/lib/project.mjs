// Project-level steps shared by `npm test`, `npm run package` and `npm run demo`:
// npm dependencies in sync with the lockfile, the bundles, the compiled tests, the VSIX.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { log, run } from './proc.mjs';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * Installs the npm dependencies when node_modules is missing or was installed from another
 * package-lock.json. `npm install` (which follows the lockfile) rather than `npm ci`: npm 11 leaves
 * the other platforms' optional DuckDB bindings out of the lockfile and `npm ci` then refuses it.
 */
export async function ensureNodeModules() {
  const lock = join(repoRoot, 'package-lock.json');
  const stamp = join(repoRoot, 'node_modules', '.s3ls-lock-hash');
  const lockHash = () => createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === lockHash()) return;
  log('Installing npm dependencies');
  await run(npm, ['install', '--no-audit', '--no-fund'], { cwd: repoRoot, quiet: true });
  writeFileSync(stamp, lockHash());
}

export async function build({ production = false } = {}) {
  await run(process.execPath, [join(repoRoot, 'esbuild.mjs'), ...(production ? ['--production'] : [])], { cwd: repoRoot });
}

/** Type-checks everything and compiles the tests (and the sources they import) to out/. */
export async function compileTests() {
  // Compiled tests of files since moved or deleted must not run again.
  rmSync(join(repoRoot, 'out'), { recursive: true, force: true });
  const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  await run(process.execPath, [tsc, '-p', join(repoRoot, 'tsconfig.test.json')], { cwd: repoRoot });
  await run(process.execPath, [tsc, '--noEmit', '-p', join(repoRoot, 'webview', 'tsconfig.json')], { cwd: repoRoot });
}

/** The sources prettier formats (wasm/ is AssemblyScript, which it cannot parse; see .prettierignore). */
export const FORMATTED = ['src/**/*.ts', 'webview/**/*.ts', 'test/**/*.ts', 'scripts/**/*.mjs', '*.mjs'];

/** What `npm run lint` checks: eslint, then that prettier would change nothing. */
export async function lint() {
  const eslint = join(repoRoot, 'node_modules', 'eslint', 'bin', 'eslint.js');
  await run(process.execPath, [eslint, 'src', 'webview', 'test', 'scripts', 'esbuild.mjs', 'eslint.config.mjs'], { cwd: repoRoot });
  const prettier = join(repoRoot, 'node_modules', 'prettier', 'bin', 'prettier.cjs');
  await run(process.execPath, [prettier, '--check', '--log-level', 'warn', ...FORMATTED], { cwd: repoRoot });
}

export function packageVersion() {
  return JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version;
}

/** Builds the platform-specific VSIX (the DuckDB native binary inside) and returns its path. */
export async function packageVsix({ target = `${process.platform}-${process.arch}` } = {}) {
  await build({ production: true });
  const out = join(repoRoot, `s3-lifecycle-studio-${target}-${packageVersion()}.vsix`);
  const vsce = join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  await run(process.execPath, [vsce, 'package', '--target', target, '--out', out, '--allow-missing-repository', '--no-rewrite-relative-links'], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // Development builds (with sourcemaps) again for everything that runs from the working tree.
  await build();
  return out;
}

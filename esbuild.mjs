// Builds the bundles: extension host (node/cjs), CLI (node/cjs), the two webviews (browser/iife).
// `--production` minifies and drops sourcemaps (used by `npm run package`); `--watch` rebuilds on change,
// of the bundles' sources, of the scanner (wasm/) and of the SQL templates (src/sql/).
import * as esbuild from 'esbuild';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync, watch as watchDirectory } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { promisify } from 'node:util';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

// The DuckDB packages carry a native binary: they are shipped as files in the VSIX, never bundled.
const duckdbExternals = ['@duckdb/node-api', '@duckdb/node-bindings', '@duckdb/node-bindings-*'];

/**
 * Reports the builds that run together (the four bundles; in watch mode the scanner and the templates
 * too) as one: `[watch] build started` when the first starts, each distinct error and warning once
 * when the last ends, then `[watch] build finished`, in the format of the problem matcher in
 * .vscode/tasks.json. esbuild's own logger is silent: it printed each error again, once per bundle
 * that has the file.
 */
const reporter = {
  running: 0,
  errors: new Map(),
  warnings: new Map(),
  failed: false,
  start() {
    if (this.running++ === 0 && watch) console.log('[watch] build started');
  },
  /** Messages in esbuild's shape: `{ text, location? }`. */
  async end(errors = [], warnings = []) {
    for (const message of errors) this.errors.set(messageKey(message), message);
    for (const message of warnings) this.warnings.set(messageKey(message), message);
    if (--this.running > 0) return;
    const [errorList, warningList] = [[...this.errors.values()], [...this.warnings.values()]];
    this.errors.clear();
    this.warnings.clear();
    if (errorList.length > 0) this.failed = true;
    // Rounds do not overlap (watch mode queues them): nothing prints in between.
    const formatted = await esbuild.formatMessages(warningList, { kind: 'warning', color: process.stderr.isTTY === true });
    for (const text of formatted) process.stderr.write(text);
    for (const { text, location } of errorList) {
      console.error(`✘ [ERROR] ${text}`);
      if (location) {
        console.error(`    ${location.file}:${location.line}:${location.column}:`);
        const gutter = ' '.repeat(String(location.line).length);
        if (location.lineText) console.error(`      ${location.line} │ ${location.lineText}\n      ${gutter} ╵ ${' '.repeat(location.column)}^`);
      }
    }
    if (watch) console.log('[watch] build finished');
  },
};

function messageKey({ text, location }) {
  return location ? `${location.file}:${location.line}:${location.column}: ${text}` : text;
}

const problemMatcherPlugin = {
  name: 'problem-matcher',
  setup(build) {
    build.onStart(() => reporter.start());
    build.onEnd((result) => reporter.end(result.errors, result.warnings));
  },
};

/** Runs a step that is not esbuild's (the scanner, the templates) as a build the reporter reports; says whether it succeeded. */
async function step(run) {
  reporter.start();
  let error;
  try {
    await run();
  } catch (caught) {
    error = caught;
  }
  await reporter.end(error === undefined ? [] : [{ text: String(error.stderr || error.message || error).trim() }]);
  return error === undefined;
}

/** Runs `run` as one report: what it builds, at once or one after another, is reported together. */
async function round(run) {
  reporter.start();
  try {
    await run();
  } finally {
    await reporter.end();
  }
}

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  logLevel: 'silent',
  plugins: [problemMatcherPlugin],
};

const builds = [
  {
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', ...duckdbExternals],
    // The first statement of the bundle: activate() reports load + activation time from here.
    banner: { js: 'var __s3lsLoadStart = typeof performance !== "undefined" ? performance.now() : undefined;' },
  },
  {
    // No `vscode` external here: an accidental import of the editor API from the CLI fails the build.
    ...common,
    entryPoints: ['src/cli.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: duckdbExternals,
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    ...common,
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    tsconfig: 'webview/tsconfig.json',
  },
  {
    ...common,
    entryPoints: ['webview/results.ts'],
    outfile: 'dist/results.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    tsconfig: 'webview/tsconfig.json',
  },
];

/** The built-in SQL templates ship as files beside the bundles: users open, copy and edit them. Not bundled: read at run time. */
async function copyTemplates() {
  await mkdir('dist/sql', { recursive: true });
  const names = (await readdir('src/sql')).filter((name) => name.endsWith('.sql'));
  for (const name of names) await cp(`src/sql/${name}`, `dist/sql/${name}`);
  // A template removed or renamed in src/sql leaves dist/sql too (watch mode sees it go).
  for (const name of await readdir('dist/sql')) if (name.endsWith('.sql') && !names.includes(name)) await unlink(`dist/sql/${name}`);
}

/**
 * The access-log scanner is AssemblyScript (wasm/), compiled here into a TypeScript module that
 * holds the WebAssembly as base64, so that the bundles, the compiled tests and the type checker all
 * take it like any other source. Written only when it changed, so watch mode does not loop.
 */
async function compileWasm() {
  const scratch = await mkdtemp(join(tmpdir(), 's3ls-wasm-'));
  try {
    const wasmFile = join(scratch, 'scanner.wasm');
    const asc = join('node_modules', 'assemblyscript', 'bin', 'asc.js');
    await promisify(execFile)(process.execPath, [
      asc,
      'wasm/accessLogScanner.ts',
      '-O3',
      '--runtime',
      'stub',
      '--noAssert',
      '--use',
      'abort=',
      '--enable',
      'simd',
      '-o',
      wasmFile,
    ]);
    const base64 = (await readFile(wasmFile)).toString('base64');
    const module = `// Generated by esbuild.mjs from wasm/accessLogScanner.ts (AssemblyScript): do not edit.\nexport const ACCESS_LOG_SCANNER_WASM =\n  '${base64}';\n`;
    const target = 'src/core/accessLog/scannerWasm.ts';
    const current = await readFile(target, 'utf8').catch(() => '');
    if (current !== module) await writeFile(target, module);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** What a change to a file (relative to the project) rebuilds, in watch mode; nothing for null. */
function work(file, { bundles, scanner, templates }) {
  if (file === 'src/core/accessLog/scannerWasm.ts') return null; // written by the scanner's build, which rebuilds the bundles
  if (file.startsWith('wasm/') || file === 'src/core/accessLog/scannerLayout.ts') return scanner;
  if (file.startsWith('src/sql/')) return file.endsWith('.sql') ? templates : null;
  if (file.startsWith('src/') || file.startsWith('webview/') || file === 'package.json' || file === 'tsconfig.json') return bundles;
  return null;
}

/**
 * Watch mode: one watcher for every input, so that a change rebuilds every bundle it concerns in one
 * round, reported once. (With esbuild's own watch each bundle saw the change at its own time, and
 * an error in a file two bundles share was reported twice.) Rounds wait for a quiet 100 ms (a save
 * is several events) and never overlap.
 */
function watchInputs(rebuilds) {
  const pending = new Set();
  let timer;
  let queue = Promise.resolve();
  const changed = (file) => {
    const run = work(file.split(sep).join('/'), rebuilds);
    if (run === null) return;
    pending.add(run);
    clearTimeout(timer);
    timer = setTimeout(() => {
      // The scanner's build rebuilds the bundles: no need to do it twice.
      const runs = [...pending].filter((run) => run !== rebuilds.bundles || !pending.has(rebuilds.scanner));
      pending.clear();
      queue = queue.then(() => round(() => Promise.all(runs.map((run) => run()))));
    }, 100);
  };
  // A watcher per folder, not fs.watch's `recursive`: on Linux that one watches each file, and
  // loses a file an editor saves by replacing it.
  const watched = new Set();
  const watchFolder = (dir) => {
    if (watched.has(dir)) return;
    watched.add(dir);
    watchDirectory(dir, (_event, name) => {
      if (name === null) return;
      const file = dir === '.' ? name : join(dir, name);
      if (dir !== '.' && existsSync(file) && statSync(file).isDirectory()) watchFolder(file);
      else changed(file);
    }).on('error', () => watched.delete(dir)); // the folder went
  };
  watchFolder('.');
  for (const dir of ['src', 'webview', 'wasm']) {
    watchFolder(dir);
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) if (entry.isDirectory()) watchFolder(join(entry.parentPath, entry.name));
  }
}

// The bundles take the scanner as scannerWasm.ts: it must be compiled first.
if (!(await step(compileWasm)) || !(await step(copyTemplates))) {
  process.exitCode = 1;
} else if (watch) {
  const contexts = await Promise.all(builds.map((options) => esbuild.context(options)));
  const bundles = () => Promise.allSettled(contexts.map((ctx) => ctx.rebuild()));
  const scanner = async () => {
    if (await step(compileWasm)) await bundles();
  };
  const templates = () => step(copyTemplates);
  await round(bundles);
  watchInputs({ bundles, scanner, templates });
} else {
  // Each failure was reported by the reporter; the rejections say the same again.
  const results = await Promise.allSettled(builds.map((options) => esbuild.build(options)));
  for (const result of results) if (result.status === 'rejected' && !Array.isArray(result.reason?.errors)) console.error(result.reason);
  if (reporter.failed || results.some((result) => result.status === 'rejected')) process.exitCode = 1;
  else await chmod('dist/cli.js', 0o755);
}

// Builds the bundles: extension host (node/cjs), CLI (node/cjs), the two webviews (browser/iife).
// `--production` minifies and drops sourcemaps (used by `npm run package`); `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { chmod, cp, mkdir, readdir } from 'node:fs/promises';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

// The DuckDB packages carry a native binary: they are shipped as files in the VSIX, never bundled.
const duckdbExternals = ['@duckdb/node-api', '@duckdb/node-bindings', '@duckdb/node-bindings-*'];

/** Prints build start/end in the format the `$esbuild-watch` problem matcher understands. */
const problemMatcherPlugin = {
  name: 'problem-matcher',
  setup(build) {
    build.onStart(() => { if (watch) console.log('[watch] build started'); });
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      if (watch) console.log('[watch] build finished');
    });
  },
};

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  logLevel: 'warning',
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

/** The built-in SQL templates ship as files beside the bundles: users open, copy and edit them. */
async function copyTemplates() {
  await mkdir('dist/sql', { recursive: true });
  for (const name of await readdir('src/sql')) if (name.endsWith('.sql')) await cp(`src/sql/${name}`, `dist/sql/${name}`);
}

await copyTemplates();
if (watch) {
  const contexts = await Promise.all(builds.map((options) => esbuild.context(options)));
  await Promise.all(contexts.map((ctx) => ctx.watch()));
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
  await chmod('dist/cli.js', 0o755);
}

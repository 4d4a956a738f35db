// `npm run bench -- logWindow`: what the local engine reads of an estate's access logs for a
// 14-day window when 60 days of logs lie in the folder: every file (no window given, as before
// issue 14.3) against the window's files only (± margin). Files read and the loading process's
// peak RSS, each measured in a process of its own.
//
// The compiled sources come from out/ (compiled by bench.mjs); S3LS_OUT_DIR points elsewhere.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './project.mjs';

const exec = promisify(execFile);
const outDir = process.env.S3LS_OUT_DIR ?? join(repoRoot, 'out');

/** Loads the logs (the log_coverage template, which makes the access-log table first) and prints the files read and peak RSS. */
const LOADER = `
const { join } = require('node:path');
const [outDir, logs, asOf, windowDays, windowed] = process.argv.slice(1);
const { LocalEngine } = require(join(outDir, 'src', 'engines', 'local.js'));
const { TemplateRunner } = require(join(outDir, 'src', 'engines', 'runner.js'));
const { TemplateCatalog } = require(join(outDir, 'src', 'sql', 'catalog.js'));
const { collectRows } = require(join(outDir, 'src', 'engines', 'engine.js'));
const { logFileDays } = require(join(outDir, 'src', 'core', 'retention', 'window.js'));
const { formatDay, parseDay } = require(join(outDir, 'src', 'core', 'time.js'));
(async () => {
  const catalog = TemplateCatalog.load({ builtinDir: join(process.cwd(), 'src', 'sql') });
  const engine = new LocalEngine({ cacheDir: join(require('node:os').tmpdir(), 's3ls-bench-window-cache') });
  const first = formatDay(parseDay(asOf) - Number(windowDays) + 1);
  const runner = new TemplateRunner(catalog, engine, { logs, ...(windowed === 'yes' ? { logFileDays: logFileDays(first, asOf) } : {}) });
  const result = await collectRows(await runner.run({ template: catalog.resolve('log_coverage').template, values: { as_of: asOf, days: windowDays } }));
  await engine.dispose();
  const files = Number(/access logs: (\\d+) files?/.exec(result.statistics.notes.join('\\n'))[1]);
  console.log(JSON.stringify({ files, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

export async function logWindowBench(option) {
  const dir = mkdtempSync(join(tmpdir(), 's3ls-bench-window-'));
  try {
    const days = Number(option('log-days', '60'));
    await exec(
      process.execPath,
      [join(repoRoot, 'dist', 'cli.js'), 'generate', '--out', dir, '--objects', option('window-objects', '100000'), '--days', String(days), '--format', 'json'],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
    const load = async (windowed) => {
      const { stdout } = await exec(process.execPath, ['-e', LOADER, outDir, join(dir, 'logs'), truth.window.end, '14', windowed ? 'yes' : 'no'], {
        cwd: repoRoot,
        maxBuffer: 16 * 1024 * 1024,
      });
      return JSON.parse(stdout.trim().split('\n').at(-1));
    };
    const all = await load(false);
    const windowed = await load(true);
    const detail = { logDays: days, windowDays: 14 };
    return [
      { name: `log window: files read, all ${days} days`, value: all.files, unit: 'files', target: null, detail },
      { name: 'log window: files read, 14-day window', value: windowed.files, unit: 'files', target: null, detail },
      { name: `log window: peak RSS, all ${days} days`, value: all.peakRssMb, unit: 'MB', target: null },
      { name: 'log window: peak RSS, 14-day window', value: windowed.peakRssMb, unit: 'MB', target: null },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// `npm run bench -- retention`: the retention analysis end to end on the local engine (issue 6),
// loading included — inventory CSV.gz and access logs read from a generated estate in
// bench-out/, log coverage, unused prefixes, last access, savings. 1M objects by default;
// `--objects 10000000` for the 10M run. An estate already in bench-out/ is reused.
//
// The compiled sources come from out/ (compiled by bench.mjs); S3LS_OUT_DIR points elsewhere.

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './project.mjs';

const exec = promisify(execFile);
const out = (...parts) => join(process.env.S3LS_OUT_DIR ?? join(repoRoot, 'out'), 'src', ...parts);

/** The estate of `objects` objects in bench-out/, generated with the CLI unless it is there already. */
async function estate(objects) {
  const dir = join(repoRoot, 'bench-out', `retention-${objects}`);
  const truthFile = join(dir, 'truth.json');
  if (existsSync(truthFile) && JSON.parse(readFileSync(truthFile, 'utf8')).generator.objects === objects) return { dir, generatedSeconds: null };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(repoRoot, 'bench-out'), { recursive: true });
  const started = performance.now();
  await exec(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'generate', '--out', dir, '--objects', String(objects), '--format', 'json'], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return { dir, generatedSeconds: (performance.now() - started) / 1000 };
}

export async function retentionBench(option) {
  const { LocalEngine } = await import(out('engines', 'local.js'));
  const { analyzeRetention } = await import(out('engines', 'retention.js'));
  const { TemplateCatalog } = await import(out('sql', 'catalog.js'));
  const objects = Number(option('objects', '1000000'));
  const threads = option('threads') === undefined ? undefined : Number(option('threads'));
  const { dir, generatedSeconds } = await estate(objects);
  const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
  const catalog = TemplateCatalog.load({ builtinDir: join(repoRoot, 'src', 'sql') });
  const engine = new LocalEngine({ cacheDir: join(repoRoot, 'test-results', 'bench-cache'), ...(threads ? { threads } : {}) });
  const steps = [];
  let mark = performance.now();
  let step = 'start';
  let report;
  const started = performance.now();
  try {
    report = await analyzeRetention(
      engine,
      catalog,
      {
        bucket: truth.generator.bucket,
        inventory: join(dir, 'inventory', truth.generator.bucket, 'daily-full'),
        logs: join(dir, 'logs'),
        asOf: truth.window.end,
        windowDays: truth.window.days,
        lookbackDays: 365,
        exemptGlobs: ['tmp/**'],
        keepTag: null,
        maxMissingLogDays: 0,
        allowMissingLogs: false,
        region: 'us-east-1',
        priceOverrides: {},
      },
      {
        onProgress: (s) => {
          const name = s.split(':')[0];
          if (name === step) return;
          const now = performance.now();
          steps.push([step, (now - mark) / 1000]);
          step = name;
          mark = now;
        },
      },
    );
    steps.push([step, (performance.now() - mark) / 1000]);
  } finally {
    await engine.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  // A fast wrong answer is no result: the analysis must equal the estate's truth.
  if (
    report.totals.prefixes !== truth.summary.unusedPrefixes ||
    report.totals.objects !== truth.summary.unusedObjects ||
    report.totals.bytes !== truth.summary.unusedBytes
  ) {
    throw new Error(`the analysis disagrees with truth.json: ${JSON.stringify(report.totals)} vs ${JSON.stringify(truth.summary)}`);
  }
  const rows = truth.inventory.versions + truth.logs.lines;
  const n = (v) => v.toLocaleString('en-US');
  const detail = {
    inventoryRows: truth.inventory.versions,
    logLines: truth.logs.lines,
    logFiles: truth.logs.files,
    unusedPrefixes: report.totals.prefixes,
    threads: threads ?? cpus().length,
    stepSeconds: Object.fromEntries(steps.filter(([, s]) => s > 0.0005).map(([name, s]) => [name, Math.round(s * 100) / 100])),
    ...(generatedSeconds !== null ? { generatedSeconds: Math.round(generatedSeconds) } : {}),
  };
  return [
    { name: `retention: analysis end to end, local engine, ${n(objects)} objects`, value: Math.round(seconds * 100) / 100, unit: 's', target: null, detail },
    {
      name: `retention: rows/s (${n(truth.inventory.versions)} inventory rows + ${n(truth.logs.lines)} log lines)`,
      value: Math.round(rows / seconds),
      unit: 'rows/s',
      target: null,
    },
  ];
}

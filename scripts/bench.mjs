// `npm run bench`: the project's speed and memory, measured, each against the target its issue
// names, as a ratio (≥ 1 meets the target). Results also go to test-results/bench.json.
//
//   npm run bench                          every benchmark
//   npm run bench -- generator --objects 10000000
//
// Benchmarks are separate from the tests: no test asserts a timing.

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { log } from './lib/proc.mjs';
import { build, ensureNodeModules, repoRoot } from './lib/project.mjs';

const exec = promisify(execFile);
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const only = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));

const BENCHMARKS = {
  /** Issue 3: 10M objects must be practical on 2 cores in well under 1 GiB; reported at 1M. */
  async generator() {
    const objects = Number(option('objects', '1000000'));
    const dir = mkdtempSync(join(tmpdir(), 's3ls-bench-'));
    try {
      const { stdout } = await exec(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'generate', '--out', join(dir, 'estate'), '--objects', String(objects), '--format', 'json'], { maxBuffer: 16 * 1024 * 1024 });
      const r = JSON.parse(stdout);
      // Targets: 10M objects within 10 minutes (16,667 objects/s); peak memory under 1 GiB.
      return [
        { name: `generator: objects/s at ${objects.toLocaleString('en-US')} objects`, value: r.objectsPerSecond, unit: 'objects/s', target: 16_667, higherIsBetter: true, detail: r.phaseSeconds },
        { name: `generator: peak memory at ${objects.toLocaleString('en-US')} objects`, value: r.peakRssMb, unit: 'MB', target: 1024, higherIsBetter: false },
        { name: 'generator: log lines/s', value: Math.round(r.logLines / r.seconds), unit: 'lines/s', target: null },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

await ensureNodeModules();
await build();
const results = [];
for (const [name, run] of Object.entries(BENCHMARKS)) {
  if (only.length && !only.includes(name)) continue;
  log(`bench: ${name}`);
  results.push(...(await run()));
}
console.log('');
for (const r of results) {
  const ratio = r.target === null ? null : r.higherIsBetter ? r.value / r.target : r.target / r.value;
  r.ratio = ratio === null ? null : Math.round(ratio * 100) / 100;
  console.log(`${r.name.padEnd(52)} ${String(r.value).padStart(12)} ${r.unit.padEnd(10)} ${r.target === null ? '' : `target ${r.higherIsBetter ? '≥' : '≤'} ${r.target}  ratio ${r.ratio}`}${r.detail ? `  ${JSON.stringify(r.detail)}` : ''}`);
}
mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
writeFileSync(join(repoRoot, 'test-results', 'bench.json'), JSON.stringify({ date: new Date().toISOString(), results }, null, 2));

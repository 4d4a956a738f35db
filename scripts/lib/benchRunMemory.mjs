// `npm run bench -- runMemory`: the peak memory (RSS) of undo and of resume over a run of 10M audit
// entries and 10M finished ids (issue 14, item 3: before, undo held ~500 MB of heap per million
// audit entries and resume ~100 MB per million finished ids, ~5 GB at 10M). No S3: each is measured
// in a process of its own doing exactly the run store's part — resume reads done.jsonl and the audit
// log and answers "done?" for every listed object; undo reads the audit log (latest line per object
// wins), its own logs, and goes through every object to undo — with the requests left out.
// Target: ≤ 300 MB each, at any size.
//
//   npm run bench -- runMemory [--entries 10000000]

import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { log } from './proc.mjs';
import { repoRoot } from './project.mjs';

const exec = promisify(execFile);
const TARGET_MB = 300;

async function writeLines(path, count, line) {
  const out = createWriteStream(path);
  const batch = 10_000;
  for (let i = 0; i < count; i += batch) {
    let text = '';
    for (let j = i; j < Math.min(count, i + batch); j++) text += line(j);
    if (!out.write(text)) await new Promise((resolve) => out.once('drain', resolve));
  }
  await new Promise((resolve, reject) => out.end((error) => (error ? reject(error) : resolve())));
}

/** The code each measured process runs: it prints its result and peak RSS as JSON. */
const CHILD = {
  resume: `
    const { openRun } = require(process.env.RUN_STORE);
    (async () => {
      const started = Date.now();
      const run = await openRun(process.env.ROOT, process.env.RUN_ID);
      const done = await run.readDone();
      const interrupted = await run.auditedNotDone(done.ids);
      // The listing: every object of the run asked about, as runTagging asks while it lists.
      let skipped = 0;
      for (let i = 0; i < Number(process.env.ENTRIES); i++) if (done.ids.has('k/' + String(i).padStart(9, '0') + '.json')) skipped++;
      console.log(JSON.stringify({ done: done.ids.size, interrupted: interrupted.size, skipped, seconds: (Date.now() - started) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
    })().catch((e) => { console.error(e); process.exit(1); });`,
  undo: `
    const { createRun, DamagedLines } = require(process.env.RUN_STORE);
    const { UndoPlan } = require(process.env.UNDO_PLAN);
    (async () => {
      const started = Date.now();
      const auditPath = process.env.AUDIT;
      const plan = await UndoPlan.scan(auditPath, { workRoot: process.env.ROOT, damaged: new DamagedLines(auditPath) });
      const run = await createRun(process.env.ROOT, { kind: 'untag', bucket: 'bench', prefixes: ['k'], tag: { key: 'expire', value: 'true' }, keepTag: null, exemptGlobs: [], olderThan: null, versioned: plan.versioned, lifecycleRule: null, sourceAudit: auditPath });
      await plan.attach(run);
      // Every object to undo, as the workers would take them (the requests left out).
      let objects = 0;
      for await (const item of plan.items()) if (item.entry.key) objects++;
      await plan.dispose();
      await run.close();
      console.log(JSON.stringify({ objects, total: plan.total, seconds: (Date.now() - started) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
    })().catch((e) => { console.error(e); process.exit(1); });`,
};

export async function runMemoryBench(option) {
  const entries = Number(option('entries', '10000000'));
  const dir = mkdtempSync(join(tmpdir(), 's3ls-bench-runmem-'));
  const runStore = join(repoRoot, 'out', 'src', 'core', 'retention', 'runStore.js');
  try {
    const { createRun } = await import(runStore);
    const root = join(dir, 'runs');
    const run = await createRun(root, {
      kind: 'tag',
      bucket: 'bench',
      prefixes: ['k'],
      tag: { key: 'expire', value: 'true' },
      keepTag: null,
      exemptGlobs: [],
      olderThan: null,
      versioned: false,
      lifecycleRule: null,
    });
    await run.close();
    log(`runMemory: writing ${entries.toLocaleString('en-US')} audit lines and finished ids`);
    const key = (i) => `k/${String(i).padStart(9, '0')}.json`;
    await writeLines(
      run.auditPath,
      entries,
      (i) =>
        `{"time":"2026-09-01T10:00:00.000Z","action":"tag","bucket":"bench","key":"${key(i)}","versionId":null,"before":[{"Key":"owner","Value":"team-${i % 97}"}],"after":[{"Key":"owner","Value":"team-${i % 97}"},{"Key":"expire","Value":"true"}]}\n`,
    );
    await writeLines(run.donePath, entries, (i) => `{"key":"${key(i)}","versionId":null,"outcome":"tagged"}\n`);

    const measure = async (name, env) => {
      log(`runMemory: ${name}`);
      const { stdout } = await exec(process.execPath, ['-e', CHILD[name]], {
        env: { ...process.env, ...env, RUN_STORE: runStore, ROOT: root, ENTRIES: String(entries) },
        maxBuffer: 1024 * 1024,
      });
      return JSON.parse(stdout.trim().split('\n').pop());
    };
    const resume = await measure('resume', { RUN_ID: run.id });
    if (resume.skipped !== entries) throw new Error(`resume: ${resume.skipped} of ${entries} listed objects found done`);
    const undo = await measure('undo', { AUDIT: run.auditPath, UNDO_PLAN: join(repoRoot, 'out', 'src', 'core', 'retention', 'undoPlan.js') });
    if (undo.objects !== entries) throw new Error(`undo: ${undo.objects} of ${entries} objects to undo`);
    const at = entries.toLocaleString('en-US');
    return [
      {
        name: `runMemory: resume, peak RSS at ${at} finished ids`,
        value: Math.round(resume.maxRssMb),
        unit: 'MB',
        target: TARGET_MB,
        higherIsBetter: false,
        detail: { seconds: resume.seconds },
      },
      {
        name: `runMemory: undo, peak RSS at ${at} audit entries`,
        value: Math.round(undo.maxRssMb),
        unit: 'MB',
        target: TARGET_MB,
        higherIsBetter: false,
        detail: { seconds: undo.seconds },
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

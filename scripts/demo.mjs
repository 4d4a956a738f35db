// `npm run demo`: the whole product on one machine, from a fresh clone. Installs what is missing,
// starts a local S3 server (moto), generates a synthetic estate and puts it there (inventory and
// access logs in their own buckets, real objects for a capped subset), then starts VS Code in the
// browser with the extension installed and pointed at it, and prints the URL. Ctrl-C stops
// everything it started.
//
//   npm run demo -- --headless        the CLI pipeline instead; outputs in demo-out/
//   npm run demo -- --objects 200000  a bigger estate (default 50000)
//   npm run demo -- --out DIR         another output folder (default demo-out)
//
// Each capability adds itself to HEADLESS_STEPS (CLI pipeline) and demoSettings (the extension).

import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { log, stopAll } from './lib/proc.mjs';
import { build, ensureNodeModules, packageVsix, repoRoot } from './lib/project.mjs';
import { installVsix, localAwsEnv, startMoto, startVsCodeServer } from './lib/servers.mjs';
import { VSCODE_VERSION } from './lib/tools.mjs';

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const headless = process.argv.includes('--headless');
const objects = option('objects', '50000');
const outDir = resolve(option('out', join(repoRoot, 'demo-out')));
const estateDir = join(outDir, 'estate');
const BUCKET = 'demo-estate';
// A second, smaller estate whose inventory is S3's default configuration: current versions only,
// and a few optional fields (no version fields, no Object Lock fields).
const CURRENT_BUCKET = 'demo-current';
const CURRENT_FIELDS = 'Size,LastModifiedDate,StorageClass,ETag';
const currentSources = [
  '--inventory',
  `s3://${CURRENT_BUCKET}-inventory/inventory/${CURRENT_BUCKET}/daily-full/`,
  '--logs',
  `s3://${CURRENT_BUCKET}-logs/logs/`,
];
// The estate's window ends a month from today, so the real objects the demo uploads now count as
// older than the window, as the inventory says they are (S3 cannot backdate an object).
const WINDOW_DAYS = 30;
const AS_OF = new Date(Date.now() + (WINDOW_DAYS + 1) * 86_400_000).toISOString().slice(0, 10);
const exec = promisify(execFile);

/** Runs the CLI like a user would; returns its stdout. */
async function cli(args, env) {
  const { stdout } = await exec(process.execPath, [join(repoRoot, 'dist', 'cli.js'), ...args], {
    env: { ...process.env, ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout;
}

/** The extension's settings in the demo workspace: the local endpoint and the embedded engine. */
function demoSettings(endpoint) {
  return {
    's3lifecycle.endpoint': endpoint,
    's3lifecycle.forcePathStyle': true,
    's3lifecycle.region': 'us-east-1',
    's3lifecycle.engine': 'local',
    // The SQL templates' sources, read from the local S3 server (downloads cached by ETag).
    's3lifecycle.query.inventoryLocation': `s3://${BUCKET}-inventory/inventory/${BUCKET}/daily-full/`,
    's3lifecycle.query.logsLocation': `s3://${BUCKET}-logs/logs/`,
  };
}

const HEADLESS_STEPS = [
  ['engine check', async ({ env }) => writeFileSync(join(outDir, 'engine.json'), await cli(['engine-check', '--format', 'json'], env))],
  ['settings', async ({ env }) => writeFileSync(join(outDir, 'config.json'), await cli(['config', '--format', 'json'], env))],
  ['buckets', async ({ env }) => writeFileSync(join(outDir, 'buckets.json'), await cli(['ls', '--format', 'json'], env))],
  ['estate top level', async ({ env }) => writeFileSync(join(outDir, 'estate-top-level.json'), await cli(['ls', `s3://${BUCKET}/`, '--format', 'json'], env))],
  [
    'unused prefixes (local engine, sources on S3)',
    async ({ env }) => {
      const sources = ['--inventory', demoSettings('')['s3lifecycle.query.inventoryLocation'], '--logs', demoSettings('')['s3lifecycle.query.logsLocation']];
      writeFileSync(
        join(outDir, 'unused-prefixes.csv'),
        await cli(['query', 'unused_prefixes', '--param', `as_of=${AS_OF}`, ...sources, '--format', 'csv'], {
          ...env,
          S3LIFECYCLE_CACHE_DIR: join(outDir, 'query-cache'),
        }),
      );
    },
  ],
  [
    'retention report (coverage, last access, savings)',
    async ({ env }) => {
      const sources = ['--inventory', demoSettings('')['s3lifecycle.query.inventoryLocation'], '--logs', demoSettings('')['s3lifecycle.query.logsLocation']];
      writeFileSync(
        join(outDir, 'retention.json'),
        await cli(['retention', ...sources, '--bucket', BUCKET, '--as-of', AS_OF, '--window-days', String(WINDOW_DAYS), '--format', 'json'], {
          ...env,
          S3LIFECYCLE_CACHE_DIR: join(outDir, 'query-cache'),
        }),
      );
    },
  ],
  [
    'retention report of an inventory of current versions only',
    async ({ env }) => {
      writeFileSync(
        join(outDir, 'retention-current.json'),
        await cli(['retention', ...currentSources, '--bucket', CURRENT_BUCKET, '--as-of', AS_OF, '--window-days', String(WINDOW_DAYS), '--format', 'json'], {
          ...env,
          S3LIFECYCLE_CACHE_DIR: join(outDir, 'query-cache'),
        }),
      );
    },
  ],
  [
    "the estate's lifecycle deletion as a GIF, its partitions and estimated end",
    async ({ env }) => {
      const sources = ['--inventory', demoSettings('')['s3lifecycle.query.inventoryLocation'], '--logs', demoSettings('')['s3lifecycle.query.logsLocation']];
      const size = String(Math.min(1000, Math.max(16, Math.ceil(Math.sqrt(Number(objects))))));
      writeFileSync(
        join(outDir, 'deletion.json'),
        await cli(['render', ...sources, '--bucket', BUCKET, '--out', join(outDir, 'deletion.gif'), '--size', size, '--header', '--format', 'json'], {
          ...env,
          S3LIFECYCLE_CACHE_DIR: join(outDir, 'query-cache'),
        }),
      );
    },
  ],
  [
    'key index of the append-only data, and a lookup of one of its keys',
    async ({ env }) => {
      const truth = JSON.parse(readFileSync(join(estateDir, 'append-only-truth.json'), 'utf8'));
      const index = `s3://${BUCKET}/_index/${truth.prefix}`;
      writeFileSync(join(outDir, 'index-build.json'), await cli(['index', 'build', '--data', truth.dataUri, '--index', index, '--format', 'json'], env));
      writeFileSync(
        join(outDir, 'index-lookup.json'),
        await cli(['index', 'lookup', '--index', index, truth.samples[0].key, truth.absent[0], '--format', 'json'], env),
      );
    },
  ],
  [
    'tag-expire dry run of the largest unused prefix',
    async ({ env }) => {
      const report = JSON.parse(readFileSync(join(outDir, 'retention.json'), 'utf8'));
      const largest = report.prefixes[0]?.prefix;
      if (largest === undefined) return;
      writeFileSync(
        join(outDir, 'tag-expire-dry-run.txt'),
        await cli(['tag-expire', '--bucket', BUCKET, '--prefix', largest, '--dry-run', '--run-dir', join(outDir, 'runs')], env),
      );
    },
  ],
];

async function main() {
  await ensureNodeModules();
  await build();
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  const moto = await startMoto({ logDir: outDir });
  const env = { ...localAwsEnv(outDir), S3LIFECYCLE_ENDPOINT: moto.endpoint, S3LIFECYCLE_FORCE_PATH_STYLE: 'true', S3LIFECYCLE_REGION: 'us-east-1' };
  log(`Generating a ${Number(objects).toLocaleString('en-US')}-object estate and putting it on the local S3 server`);
  const generated = JSON.parse(
    await cli(
      [
        'generate',
        '--out',
        estateDir,
        '--objects',
        objects,
        '--bucket',
        BUCKET,
        '--as-of',
        AS_OF,
        '--days',
        String(WINDOW_DAYS),
        '--upload-objects',
        '2000',
        // Append-only data under data/ for the key index (Build Index Here, Look Up Record by Key).
        '--append-only-data',
        '--data-files',
        '12',
        '--data-lines',
        '4000',
        '--format',
        'json',
      ],
      env,
    ),
  );
  log(
    `Estate: ${generated.prefixes} prefixes, ${generated.logLines} log lines, ${generated.unusedPrefixes} unused prefixes (truth in ${join(estateDir, 'truth.json')})`,
  );
  const current = JSON.parse(
    await cli(
      [
        'generate',
        '--out',
        join(outDir, 'estate-current'),
        '--objects',
        String(Math.max(1000, Math.round(Number(objects) / 10))),
        '--seed',
        '2',
        '--bucket',
        CURRENT_BUCKET,
        '--as-of',
        AS_OF,
        '--days',
        String(WINDOW_DAYS),
        '--inventory-versions',
        'current',
        '--inventory-fields',
        CURRENT_FIELDS,
        '--upload-objects',
        '200',
        '--format',
        'json',
      ],
      env,
    ),
  );
  log(`Second estate ${CURRENT_BUCKET}: an inventory of current versions only (${CURRENT_FIELDS}), ${current.unusedPrefixes} unused prefixes`);

  if (headless) {
    for (const [name, step] of HEADLESS_STEPS) {
      log(`headless demo: ${name}`);
      await step({ env, endpoint: moto.endpoint });
    }
    log(`Done: the CLI pipeline's outputs are in ${outDir}`);
    return;
  }

  const vsix = await packageVsix();
  const dataDir = join(outDir, 'vscode');
  const extensionsDir = join(dataDir, 'extensions');
  mkdirSync(extensionsDir, { recursive: true });
  await installVsix(vsix, extensionsDir, dataDir);
  const workspace = join(outDir, 'workspace');
  mkdirSync(join(workspace, '.vscode'), { recursive: true });
  writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify(demoSettings(moto.endpoint), null, 2));
  writeFileSync(
    join(workspace, 'README.md'),
    [
      '# S3 Lifecycle Studio demo',
      '',
      `Local S3 server: ${moto.endpoint} (access key "testing", secret "testing")`,
      `Estate: s3://${BUCKET} (${Number(objects).toLocaleString('en-US')} objects in the inventory; 2,000 of them real)`,
      `Inventory: s3://${BUCKET}-inventory/${generated.manifest}`,
      `Access logs: s3://${BUCKET}-logs/logs/`,
      '',
      'Open the S3 Lifecycle Studio view in the activity bar, or run "S3 Lifecycle: Open Lifecycle Panel" from the command palette.',
      '',
      `Watch the deletion: run "S3 Lifecycle: Play Lifecycle Deletion…" (or right-click ${BUCKET} in the Buckets view), pick ${BUCKET}, Enter. The lifecycle rule of the estate deleting its unused prefixes plays in the panel, one pixel per object and one frame per hour of access logs: play, pause, scrub, hover a pixel for its keys, Export GIF. Beside it: the objects in each state, the key ranges S3 deletes as a unit (its partitions) and when the deletion should end.`,
      '',
      `Unused prefixes: run "S3 Lifecycle: Find Unused Prefixes" (or right-click ${BUCKET} in the Buckets view), pick ${BUCKET}, Enter for the ${WINDOW_DAYS}-day window, as-of date ${AS_OF} (the estate's last day), Enter for the local engine. The panel lists them; "Tag for expiration" on a row shows the dry run, then tags its objects on the local server and adds the lifecycle rule. "S3 Lifecycle: Remove Expiration Tags" undoes it from the audit log in .s3-lifecycle/runs/.`,
      '',
      `A second bucket, ${CURRENT_BUCKET}, has an inventory as S3 writes it by default: current versions only, with ${CURRENT_FIELDS.replace(/,/g, ', ')}. Analyse it the same way, choosing "Change the inputs…" if the ${BUCKET} locations are offered: inventory s3://${CURRENT_BUCKET}-inventory/inventory/${CURRENT_BUCKET}/daily-full/, logs s3://${CURRENT_BUCKET}-logs/logs/. The report's notes say what such a report cannot show (locks, versions).`,
      '',
      `SQL: run "S3 Lifecycle: Edit SQL Templates", then "Run locally" above unused_prefixes.sql (as_of: ${AS_OF}).`,
      '',
      `Point lookups: ${BUCKET}/data/ holds append-only files of "key, payload" lines. Right-click data/ in the Buckets view, "Build Index Here…", Enter for the index beside it (s3://${BUCKET}/_index/data/). Then "Look Up Record by Key…" on data/ with a key from ${join(estateDir, 'append-only-truth.json')} (samples[].key): the record opens read-only, and the status bar says how many requests, bytes and milliseconds it took.`,
      '',
    ].join('\n'),
  );
  const server = await startVsCodeServer({
    dataDir,
    logDir: outDir,
    extensionsDir,
    env: localAwsEnv(dataDir),
    // The workspace README (what to try, in order) opens with the workbench.
    userSettings: { 'workbench.colorTheme': 'Default Dark Modern', 'workbench.startupEditor': 'readme' },
  });
  const url = `${server.url}/?folder=${encodeURIComponent(workspace)}`;
  console.log(
    `\n  S3 Lifecycle Studio demo is running (VS Code ${VSCODE_VERSION} in the browser).\n\n  Open:      ${url}\n  Local S3:  ${moto.endpoint}  (access key "testing", secret "testing")\n  Files:     ${outDir}\n\n  Then:      S3 Lifecycle: Find Unused Prefixes, or S3 Lifecycle: Play Lifecycle Deletion… on ${BUCKET} (the workspace README says how)\n\n  Press Ctrl-C to stop.\n`,
  );
  await new Promise(() => {}); // until Ctrl-C; proc.mjs stops the servers
}

try {
  await main();
} catch (error) {
  console.error(`demo failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  if (headless || process.exitCode) await stopAll();
}

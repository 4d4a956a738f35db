// `npm run demo`: the whole product on one machine, from a fresh clone. Installs what is missing,
// starts a local S3 server (moto) with a demo estate, and VS Code in the browser with the extension
// installed and pointed at it; prints the URL; Ctrl-C stops everything it started.
// `npm run demo -- --headless` runs the CLI pipeline instead and writes its outputs to demo-out/.
//
// Each capability adds itself to DEMO_STEPS (browser demo) and HEADLESS_STEPS (CLI pipeline).

import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEMO_BUCKETS, uploadDemoEstate } from './lib/demoEstate.mjs';
import { log, stopAll } from './lib/proc.mjs';
import { build, ensureNodeModules, packageVsix, repoRoot } from './lib/project.mjs';
import { installVsix, localAwsEnv, startMoto, startVsCodeServer } from './lib/servers.mjs';
import { VSCODE_VERSION } from './lib/tools.mjs';

const headless = process.argv.includes('--headless');
const outDir = join(repoRoot, 'demo-out');
const exec = promisify(execFile);

/** Runs the CLI like a user would; returns its stdout. */
async function cli(args, env) {
  const { stdout } = await exec(process.execPath, [join(repoRoot, 'dist', 'cli.js'), ...args], { env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

const HEADLESS_STEPS = [
  ['engine check', async ({ env }) => writeFileSync(join(outDir, 'engine.json'), await cli(['engine-check', '--format', 'json'], env))],
  ['settings', async ({ env }) => writeFileSync(join(outDir, 'config.json'), await cli(['config', '--format', 'json'], env))],
  ['buckets', async ({ env }) => writeFileSync(join(outDir, 'buckets.json'), await cli(['ls', '--format', 'json'], env))],
  ['estate listing', async ({ env }) => writeFileSync(join(outDir, 'estate-listing.json'), await cli(['ls', `s3://${DEMO_BUCKETS.estate}/`, '--recursive', '--format', 'json'], env))],
];

async function main() {
  await ensureNodeModules();
  await build();
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  const moto = await startMoto({ logDir: outDir });
  await uploadDemoEstate(moto.endpoint, log);
  const env = { ...localAwsEnv(outDir), S3LIFECYCLE_ENDPOINT: moto.endpoint, S3LIFECYCLE_FORCE_PATH_STYLE: 'true', S3LIFECYCLE_REGION: 'us-east-1' };

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
  writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({
    's3lifecycle.endpoint': moto.endpoint,
    's3lifecycle.forcePathStyle': true,
    's3lifecycle.region': 'us-east-1',
    's3lifecycle.engine': 'local',
  }, null, 2));
  writeFileSync(join(workspace, 'README.md'), `# S3 Lifecycle Studio demo\n\nLocal S3: ${moto.endpoint}\nBuckets: ${Object.values(DEMO_BUCKETS).join(', ')}\n\nOpen the S3 Lifecycle Studio view in the activity bar, or run "S3 Lifecycle: Open Lifecycle Panel" from the command palette.\n`);
  const server = await startVsCodeServer({ dataDir, logDir: outDir, extensionsDir, env: localAwsEnv(dataDir), userSettings: { 'workbench.colorTheme': 'Default Dark Modern' } });
  const url = `${server.url}/?folder=${encodeURIComponent(workspace)}`;
  console.log(`\n  S3 Lifecycle Studio demo is running (VS Code ${VSCODE_VERSION} in the browser).\n\n  Open:      ${url}\n  Local S3:  ${moto.endpoint}  (access key "testing", secret "testing")\n  Logs:      ${outDir}\n\n  Press Ctrl-C to stop.\n`);
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

// Starts the real servers the tests and the demo use, on loopback: moto (S3 + Athena API) and
// the VS Code server. Each returns a handle whose stop() ends it.

import { mkdir, writeFile } from 'node:fs/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, log, run, startProcess, waitForHttp } from './proc.mjs';
import { ensureMoto, ensureVersitygw, ensureVsCodeServer } from './tools.mjs';

/** Credentials for local servers only; they also keep the SDK away from a developer's real AWS profile. */
export function localAwsEnv(sandboxDir) {
  return {
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PROFILE: '',
    AWS_CONFIG_FILE: join(sandboxDir, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(sandboxDir, 'aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/**
 * No credentials in the environment, only a named profile in a credentials file of the test's
 * own: the extension starts with its welcome view, and a user picks the profile as a person would.
 */
export function profileOnlyAwsEnv(sandboxDir, profile = 'e2e') {
  mkdirSync(sandboxDir, { recursive: true });
  const credentials = join(sandboxDir, 'aws-credentials');
  writeFileSync(credentials, `[${profile}]\naws_access_key_id = testing\naws_secret_access_key = testing\n`);
  return {
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_SESSION_TOKEN: '',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PROFILE: '',
    AWS_CONFIG_FILE: join(sandboxDir, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: credentials,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

export async function startMoto({ logDir }) {
  const bin = await ensureMoto();
  const port = await freePort();
  const handle = startProcess(bin, ['-H', '127.0.0.1', '-p', String(port)], { logFile: join(logDir, 'moto.log') });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitForHttp(`${endpoint}/moto-api/`, { child: handle.child, name: 'moto server', timeoutMs: 60_000 });
  log(`moto server on ${endpoint}`);
  return { ...handle, endpoint, port };
}

/**
 * Starts versitygw on a fresh folder, with versioning and its internal IAM, and creates a second
 * user that owns nothing (for "access denied" tests). Returns both users' keys.
 */
export async function startVersitygw({ logDir, dataDir }) {
  const bin = await ensureVersitygw();
  await mkdir(join(dataDir, 'root'), { recursive: true });
  await mkdir(join(dataDir, 'versions'), { recursive: true });
  await mkdir(join(dataDir, 'iam'), { recursive: true });
  const port = await freePort();
  const root = { accessKeyId: 'vgwroot', secretAccessKey: 'vgwroot-secret' };
  const handle = startProcess(bin, ['--port', `127.0.0.1:${port}`, '--iam-dir', join(dataDir, 'iam'), 'posix', '--versioning-dir', join(dataDir, 'versions'), join(dataDir, 'root')], {
    logFile: join(logDir, 'versitygw.log'),
    env: { ...process.env, ROOT_ACCESS_KEY: root.accessKeyId, ROOT_SECRET_KEY: root.secretAccessKey },
  });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitForHttp(endpoint, { child: handle.child, name: 'versitygw', timeoutMs: 30_000 });
  const denied = { accessKeyId: 'vgwnobody', secretAccessKey: 'vgwnobody-secret' };
  await run(bin, ['admin', '--access', root.accessKeyId, '--secret', root.secretAccessKey, '--endpoint-url', endpoint, 'create-user', '--access', denied.accessKeyId, '--secret', denied.secretAccessKey, '--role', 'user'], { quiet: true });
  log(`versitygw on ${endpoint}`);
  return { ...handle, endpoint, port, root, denied, rootDir: join(dataDir, 'root') };
}

/**
 * Starts the VS Code server. `userSettings` go into the user settings file, so no trust dialog
 * appears; `extensionsDir` holds installed extensions (e.g. the VSIX).
 */
export async function startVsCodeServer({ dataDir, logDir, env = {}, userSettings = {}, extensionsDir }) {
  const vscodeDir = await ensureVsCodeServer();
  const userDataDir = join(dataDir, 'user-data');
  const serverDataDir = join(dataDir, 'server-data');
  const settings = { 'security.workspace.trust.enabled': false, 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'update.mode': 'none', 'extensions.autoCheckUpdates': false, 'workbench.tips.enabled': false, 'git.openRepositoryInParentFolders': 'never', ...userSettings };
  for (const dir of [join(userDataDir, 'User'), join(serverDataDir, 'data', 'Machine'), join(serverDataDir, 'data', 'User')]) {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'settings.json'), JSON.stringify(settings, null, 2));
  }
  const port = await freePort();
  const args = [
    join(vscodeDir, 'out', 'server-main.js'),
    '--host', '127.0.0.1',
    '--port', String(port),
    '--without-connection-token',
    '--accept-server-license-terms',
    '--user-data-dir', userDataDir,
    '--server-data-dir', serverDataDir,
    '--disable-telemetry',
    '--disable-workspace-trust',
  ];
  if (extensionsDir) args.push('--extensions-dir', extensionsDir);
  const handle = startProcess(process.execPath, args, { logFile: join(logDir, 'vscode-server.log'), env: { ...process.env, ...env } });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/version`, { child: handle.child, name: 'VS Code server', timeoutMs: 90_000 });
  log(`VS Code server on ${url}`);
  return { ...handle, url, port, vscodeDir };
}

/** Installs a VSIX into an extensions folder with the server's own CLI, as a user would. */
export async function installVsix(vsixPath, extensionsDir, dataDir) {
  const vscodeDir = await ensureVsCodeServer();
  await run(process.execPath, [
    join(vscodeDir, 'out', 'server-main.js'),
    '--install-extension', vsixPath,
    '--extensions-dir', extensionsDir,
    '--user-data-dir', join(dataDir, 'user-data'),
    '--server-data-dir', join(dataDir, 'server-data'),
    '--accept-server-license-terms',
    '--force',
  ], { quiet: true });
}

/** The workbench URL for a folder, optionally with an extension-development/test payload. */
export function workbenchUrl(serverUrl, folder, payload) {
  const params = new URLSearchParams({ folder });
  let url = `${serverUrl}/?${params.toString()}`;
  if (payload) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return url;
}

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

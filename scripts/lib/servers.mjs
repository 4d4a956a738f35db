// Starts the real servers the tests and the demo use, on loopback: moto (S3 + Athena API),
// versitygw, Trino and the VS Code server. Each returns a handle whose stop() ends it.

import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, log, run, startProcess, waitForHttp } from './proc.mjs';
import { ensureMoto, ensureTrino, ensureVersitygw, ensureVsCodeServer, TRINO_VERSION, trinoJavaHome } from './tools.mjs';

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
  const handle = startProcess(
    bin,
    ['--port', `127.0.0.1:${port}`, '--iam-dir', join(dataDir, 'iam'), 'posix', '--versioning-dir', join(dataDir, 'versions'), join(dataDir, 'root')],
    {
      logFile: join(logDir, 'versitygw.log'),
      env: { ...process.env, ROOT_ACCESS_KEY: root.accessKeyId, ROOT_SECRET_KEY: root.secretAccessKey },
    },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  await waitForHttp(endpoint, { child: handle.child, name: 'versitygw', timeoutMs: 30_000 });
  const denied = { accessKeyId: 'vgwnobody', secretAccessKey: 'vgwnobody-secret' };
  await run(
    bin,
    [
      'admin',
      '--access',
      root.accessKeyId,
      '--secret',
      root.secretAccessKey,
      '--endpoint-url',
      endpoint,
      'create-user',
      '--access',
      denied.accessKeyId,
      '--secret',
      denied.secretAccessKey,
      '--role',
      'user',
    ],
    { quiet: true },
  );
  log(`versitygw on ${endpoint}`);
  return { ...handle, endpoint, port, root, denied, rootDir: join(dataDir, 'root') };
}

/** Whether Trino answers `SELECT 1` (following the statement protocol's nextUri to the end). */
async function trinoRunsQueries(endpoint) {
  try {
    let response = await fetch(`${endpoint}/v1/statement`, {
      method: 'POST',
      body: 'SELECT 1',
      headers: { 'X-Trino-User': 's3ls' },
      signal: AbortSignal.timeout(5000),
    });
    for (let page = 0; page < 100; page++) {
      if (!response.ok) return false;
      const body = await response.json();
      if (body.error) return false;
      if (!body.nextUri) return body.stats?.state === 'FINISHED';
      response = await fetch(body.nextUri, { headers: { 'X-Trino-User': 's3ls' }, signal: AbortSignal.timeout(5000) });
    }
    return false;
  } catch {
    return false;
  }
}

/**
 * Starts a single-node Trino (coordinator and worker) on 127.0.0.1 with a fresh configuration
 * under `dataDir`: the `hive` catalog on a file metastore over local files, whose `local:///` URIs
 * are paths below `localRoot` (returned; dataDir/local), and the `memory` catalog. Runs in the
 * foreground (`launcher run`), so stop() (and stopAll()) end it; resolves once /v1/info says the
 * server has finished starting and it runs a query (its worker has announced itself).
 */
export async function startTrino({ dataDir, logDir, heap = '2G', timeoutMs = 240_000 }) {
  const home = await ensureTrino();
  const javaHome = trinoJavaHome();
  const etc = join(dataDir, 'etc');
  const varDir = join(dataDir, 'var');
  const localRoot = join(dataDir, 'local');
  for (const dir of [join(etc, 'catalog'), varDir, join(localRoot, 'metastore')]) await mkdir(dir, { recursive: true });
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const properties = (entries) =>
    `${Object.entries(entries)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')}\n`;
  await writeFile(
    join(etc, 'node.properties'),
    properties({
      'node.environment': 's3ls_test',
      'node.id': `s3ls-${port}`,
      'node.data-dir': varDir,
      'node.bind-ip': '127.0.0.1',
      'node.internal-address': '127.0.0.1',
    }),
  );
  // A modest heap: the machines have 2 cores and other layers and servers run beside it.
  await writeFile(
    join(etc, 'jvm.config'),
    [
      '-server',
      `-Xmx${heap}`,
      '-XX:+UseG1GC',
      '-XX:+ExplicitGCInvokesConcurrent',
      '-XX:+ExitOnOutOfMemoryError',
      '-XX:+EnableDynamicAgentLoading',
      '-XX:ReservedCodeCacheSize=256M',
      '-Djdk.attach.allowAttachSelf=true',
      '-Duser.timezone=UTC',
      '-Dfile.encoding=UTF-8',
      '',
    ].join('\n'),
  );
  await writeFile(
    join(etc, 'config.properties'),
    properties({
      coordinator: 'true',
      'node-scheduler.include-coordinator': 'true',
      'http-server.http.port': String(port),
      'discovery.uri': endpoint,
      'query.max-memory': '1GB',
      'query.max-memory-per-node': '1GB',
      'task.concurrency': '2',
    }),
  );
  await writeFile(join(etc, 'log.properties'), 'io.trino=INFO\n');
  await writeFile(
    join(etc, 'catalog', 'hive.properties'),
    properties({
      'connector.name': 'hive',
      'hive.metastore': 'file',
      // Under the local root too: the native local file system serves every path of the catalog.
      'hive.metastore.catalog.dir': 'local:///metastore',
      'fs.native-local.enabled': 'true',
      'local.location': localRoot,
      'hive.recursive-directories': 'true',
    }),
  );
  await writeFile(join(etc, 'catalog', 'memory.properties'), properties({ 'connector.name': 'memory' }));
  const logFile = join(logDir, 'trino.log');
  const handle = startProcess(join(home, 'bin', 'launcher'), ['run', '--etc-dir', etc, '--data-dir', varDir], {
    logFile,
    cwd: varDir,
    env: { ...process.env, JAVA_HOME: javaHome, PATH: `${join(javaHome, 'bin')}:${process.env.PATH ?? ''}` },
  });
  const deadline = Date.now() + timeoutMs;
  const logTail = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n') : '');
  for (;;) {
    if (handle.child.exitCode !== null || handle.child.signalCode !== null) {
      await handle.stop();
      throw new Error(`Trino exited with ${handle.child.signalCode ?? `code ${handle.child.exitCode}`} before it started (${logFile}):\n${logTail()}`);
    }
    try {
      const response = await fetch(`${endpoint}/v1/info`, { signal: AbortSignal.timeout(2000) });
      const info = response.ok ? await response.json() : undefined;
      // "Started" is the coordinator; a query also needs its worker (the same node) to have announced
      // itself, or it fails with NO_NODES_AVAILABLE: wait until one runs.
      if (info && info.starting === false && (await trinoRunsQueries(endpoint))) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await handle.stop();
      throw new Error(`Trino did not finish starting at ${endpoint} within ${timeoutMs / 1000} s (${logFile}):\n${logTail()}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  log(`Trino ${TRINO_VERSION} on ${endpoint} (local:/// is ${localRoot})`);
  return { ...handle, endpoint, port, localRoot };
}

/**
 * Starts the VS Code server. `userSettings` go into the user settings file, so no trust dialog
 * appears; `extensionsDir` holds installed extensions (e.g. the VSIX).
 */
export async function startVsCodeServer({ dataDir, logDir, env = {}, userSettings = {}, extensionsDir }) {
  const vscodeDir = await ensureVsCodeServer();
  const userDataDir = join(dataDir, 'user-data');
  const serverDataDir = join(dataDir, 'server-data');
  const settings = {
    'security.workspace.trust.enabled': false,
    'workbench.startupEditor': 'none',
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'workbench.tips.enabled': false,
    'git.openRepositoryInParentFolders': 'never',
    ...userSettings,
  };
  for (const dir of [join(userDataDir, 'User'), join(serverDataDir, 'data', 'Machine'), join(serverDataDir, 'data', 'User')]) {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'settings.json'), JSON.stringify(settings, null, 2));
  }
  const port = await freePort();
  const args = [
    join(vscodeDir, 'out', 'server-main.js'),
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--without-connection-token',
    '--accept-server-license-terms',
    '--user-data-dir',
    userDataDir,
    '--server-data-dir',
    serverDataDir,
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
  await run(
    process.execPath,
    [
      join(vscodeDir, 'out', 'server-main.js'),
      '--install-extension',
      vsixPath,
      '--extensions-dir',
      extensionsDir,
      '--user-data-dir',
      join(dataDir, 'user-data'),
      '--server-data-dir',
      join(dataDir, 'server-data'),
      '--accept-server-license-terms',
      '--force',
    ],
    { quiet: true },
  );
}

/** The workbench URL for a folder, optionally with an extension-development/test payload. */
export function workbenchUrl(serverUrl, folder, payload) {
  const params = new URLSearchParams({ folder });
  let url = `${serverUrl}/?${params.toString()}`;
  if (payload) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return url;
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

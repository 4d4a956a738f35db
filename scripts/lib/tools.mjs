// Installs what tests and the demo need on a fresh machine, once, into a cache folder outside the
// clone (S3LS_TOOLS_DIR, default ~/.cache/s3-lifecycle-studio): the moto virtualenv, the VS Code
// server from the code-server npm package, and Debian packages (Chromium) when running as root.
// Each install writes a marker only when it has finished, so an interrupted one is redone.

import { existsSync } from 'node:fs';
import { copyFile, mkdir, rm, symlink, writeFile, readFile, chmod } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { isCI, log, run } from './proc.mjs';

export const CODE_SERVER_VERSION = '4.100.3';
export const VSCODE_VERSION = '1.100.3';
export const MOTO_VERSION = '5.2.5';
export const CHROMIUM = '/usr/bin/chromium';
export const VERSITYGW_VERSION = 'v1.8.0';

export const toolsDir = process.env.S3LS_TOOLS_DIR ?? join(homedir(), '.cache', 's3-lifecycle-studio');

export function vscodeServerDir() {
  return join(toolsDir, `code-server-${CODE_SERVER_VERSION}`, 'node_modules', 'code-server', 'lib', 'vscode');
}

export function motoServerBin() {
  return join(toolsDir, `moto-${MOTO_VERSION}`, 'bin', 'moto_server');
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function debianPackageInstalled(name) {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes('install ok installed');
  } catch {
    return false;
  }
}

let aptUpdated = false;

/** Installs Debian packages that are missing; without root it says what to run instead. */
export async function ensureDebianPackages(names, why) {
  const missing = names.filter((n) => !debianPackageInstalled(n));
  if (missing.length === 0) return;
  if (!isRoot) {
    throw new Error(`${why} needs the Debian packages ${missing.join(', ')}: run "sudo apt-get install -y ${missing.join(' ')}" and try again.`);
  }
  log(`Installing Debian packages: ${missing.join(', ')} (${why})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    await run('apt-get', ['update', '-qq'], { env, quiet: true });
    aptUpdated = true;
  }
  await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env, quiet: true });
}

export async function ensureChromium() {
  await ensureDebianPackages(['chromium'], 'Testing the UI in a real browser');
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not at ${CHROMIUM} after installing the Debian package "chromium".`);
  return CHROMIUM;
}

/** A Python virtualenv with moto's server (S3 and Athena's API on loopback). */
export async function ensureMoto() {
  const venv = join(toolsDir, `moto-${MOTO_VERSION}`);
  const marker = join(venv, '.s3ls-installed');
  if (existsSync(marker)) return motoServerBin();
  log(`Creating the moto ${MOTO_VERSION} virtualenv in ${venv}`);
  await rm(venv, { recursive: true, force: true });
  await mkdir(toolsDir, { recursive: true });
  const python = process.env.PYTHON ?? 'python3';
  try {
    await run(python, ['-m', 'venv', venv], { quiet: true });
  } catch (error) {
    await ensureDebianPackages(['python3-venv'], 'The moto virtualenv');
    await run(python, ['-m', 'venv', venv], { quiet: true });
  }
  await run(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `moto[server]==${MOTO_VERSION}`], { quiet: true });
  await writeFile(marker, new Date().toISOString());
  return motoServerBin();
}

/**
 * The VS Code server (a real VS Code 1.100.3) from the code-server npm package, installed without
 * its postinstall (which downloads from GitHub): its native modules are rebuilt from source here
 * and ripgrep comes from Debian.
 */
export async function ensureVsCodeServer() {
  const root = join(toolsDir, `code-server-${CODE_SERVER_VERSION}`);
  const marker = join(root, '.s3ls-installed');
  const vscodeDir = vscodeServerDir();
  if (existsSync(marker)) return vscodeDir;
  await ensureDebianPackages(['libkrb5-dev', 'ripgrep', 'python3', 'make', 'g++'], 'Building the VS Code server');
  log(`Installing code-server ${CODE_SERVER_VERSION} (VS Code ${VSCODE_VERSION}) into ${root}; this takes a few minutes once`);
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  await writeFile(join(root, 'package.json'), JSON.stringify({ name: 's3ls-tools', private: true }));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const npmEnv = { ...process.env, npm_config_yes: 'true', npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' };
  await run(npm, ['install', '--ignore-scripts', '--no-save', `code-server@${CODE_SERVER_VERSION}`], { cwd: root, env: npmEnv, quiet: true });
  await run(npm, ['install', '--omit=dev', '--ignore-scripts'], { cwd: vscodeDir, env: npmEnv, quiet: true });
  const rgDir = join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin');
  await mkdir(rgDir, { recursive: true });
  await copyFile('/usr/bin/rg', join(rgDir, 'rg'));
  await chmod(join(rgDir, 'rg'), 0o755);
  log('Rebuilding the VS Code server native modules');
  await run(npm, ['rebuild', 'kerberos', 'node-pty', '@vscode/spdlog', 'native-watchdog', '@parcel/watcher', '@vscode/deviceid'], { cwd: vscodeDir, env: npmEnv, quiet: true });
  if (!existsSync(join(vscodeDir, 'node_modules.asar'))) await symlink('node_modules', join(vscodeDir, 'node_modules.asar'));
  await run(npm, ['install', '--omit=dev'], { cwd: join(vscodeDir, 'extensions'), env: npmEnv, quiet: true });
  const version = JSON.parse(await readFile(join(vscodeDir, 'package.json'), 'utf8')).version;
  if (version !== VSCODE_VERSION) throw new Error(`Expected VS Code ${VSCODE_VERSION} in code-server ${CODE_SERVER_VERSION}, found ${version}`);
  await writeFile(marker, new Date().toISOString());
  return vscodeDir;
}

/** versitygw, a real file-backed S3 gateway, built from the Go module proxy (a few minutes once). */
export async function ensureVersitygw() {
  const dir = join(toolsDir, `versitygw-${VERSITYGW_VERSION}`);
  const bin = join(dir, 'bin', 'versitygw');
  const marker = join(dir, '.s3ls-installed');
  if (existsSync(marker) && existsSync(bin)) return bin;
  log(`Building versitygw ${VERSITYGW_VERSION} with go install into ${dir}; this takes a few minutes once`);
  await mkdir(join(dir, 'bin'), { recursive: true });
  await run('go', ['install', `github.com/versity/versitygw/cmd/versitygw@${VERSITYGW_VERSION}`], { env: { ...process.env, GOBIN: join(dir, 'bin'), GOFLAGS: '-mod=mod' }, quiet: true });
  await writeFile(marker, new Date().toISOString());
  return bin;
}

/** Runs an install step; outside CI a failure is a warning that names what will be skipped. */
export async function ensureOrSkip(what, install) {
  try {
    return await install();
  } catch (error) {
    if (isCI) throw error;
    log(`WARNING: ${what} unavailable, so its tests are skipped: ${error.message}`);
    return undefined;
  }
}

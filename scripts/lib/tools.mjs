// Installs what tests and the demo need on a fresh machine, once, into a cache folder outside the
// clone (S3LS_TOOLS_DIR, default ~/.cache/s3-lifecycle-studio): the moto virtualenv, the VS Code
// server from the code-server npm package, Trino from Maven Central, and Debian packages (Chromium)
// when running as root.
// Each install writes a marker only when it has finished, so an interrupted one is redone.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
/** Trino, the engine Athena runs: the SQL templates' Trino SQL is executed on it in the `trino` layer. */
export const TRINO_VERSION = '476';
/** Trino 476 refuses to start on a JVM older than this (TrinoSystemRequirements). */
export const TRINO_MIN_JAVA = [24, 0, 1];
/** The plugins the tests use; the other ~55 are deleted after extracting (start time and disk). */
export const TRINO_PLUGINS = ['hive', 'memory'];

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
  } catch {
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
  await run(npm, ['rebuild', 'kerberos', 'node-pty', '@vscode/spdlog', 'native-watchdog', '@parcel/watcher', '@vscode/deviceid'], {
    cwd: vscodeDir,
    env: npmEnv,
    quiet: true,
  });
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
  await run('go', ['install', `github.com/versity/versitygw/cmd/versitygw@${VERSITYGW_VERSION}`], {
    env: { ...process.env, GOBIN: join(dir, 'bin'), GOFLAGS: '-mod=mod' },
    quiet: true,
  });
  await writeFile(marker, new Date().toISOString());
  return bin;
}

/** A JDK's version from its `release` file (`JAVA_VERSION="25.0.3"`), as numbers; undefined when it is not a JDK. */
function javaVersion(home) {
  try {
    const text = readFileSync(join(home, 'release'), 'utf8');
    const version = /^JAVA_VERSION="([^"]+)"/m.exec(text)?.[1];
    if (!version || !existsSync(join(home, 'bin', 'java'))) return undefined;
    const parts = version
      .replace(/^1\.(\d+)/, '$1')
      .split(/[.+_-]/)
      .map((p) => Number.parseInt(p, 10));
    return [0, 1, 2].map((i) => (Number.isFinite(parts[i]) ? parts[i] : 0));
  } catch {
    return undefined;
  }
}

function atLeast(version, minimum) {
  for (let i = 0; i < minimum.length; i++) {
    if (version[i] !== minimum[i]) return version[i] > minimum[i];
  }
  return true;
}

/**
 * A JDK that runs Trino (Java 24.0.1 or newer): S3LS_TRINO_JAVA_HOME, else JAVA_HOME, else the
 * newest under /usr/lib/jvm (the build machines have a Temurin JDK 25 there beside Debian's 17).
 */
export function trinoJavaHome() {
  const minimum = TRINO_MIN_JAVA.join('.');
  const explicit = process.env.S3LS_TRINO_JAVA_HOME;
  if (explicit) {
    const version = javaVersion(explicit);
    if (!version || !atLeast(version, TRINO_MIN_JAVA))
      throw new Error(`S3LS_TRINO_JAVA_HOME=${explicit} is not a JDK ${minimum} or newer, which Trino ${TRINO_VERSION} needs`);
    return explicit;
  }
  const javaHome = process.env.JAVA_HOME;
  if (javaHome) {
    const version = javaVersion(javaHome);
    if (version && atLeast(version, TRINO_MIN_JAVA)) return javaHome;
  }
  let names = [];
  try {
    names = readdirSync('/usr/lib/jvm');
  } catch {
    // No system JDKs.
  }
  const usable = names
    .map((name) => ({ home: join('/usr/lib/jvm', name), version: javaVersion(join('/usr/lib/jvm', name)) }))
    .filter((c) => c.version && atLeast(c.version, TRINO_MIN_JAVA));
  // The newest first (a symlink and its target are the same JDK: either will do).
  usable.sort((a, b) => (atLeast(a.version, b.version) ? (atLeast(b.version, a.version) ? 0 : -1) : 1));
  if (usable.length === 0) {
    throw new Error(
      `Trino ${TRINO_VERSION} needs a JDK ${minimum} or newer, and none was found (JAVA_HOME, /usr/lib/jvm/*): install one (e.g. Temurin 25) and set S3LS_TRINO_JAVA_HOME to it`,
    );
  }
  return usable[0].home;
}

export function trinoHome() {
  return join(toolsDir, `trino-${TRINO_VERSION}`, `trino-server-${TRINO_VERSION}`);
}

/**
 * Trino's server from Maven Central (io.trino:trino-server:VERSION:tar.gz, ~800 MB) through Maven,
 * with a local repository of its own that is deleted afterwards, so the tarball is not kept twice.
 * Only the hive and memory plugins are kept. Needs a JDK 24.0.1+ to run (trinoJavaHome).
 */
export async function ensureTrino() {
  const dir = join(toolsDir, `trino-${TRINO_VERSION}`);
  const home = trinoHome();
  const marker = join(dir, '.s3ls-installed');
  trinoJavaHome(); // no use installing what cannot run
  if (existsSync(marker) && existsSync(join(home, 'bin', 'launcher'))) return home;
  log(`Installing Trino ${TRINO_VERSION} from Maven Central into ${dir} (an 800 MB download, once)`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const repository = join(dir, 'maven-repository');
  const mvnArgs = [
    '-B',
    '-q',
    `-Dmaven.repo.local=${repository}`,
    'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy',
    `-Dartifact=io.trino:trino-server:${TRINO_VERSION}:tar.gz`,
    `-DoutputDirectory=${dir}`,
  ];
  try {
    await run('mvn', mvnArgs, { cwd: dir, quiet: true });
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
    await ensureDebianPackages(['maven'], 'Downloading Trino from Maven Central');
    await run('mvn', mvnArgs, { cwd: dir, quiet: true });
  }
  const tarball = join(dir, `trino-server-${TRINO_VERSION}.tar.gz`);
  if (!existsSync(tarball)) throw new Error(`Maven did not write ${tarball}`);
  await rm(repository, { recursive: true, force: true });
  await run('tar', ['-xzf', tarball, '-C', dir], { quiet: true });
  await rm(tarball, { force: true });
  for (const plugin of readdirSync(join(home, 'plugin'))) {
    if (!TRINO_PLUGINS.includes(plugin)) await rm(join(home, 'plugin', plugin), { recursive: true, force: true });
  }
  for (const plugin of TRINO_PLUGINS) {
    if (!existsSync(join(home, 'plugin', plugin))) throw new Error(`Trino ${TRINO_VERSION} has no ${plugin} plugin in ${join(home, 'plugin')}`);
  }
  await writeFile(marker, new Date().toISOString());
  return home;
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

// Process helpers for the project's scripts: run a command, start a server and wait until it
// answers, free ports, and stopping everything that was started.

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createWriteStream } from 'node:fs';

// The AWS SDK announces at every client start that its 2027 releases need Node 22; VS Code's
// extension host is Node 20, so the project pins releases that support it. Drop that one notice.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const text = typeof warning === 'string' ? warning : (warning?.message ?? '');
  if (text.includes('AWS SDK for JavaScript (v3)') && text.includes('node >=22')) return;
  emitWarning(warning, ...rest);
};

export const isCI = /^(1|true)$/i.test(process.env.CI ?? '');

export function log(message) {
  process.stdout.write(`[s3ls] ${message}\n`);
}

/** Runs a command to completion; throws with its output tail on a non-zero exit. */
export function run(command, args, options = {}) {
  const { quiet = false, ...spawnOptions } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit', ...spawnOptions });
    let output = '';
    child.stdout?.on('data', (d) => {
      output = (output + d).slice(-8000);
    });
    child.stderr?.on('data', (d) => {
      output = (output + d).slice(-8000);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${signal ?? code}${output ? `\n${output}` : ''}`));
    });
  });
}

/** A port on 127.0.0.1 that nothing listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function waitForHttp(url, { timeoutMs = 60_000, child, name = url } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} before it answered`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`${name} did not answer at ${url} within ${timeoutMs / 1000} s`);
}

const started = new Set();

/** Starts a long-running server, its output to `logFile`; `stop()` ends it and its children. */
export function startProcess(command, args, { logFile, env, cwd } = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env, cwd, detached: true });
  if (logFile) {
    const out = createWriteStream(logFile);
    child.stdout.pipe(out);
    child.stderr.pipe(out);
  } else {
    child.stdout.resume();
    child.stderr.resume();
  }
  const handle = {
    child,
    async stop() {
      started.delete(handle);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  started.add(handle);
  return handle;
}

/** Stops every server this process started (on exit, Ctrl-C or failure). */
export async function stopAll() {
  await Promise.all([...started].map((h) => h.stop()));
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    void stopAll().finally(() => process.exit(130));
  });
}
process.on('exit', () => {
  for (const h of started) {
    try {
      process.kill(-h.child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

// Entry point of the `s3-lifecycle` CLI (bundled to dist/cli.js): wires process I/O to runCli.

import { createInterface } from 'node:readline/promises';
import { spawn } from 'node:child_process';
import { runCli } from './cli/main';
import { setAccessLogParserLog } from './core/accessLog/parser';
import packageJson from '../package.json';

/**
 * `generate` keeps little alive (about 80 MB at three million objects) but allocates a lot, and V8
 * lets its heap grow lazily towards a limit sized by the machine's memory. A capped heap makes it
 * collect sooner, so the promise of bounded memory holds: re-run under the cap.
 */
const HEAP_CAP_MB = 512;
function rerunWithHeapCap(): boolean {
  if (process.argv[2] !== 'generate' || process.execArgv.some((a) => a.startsWith('--max-old-space-size')) || process.env.S3LS_NO_HEAP_CAP) return false;
  const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_CAP_MB}`, ...process.execArgv, __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  // Ctrl-C reaches the child from the terminal too; the parent only waits for it.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
  return true;
}

// The AWS SDK warns on every run that its 2027 releases will need Node 22. VS Code's extension host
// is Node 20, so the product pins SDK releases that support it; the notice is noise in a terminal.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: never[]) => {
  const text = typeof warning === 'string' ? warning : warning.message;
  if (text.includes('AWS SDK for JavaScript (v3)') && text.includes('node >=22')) return;
  emitWarning(warning, ...rest);
}) as typeof process.emitWarning;

/** A question on the terminal: the prompt on stderr (stdout keeps the command's output), the answer from stdin. */
async function ask(question: string, signal: AbortSignal): Promise<string | undefined> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await prompt.question(question, { signal });
  } catch {
    return undefined;
  } finally {
    prompt.close();
  }
}

function main(): void {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const io = {
    out: (text: string) => process.stdout.write(text),
    err: (text: string) => process.stderr.write(text),
    env: process.env,
    signal: controller.signal,
    ...(process.stdin.isTTY ? { ask } : {}),
  };
  // The CLI's log is stderr, warnings only: a slower parser is worth a line, progress chatter is not.
  setAccessLogParserLog({
    trace: () => undefined,
    info: () => undefined,
    warn: (message) => process.stderr.write(`s3-lifecycle: warning: ${message}\n`),
    error: (message) => process.stderr.write(`s3-lifecycle: ${message}\n`),
  });
  runCli(process.argv.slice(2), io, packageJson.version).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`s3-lifecycle: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

if (!rerunWithHeapCap()) main();

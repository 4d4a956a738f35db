// Entry point of the `s3-lifecycle` CLI (bundled to dist/cli.js): wires process I/O to runCli.

import { runCli } from './cli/main';
import packageJson from '../package.json';

// The AWS SDK warns on every run that its 2027 releases will need Node 22. VS Code's extension host
// is Node 20, so the product pins SDK releases that support it; the notice is noise in a terminal.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: never[]) => {
  const text = typeof warning === 'string' ? warning : warning.message;
  if (text.includes('AWS SDK for JavaScript (v3)') && text.includes('node >=22')) return;
  emitWarning(warning, ...rest);
}) as typeof process.emitWarning;

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());

runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  signal: controller.signal,
}, packageJson.version).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`s3-lifecycle: ${String(error)}\n`);
    process.exitCode = 1;
  },
);

// Entry point of the `s3-lifecycle` CLI (bundled to dist/cli.js): wires process I/O to runCli.

import { runCli } from './cli/main';
import packageJson from '../package.json';

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

// `npm run setup`: installs everything the tests, the demo and the benchmarks use, without running
// them — npm packages, the moto virtualenv, versitygw, Trino, the VS Code server and (as root) Chromium —
// into the tools cache (~/.cache/s3-lifecycle-studio, or S3LS_TOOLS_DIR). `npm test` and
// `npm run demo` do the same on first use; this is for preparing a machine ahead of time.

import { log } from './lib/proc.mjs';
import { ensureNodeModules } from './lib/project.mjs';
import { ensureChromium, ensureMoto, ensureTrino, ensureVersitygw, ensureVsCodeServer, toolsDir, trinoJavaHome } from './lib/tools.mjs';

await ensureNodeModules();
log(`moto: ${await ensureMoto()}`);
log(`versitygw: ${await ensureVersitygw()}`);
log(`Trino: ${await ensureTrino()} (Java: ${trinoJavaHome()})`);
log(`VS Code server: ${await ensureVsCodeServer()}`);
log(`Chromium: ${await ensureChromium()}`);
log(`Tools are in ${toolsDir}`);

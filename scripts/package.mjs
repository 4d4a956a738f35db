// `npm run package`: the VSIX for this platform (pass --target linux-arm64 etc. for another).
import { ensureNodeModules, packageVsix } from './lib/project.mjs';
import { log } from './lib/proc.mjs';

const targetIndex = process.argv.indexOf('--target');
const target = targetIndex > 0 ? process.argv[targetIndex + 1] : undefined;
await ensureNodeModules();
const vsix = await packageVsix(target ? { target } : {});
log(`Packaged ${vsix}`);

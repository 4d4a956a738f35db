// The l10n bundle (l10n/bundle.l10n.json) translators start from must hold every string the code
// passes to vscode.l10n.t, as @vscode/l10n-dev extracts them: `npm run l10n` writes it anew.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { getL10nJson } from '@vscode/l10n-dev';

const ROOT = join(__dirname, '..', '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('l10n bundle', () => {
  it('holds exactly the strings the code localises (run `npm run l10n` after changing them)', async () => {
    const extracted = await getL10nJson(sources(join(ROOT, 'src')).map((path) => ({ contents: readFileSync(path, 'utf8'), extension: '.ts' })));
    const bundle = JSON.parse(readFileSync(join(ROOT, 'l10n', 'bundle.l10n.json'), 'utf8'));
    assert.deepEqual(Object.keys(bundle).sort(), Object.keys(extracted).sort());
    assert.ok(Object.keys(bundle).length > 100, `only ${Object.keys(bundle).length} strings: are aliases of vscode.l10n.t hiding calls from the extractor?`);
  });
});

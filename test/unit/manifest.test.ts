// The manifest (package.json) and the code must agree: every contributed command has a handler,
// every setting the code reads is declared with the same default, every command link resolves.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMAND_IDS } from '../../src/commands/ids';
import { SETTING_DEFAULTS } from '../../src/core/settings';

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
const contributes = manifest.contributes;

describe('package.json', () => {
  it('is the extension the design names', () => {
    assert.equal(manifest.name, 's3-lifecycle-studio');
    assert.equal(manifest.displayName, 'S3 Lifecycle Studio');
    assert.equal(manifest.engines.vscode, '^1.90.0');
    assert.equal(manifest.main, './dist/extension.js');
    assert.equal(manifest.bin['s3-lifecycle'], './dist/cli.js');
  });

  it('contributes exactly the commands the command table handles, all under "S3 Lifecycle"', () => {
    const contributed = contributes.commands.map((c: { command: string }) => c.command).sort();
    assert.deepEqual(contributed, [...COMMAND_IDS].sort());
    for (const command of contributes.commands) {
      assert.equal(command.category, 'S3 Lifecycle', command.command);
      assert.match(command.command, /^s3lifecycle\./);
    }
  });

  it('declares every setting the code reads, with the same default', () => {
    const properties = Object.assign({}, ...contributes.configuration.map((c: { properties: object }) => c.properties));
    const declared = Object.keys(properties).sort();
    assert.deepEqual(declared, Object.keys(SETTING_DEFAULTS).map((k) => `s3lifecycle.${k}`).sort());
    for (const [key, value] of Object.entries(SETTING_DEFAULTS)) assert.deepEqual(properties[`s3lifecycle.${key}`].default, value, key);
    assert.deepEqual(properties['s3lifecycle.engine'].enum, ['local', 'athena']);
  });

  it('links only to commands that exist, from menus and the welcome view', () => {
    const known = new Set<string>([...COMMAND_IDS]);
    for (const item of Object.values(contributes.menus).flat() as { command: string }[]) assert.ok(known.has(item.command), item.command);
    for (const welcome of contributes.viewsWelcome) {
      for (const [, id] of welcome.contents.matchAll(/\(command:([\w.]+)\)/g)) assert.ok(known.has(id!), id);
    }
  });

  it('puts the Buckets view in its own activity-bar container with an icon from media/', () => {
    const [container] = contributes.viewsContainers.activitybar;
    assert.equal(container.id, 's3lifecycle');
    assert.match(container.icon, /^media\//);
    assert.equal(contributes.views.s3lifecycle[0].id, 's3lifecycle.buckets');
    assert.equal(contributes.views.s3lifecycle[0].name, 'Buckets');
  });
});

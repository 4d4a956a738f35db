// The manifest (package.json) and the code must agree: every contributed command has a handler,
// every setting the code reads is declared with the same default, every command link resolves.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMAND_IDS } from '../../src/commands/ids';
import { SETTING_DEFAULTS } from '../../src/core/settings';

const ROOT = join(__dirname, '..', '..', '..');
const nls: Record<string, string> = JSON.parse(readFileSync(join(ROOT, 'package.nls.json'), 'utf8'));
/** The manifest as VS Code shows it in English: every `%key%` replaced from package.nls.json. */
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'), (_key, value: unknown) => {
  if (typeof value !== 'string') return value;
  const match = /^%(.+)%$/.exec(value);
  if (!match) return value;
  const text = nls[match[1]!];
  if (text === undefined) throw new Error(`package.json names %${match[1]}%, which package.nls.json does not define`);
  return text;
});
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
    assert.deepEqual(
      declared,
      Object.keys(SETTING_DEFAULTS)
        .map((k) => `s3lifecycle.${k}`)
        .sort(),
    );
    for (const [key, value] of Object.entries(SETTING_DEFAULTS)) assert.deepEqual(properties[`s3lifecycle.${key}`].default, value, key);
    assert.deepEqual(properties['s3lifecycle.engine'].enum, ['local', 'athena']);
  });

  it('declares limited support for untrusted workspaces, restricting every setting that picks credentials, endpoints, sources or templates or relaxes a safeguard (issue 14.2)', () => {
    const untrusted = manifest.capabilities?.untrustedWorkspaces;
    assert.ok(untrusted, 'capabilities.untrustedWorkspaces is declared');
    assert.equal(untrusted.supported, 'limited');
    // Through package.nls.json, saying what is off.
    assert.match(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).capabilities.untrustedWorkspaces.description, /^%.+%$/);
    assert.match(untrusted.description, /SQL templates .* neither read nor run/);
    const properties = Object.assign({}, ...contributes.configuration.map((c: { properties: object }) => c.properties));
    for (const key of untrusted.restrictedConfigurations as string[]) assert.ok(key in properties, `${key} is a declared setting`);
    for (const key of [
      'profile',
      'endpoint',
      'connections',
      'athena.outputLocation',
      'query.inventoryLocation',
      'query.logsLocation',
      'retention.keepTag',
      'retention.maxMissingLogDays',
      'retention.maxMalformedLogLinesPercent',
      'retention.priceListEndpoint',
      'retention.templatesFolder',
      'expiration.tag',
      'expiration.days',
      'expiration.confirmThreshold',
    ]) {
      assert.ok(untrusted.restrictedConfigurations.includes(`s3lifecycle.${key}`), `s3lifecycle.${key} is restricted`);
    }
  });

  it('links only to commands that exist, from menus and the welcome view', () => {
    const known = new Set<string>([...COMMAND_IDS]);
    for (const item of Object.values(contributes.menus).flat() as { command: string }[]) assert.ok(known.has(item.command), item.command);
    for (const welcome of contributes.viewsWelcome) {
      for (const [, id] of welcome.contents.matchAll(/\(command:([\w.]+)\)/g)) assert.ok(known.has(id!), id);
    }
  });

  it('takes every string people read from package.nls.json, and that file has no unused keys', () => {
    const raw = readFileSync(join(ROOT, 'package.json'), 'utf8');
    const used = new Set([...raw.matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]!));
    assert.deepEqual(
      [...used].filter((key) => !(key in nls)),
      [],
    );
    assert.deepEqual(
      Object.keys(nls).filter((key) => !used.has(key)),
      [],
    );
    const parsed = JSON.parse(raw);
    for (const command of parsed.contributes.commands) assert.match(command.title, /^%.+%$/, `${command.command}: its title is not localisable`);
    for (const conf of parsed.contributes.configuration) {
      for (const [name, property] of Object.entries(conf.properties as Record<string, { description?: string; markdownDescription?: string }>)) {
        assert.match(property.markdownDescription ?? property.description ?? '', /^%.+%$/, `${name}: its description is not localisable`);
      }
    }
    assert.equal(parsed.l10n, './l10n');
  });

  it('puts the Buckets view in its own activity-bar container with an icon from media/', () => {
    const [container] = contributes.viewsContainers.activitybar;
    assert.equal(container.id, 's3lifecycle');
    assert.match(container.icon, /^media\//);
    assert.equal(contributes.views.s3lifecycle[0].id, 's3lifecycle.buckets');
    assert.equal(contributes.views.s3lifecycle[0].name, 'Buckets');
  });
});

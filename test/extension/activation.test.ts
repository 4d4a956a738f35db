// Runs inside a real VS Code extension host: activation, commands, views and settings.

import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { StudioApi } from '../../src/extension';

const EXTENSION_ID = 's3-lifecycle-studio.s3-lifecycle-studio';

async function activated(): Promise<StudioApi> {
  const extension = vscode.extensions.getExtension<StudioApi>(EXTENSION_ID);
  assert.ok(extension, `extension ${EXTENSION_ID} is installed`);
  return extension.activate();
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('S3 Lifecycle Studio in the extension host', () => {
  it('runs in VS Code 1.100 or later', () => {
    const [major, minor] = vscode.version.split('.').map(Number);
    assert.ok(major! > 1 || minor! >= 100, `VS Code ${vscode.version}`);
  });

  it('activates and returns its API', async () => {
    const api = await activated();
    assert.equal(typeof api.settings, 'function');
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)?.isActive);
  });

  it('registers every command its manifest contributes', async () => {
    await activated();
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    const contributed = (extension.packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.ok(contributed.length >= 7);
    for (const id of contributed) assert.ok(registered.has(id), `${id} is registered`);
  });

  it('contributes the Buckets tree view in its own activity-bar container', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    const { viewsContainers, views, viewsWelcome } = extension.packageJSON.contributes;
    assert.equal(viewsContainers.activitybar[0].id, 's3lifecycle');
    assert.equal(views.s3lifecycle[0].id, 's3lifecycle.buckets');
    assert.match(viewsWelcome[0].contents, /command:s3lifecycle\.selectProfile/);
    // Focusing the view only succeeds when the view exists in the workbench.
    await vscode.commands.executeCommand('s3lifecycle.buckets.focus');
  });

  it('reads the connection settings of the workspace', async () => {
    const api = await activated();
    const expected = process.env.S3LS_TEST_ENDPOINT;
    assert.ok(expected, 'the runner passes the endpoint it wrote into the workspace settings');
    assert.equal(api.settings().connection.endpoint, expected);
    assert.equal(api.settings().connection.forcePathStyle, true);
    assert.equal(api.settings().engine, 'local');
    assert.equal(api.settings().athena.workgroup, 'primary');
  });

  it('follows a settings change without a reload, and rejects an invalid value', async () => {
    const api = await activated();
    const configuration = vscode.workspace.getConfiguration('s3lifecycle');
    try {
      await configuration.update('engine', 'athena', vscode.ConfigurationTarget.Global);
      await waitFor('the engine to become athena', () => (api.settings().engine === 'athena' ? true : undefined));
      await configuration.update('athena.outputLocation', 'not-an-s3-uri', vscode.ConfigurationTarget.Global);
      await waitFor('a problem report', () => (api.settingsProblems().length > 0 ? true : undefined));
      assert.match(api.settingsProblems().join('\n'), /outputLocation/);
      assert.equal(api.settings().athena.outputLocation, '');
    } finally {
      await configuration.update('engine', undefined, vscode.ConfigurationTarget.Global);
      await configuration.update('athena.outputLocation', undefined, vscode.ConfigurationTarget.Global);
    }
    await waitFor('the engine to return to local', () => (api.settings().engine === 'local' ? true : undefined));
  });

  it('loads the embedded DuckDB engine from the extension host', async () => {
    await activated();
    const info = await vscode.commands.executeCommand<{ version: string; platform: string }>('s3lifecycle.checkLocalEngine');
    assert.ok(info, 'the command returned the engine info');
    assert.match(info.version, /^v\d+\.\d+/);
    assert.equal(info.platform, `${process.platform}-${process.arch}`);
  });

  it('opens the lifecycle panel, whose webview completes the ready handshake', async () => {
    const api = await activated();
    await vscode.commands.executeCommand('s3lifecycle.openPanel');
    const tab = await waitFor('the panel tab', () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && /s3lifecycle\.panel$/.test(t.input.viewType)),
    );
    assert.equal(tab.label, 'S3 Lifecycle');
    const handshakes = await waitFor(
      'the webview ready handshake',
      () => {
        const n = api.panelHandshakes();
        return n !== undefined && n > 0 ? n : undefined;
      },
      30_000,
    );
    assert.ok(handshakes >= 1);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await waitFor('the panel to close', () => (api.panelHandshakes() === undefined ? true : undefined));
  });
});

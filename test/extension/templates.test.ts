// SQL templates in a real VS Code: editing them in the workspace, CodeLens, completion, hover,
// diagnostics, and a run on the local engine over a generated estate into the results view.

import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { StudioApi } from '../../src/extension';
import { generateEstate, type EstateTruth } from '../../src/core/estate/generate';
import { FolderOutput } from '../../src/core/estate/output';
import { parseDay } from '../../src/core/time';
import type { ResultsSummary } from '../../src/views/resultsPanel';

const EXTENSION_ID = 's3-lifecycle-studio.s3-lifecycle-studio';

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('SQL templates in VS Code', function () {
  this.timeout(120_000);
  let api: StudioApi;
  let templatesDir: string;
  let truth: EstateTruth;

  before(async () => {
    api = await vscode.extensions.getExtension<StudioApi>(EXTENSION_ID)!.activate();
    const estate = mkdtempSync(join(tmpdir(), 's3ls-ext-estate-'));
    await generateEstate(
      {
        objects: 2000,
        seed: 11,
        asOfDay: parseDay('2026-09-30'),
        days: 30,
        bucket: 'ext-estate',
        inventoryBucket: 'ext-estate-inventory',
        logsBucket: 'ext-estate-logs',
        logLayout: 'partitioned',
        region: 'us-east-1',
        rowsPerInventoryFile: 1000,
      },
      new FolderOutput(estate),
    );
    truth = JSON.parse(readFileSync(join(estate, 'truth.json'), 'utf8')) as EstateTruth;
    const config = vscode.workspace.getConfiguration('s3lifecycle');
    await config.update('query.inventoryLocation', join(estate, 'inventory', 'ext-estate', 'daily-full', 'hive'), vscode.ConfigurationTarget.Workspace);
    await config.update('query.logsLocation', join(estate, 'logs'), vscode.ConfigurationTarget.Workspace);
  });

  it('copies the built-in templates into .s3-lifecycle/templates and opens one', async () => {
    templatesDir = (await vscode.commands.executeCommand<string>('s3lifecycle.editTemplates'))!;
    assert.ok(templatesDir.endsWith(join('.s3-lifecycle', 'templates')));
    const files = readdirSync(templatesDir)
      .filter((f) => f.endsWith('.sql'))
      .sort();
    assert.equal(files.length, 13);
    assert.ok(files.includes('unused_prefixes.sql') && files.includes('grouped_events.sql'));
    await waitFor('the template in the editor', () => (vscode.window.activeTextEditor?.document.uri.fsPath.endsWith('unused_prefixes.sql') ? true : undefined));
  });

  it('offers Run locally, Run on Athena, Preview SQL and Parameters… as CodeLens', async () => {
    const uri = vscode.Uri.file(join(templatesDir, 'unused_prefixes.sql'));
    const lenses = await waitFor('code lenses', async () => {
      const found = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      return found && found.length >= 4 ? found : undefined;
    });
    const titles = lenses.map((l) => l.command?.title ?? '');
    assert.ok(titles.some((t) => t.includes('Run locally')));
    assert.ok(titles.some((t) => t.includes('Run on Athena')));
    assert.ok(titles.some((t) => t.includes('Preview SQL')));
    assert.ok(titles.some((t) => t.startsWith('Parameters…')));
  });

  it('completes {{ with the declared parameters, hovers with their docs, and flags unknown ones', async () => {
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(join(templatesDir, 'access_by_prefix.sql')));
    const editor = await vscode.window.showTextDocument(document);
    const end = document.lineAt(document.lineCount - 1).range.end;
    await editor.edit((b) => b.insert(end, '\n-- {{'));
    const at = document.lineAt(document.lineCount - 1).range.end;
    const completions = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', document.uri, at, '{');
    const labels = completions.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    assert.ok(labels.includes('as_of') && labels.includes('days') && labels.includes('access_log_table'), labels.join(','));

    const usage = document.getText().indexOf('{{days}}');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, document.positionAt(usage + 3));
    // MarkdownString.appendText escapes spaces as &nbsp;.
    const hoverText = hovers
      .flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : '')))
      .join('\n')
      .replace(/&nbsp;/g, ' ');
    assert.match(hoverText, /days/);
    assert.match(hoverText, /Days in the window/);

    await editor.edit((b) => b.insert(document.lineAt(document.lineCount - 1).range.end, 'nope}}'));
    const diagnostics = await waitFor('a diagnostic', () => {
      const found = vscode.languages.getDiagnostics(document.uri).filter((d) => d.message.includes('Unknown parameter "nope"'));
      return found.length > 0 ? found : undefined;
    });
    assert.equal(diagnostics[0]!.severity, vscode.DiagnosticSeverity.Error);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it("runs unused_prefixes locally from its CodeLens command and shows truth.json's prefixes in the results view", async () => {
    await api.templateValues.set('unused_prefixes', { as_of: truth.window.end });
    const uri = vscode.Uri.file(join(templatesDir, 'unused_prefixes.sql'));
    const summary = await vscode.commands.executeCommand<ResultsSummary>('s3lifecycle.runTemplateLocal', uri);
    assert.ok(summary, 'the run returns its summary');
    assert.equal(summary.state, 'done', summary.error);
    assert.equal(summary.rows, truth.unusedPrefixes.length);
    assert.deepEqual(summary.columns, ['prefix', 'objects', 'bytes', 'storage_classes', 'newest_last_modified', 'bytes_by_storage_class']);
    assert.equal(summary.statistics?.engine, 'local');

    const target = vscode.Uri.file(join(mkdtempSync(join(tmpdir(), 's3ls-export-')), 'unused.csv'));
    assert.equal((await api.exportResultsCsv('unused_prefixes', target))?.fsPath, target.fsPath);
    const lines = readFileSync(target.fsPath, 'utf8')
      .split('\r\n')
      .filter((l) => l !== '');
    assert.equal(lines[0], 'prefix,objects,bytes,storage_classes,newest_last_modified,bytes_by_storage_class');
    assert.equal(lines.length - 1, truth.unusedPrefixes.length);
  });

  it('previews the rendered SQL with its parameters as literals', async () => {
    const text = await vscode.commands.executeCommand<string>('s3lifecycle.previewTemplateSql', vscode.Uri.file(join(templatesDir, 'unused_prefixes.sql')));
    assert.ok(text);
    assert.match(text, new RegExp(`DATE '${truth.window.end}'`));
    assert.doesNotMatch(text, /\{\{/);
  });
});

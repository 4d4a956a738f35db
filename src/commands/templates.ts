// Commands over SQL templates: copy the built-ins into the workspace for editing, run a template on
// either engine into the results view, preview its rendered SQL, and set its parameter values.

import * as vscode from 'vscode';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { EngineKind } from '../core/settings';
import { TemplateRunner, type RunSources } from '../engines/runner';
import { builtinTemplateDir, retentionCatalog, TemplateCatalog, WORKSPACE_TEMPLATE_FOLDER } from '../sql/catalog';
import { renderValue, TemplateError, type SqlTemplate, type TemplateParameter } from '../sql/template';
import type { Studio } from '../studio';
import { readTemplate } from '../views/templateEditor';
import type { ResultsSummary } from '../views/resultsPanel';

export function workspaceFolder(uri?: vscode.Uri): vscode.WorkspaceFolder | undefined {
  return (uri && vscode.workspace.getWorkspaceFolder(uri)) ?? vscode.workspace.workspaceFolders?.[0];
}

/** Copies every built-in template not already in the workspace's .s3-lifecycle/templates/, then opens the folder's first template. */
export async function editTemplates(studio: Studio): Promise<string | undefined> {
  const folder = workspaceFolder();
  if (!folder) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Open a folder first: the templates are copied into its .s3-lifecycle/templates/ folder.'));
    return undefined;
  }
  const target = join(folder.uri.fsPath, WORKSPACE_TEMPLATE_FOLDER);
  await mkdir(target, { recursive: true });
  const source = builtinTemplateDir();
  let copied = 0;
  for (const name of (await readdir(source)).filter((n) => n.endsWith('.sql')).sort()) {
    if (existsSync(join(target, name))) continue; // never overwrite the user's edits
    await copyFile(join(source, name), join(target, name));
    copied++;
  }
  studio.log.info(`Copied ${copied} built-in template(s) to ${target}`);
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(join(target, 'unused_prefixes.sql')));
  await vscode.window.showTextDocument(document, { preview: false });
  void vscode.window.showInformationMessage(
    copied > 0
      ? vscode.l10n.t('Copied {0} templates to {1}. Your copies override the built-ins of the same name.', copied, WORKSPACE_TEMPLATE_FOLDER)
      : vscode.l10n.t('The templates are already in {0}; none was overwritten.', WORKSPACE_TEMPLATE_FOLDER),
  );
  return target;
}

/** The templates to run by name: the built-ins, overridden by the workspace's own in a trusted workspace only. */
export function catalogFor(uri?: vscode.Uri): TemplateCatalog {
  if (!vscode.workspace.isTrusted) return TemplateCatalog.load();
  const folders = vscode.workspace.workspaceFolders ?? [];
  const preferred = workspaceFolder(uri);
  const ordered = preferred ? [...folders.filter((f) => f !== preferred), preferred] : folders;
  return TemplateCatalog.load({ workspaceDirs: ordered.map((f) => join(f.uri.fsPath, WORKSPACE_TEMPLATE_FOLDER)) });
}

/**
 * The templates of Find Unused Prefixes: the built-ins, or those of the folder the setting
 * s3lifecycle.retention.templatesFolder names (relative to the workspace folder) in their place —
 * never the workspace's .s3-lifecycle/templates/ unasked, and no folder at all in Restricted Mode.
 */
export function retentionCatalogFor(studio: Studio): TemplateCatalog {
  const folder = studio.settings.retention.templatesFolder;
  if (folder === '') return retentionCatalog();
  if (!vscode.workspace.isTrusted) {
    studio.log.warn(`Find Unused Prefixes: the workspace is in Restricted Mode, so the built-in templates run, not those of ${folder}`);
    return retentionCatalog();
  }
  const base = workspaceFolder()?.uri.fsPath;
  const catalog = retentionCatalog(isAbsolute(folder) || !base ? folder : join(base, folder));
  for (const problem of catalog.problems) studio.log.warn(`Find Unused Prefixes: ${problem}`);
  return catalog;
}

/** Refuses to run a workspace's template in Restricted Mode: the built-ins still run. */
function checkTrusted(document: vscode.TextDocument): void {
  if (vscode.workspace.isTrusted || dirname(document.uri.fsPath) === builtinTemplateDir()) return;
  throw new Error(
    vscode.l10n.t(
      'This workspace is in Restricted Mode: its SQL templates are not run. Trust the workspace (Workspaces: Manage Workspace Trust) to run {0}; the built-in templates run either way.',
      basename(document.uri.fsPath),
    ),
  );
}

/** A template document: the given one, else the active editor's. Unsaved edits count. */
async function templateDocument(uri: unknown): Promise<vscode.TextDocument> {
  const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
  if (!target) throw new Error(vscode.l10n.t('Open a SQL template first (S3 Lifecycle: Edit SQL Templates).'));
  return vscode.workspace.openTextDocument(target);
}

function templateOf(document: vscode.TextDocument): SqlTemplate {
  const { template, error } = readTemplate(document);
  if (!template) throw error ?? new TemplateError('not a template');
  return template;
}

/** Prompts for one parameter's value, checked as it is typed. Undefined when dismissed. */
async function promptValue(parameter: TemplateParameter, current: string | undefined): Promise<string | undefined> {
  if (parameter.type.kind === 'enum') {
    const picked = await vscode.window.showQuickPick(
      parameter.type.values.map((v) => ({ label: v, picked: v === current })),
      { title: parameter.name, placeHolder: parameter.description },
    );
    return picked?.label;
  }
  return vscode.window.showInputBox({
    title: parameter.name,
    prompt: parameter.description,
    value: current ?? parameter.default ?? '',
    validateInput: (value) => {
      try {
        renderValue(parameter, value);
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    },
  });
}

/** The values to run with: the ones set with Parameters…, and a prompt for each required one not set. */
async function valuesForRun(studio: Studio, template: SqlTemplate): Promise<Record<string, string> | undefined> {
  const values = { ...studio.templateValues.get(template.name) };
  for (const name of Object.keys(values)) if (!template.parameters.some((p) => p.name === name)) delete values[name];
  for (const parameter of template.parameters) {
    if (parameter.default !== undefined || values[parameter.name] !== undefined) continue;
    const value = await promptValue(parameter, undefined);
    if (value === undefined) return undefined;
    values[parameter.name] = value;
  }
  await studio.templateValues.set(template.name, values);
  return values;
}

function sourcesFor(studio: Studio, uri?: vscode.Uri): RunSources {
  const base = workspaceFolder(uri)?.uri.fsPath;
  const resolve = (location: string) =>
    location === '' ? undefined : /^(s3|file):\/\//.test(location) || isAbsolute(location) || !base ? location : join(base, location);
  return { inventory: resolve(studio.settings.query.inventoryLocation), logs: resolve(studio.settings.query.logsLocation) };
}

export async function runTemplate(studio: Studio, uri: unknown, engineKind?: EngineKind): Promise<ResultsSummary | undefined> {
  const document = await templateDocument(uri);
  checkTrusted(document);
  const template = templateOf(document);
  const values = await valuesForRun(studio, template);
  if (!values) return undefined;
  const kind = engineKind ?? studio.settings.engine;
  const engine = await studio.queryEngine(kind);
  const runner = new TemplateRunner(catalogFor(document.uri), engine, sourcesFor(studio, document.uri));
  studio.log.info(`Running ${template.name} on the ${kind} engine with ${JSON.stringify(values)}`);
  return studio.results.show({
    title: template.name,
    engine: kind,
    start: (signal, onProgress) => runner.run({ template, values, signal, onProgress }),
  });
}

/** Opens the rendered SQL (dependencies first, as the run would execute them) in an untitled editor. */
export async function previewTemplateSql(studio: Studio, uri: unknown): Promise<string | undefined> {
  const document = await templateDocument(uri);
  const template = templateOf(document);
  const values = await valuesForRun(studio, template);
  if (!values) return undefined;
  const engine = await studio.queryEngine(studio.settings.engine);
  const steps = await new TemplateRunner(catalogFor(document.uri), engine, sourcesFor(studio, document.uri)).plan(template, values);
  const text = steps
    .map((s) => `-- ${s.template.name}${s.template === template ? '' : ' (runs first: it creates a table this one reads)'}\n${s.sql.trim()}\n;\n`)
    .join('\n');
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'sql', content: text }), {
    preview: true,
    viewColumn: vscode.ViewColumn.Beside,
  });
  return text;
}

/** A quick pick of the parameters with their current values; picking one edits it. */
export async function templateParameters(studio: Studio, uri: unknown): Promise<Record<string, string> | undefined> {
  const document = await templateDocument(uri);
  const template = templateOf(document);
  if (template.parameters.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('{0} has no parameters.', template.name));
    return {};
  }
  const values = { ...studio.templateValues.get(template.name) };
  const reset = vscode.l10n.t('$(discard) Reset all to defaults');
  for (;;) {
    const items = template.parameters.map((p) => ({
      label: p.name,
      description:
        values[p.name] !== undefined
          ? `= ${values[p.name] === '' ? "''" : values[p.name]}`
          : p.default === undefined
            ? vscode.l10n.t('(required)')
            : vscode.l10n.t('default {0}', p.default === '' ? "''" : p.default),
      detail: p.description,
      parameter: p,
    }));
    const picked = await vscode.window.showQuickPick([...items, { label: reset, description: '', detail: undefined, parameter: undefined }], {
      title: vscode.l10n.t('Parameters of {0}', template.name),
      placeHolder: vscode.l10n.t('Pick a parameter to set its value for your runs (Escape when done)'),
    });
    if (!picked) break;
    if (!picked.parameter) {
      for (const key of Object.keys(values)) delete values[key];
    } else {
      const value = await promptValue(picked.parameter, values[picked.parameter.name]);
      if (value !== undefined) values[picked.parameter.name] = value;
    }
    await studio.templateValues.set(template.name, values);
    studio.templateEditor.refresh();
  }
  return values;
}

/** The palette's entry point: pick any template (workspace copies first), open it and run it on the configured engine. */
export async function pickAndRunTemplate(studio: Studio): Promise<ResultsSummary | undefined> {
  const catalog = catalogFor();
  const picked = await vscode.window.showQuickPick(
    catalog.entries.map((e) => ({
      label: e.template.name,
      description: e.source === 'workspace' ? vscode.l10n.t('workspace') : vscode.l10n.t('built-in'),
      detail: e.template.description,
      entry: e,
    })),
    { title: vscode.l10n.t('Run SQL Template'), matchOnDetail: true },
  );
  if (!picked) return undefined;
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(picked.entry.path));
  await vscode.window.showTextDocument(document, { preview: true });
  return runTemplate(studio, document.uri);
}

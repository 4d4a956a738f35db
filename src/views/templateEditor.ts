// Inline editing of SQL templates: CodeLens to run, preview and set parameters; completion of
// `{{` parameter names; hover with a parameter's documentation; diagnostics for header mistakes
// and unknown or ill-typed parameters. Applies to .sql files in .s3-lifecycle/templates/ and to the
// built-ins shipped with the extension.

import * as vscode from 'vscode';
import { builtinTemplateDir } from '../sql/catalog';
import { parseTemplate, renderValue, TemplateError, type SqlTemplate, type TemplateParameter } from '../sql/template';
import { Disposable } from './disposable';

/**
 * Template files: the workspace's .s3-lifecycle/templates/ and the extension's own built-ins (by
 * their absolute folder, so another project's `sql/*.sql` never gets template features).
 */
export function templateSelector(builtinDir: string): vscode.DocumentSelector {
  return [{ pattern: '**/.s3-lifecycle/templates/*.sql' }, { pattern: new vscode.RelativePattern(vscode.Uri.file(builtinDir), '*.sql') }];
}

function templateName(document: vscode.TextDocument): string {
  return document.uri.path.replace(/^.*\//, '').replace(/\.sql$/, '');
}

/** The template in a document, or the error that stops it parsing. */
export function readTemplate(document: vscode.TextDocument): { template?: SqlTemplate; error?: TemplateError } {
  try {
    return { template: parseTemplate(document.getText(), templateName(document)) };
  } catch (error) {
    if (error instanceof TemplateError) return { error };
    throw error;
  }
}

function typeLabel(parameter: TemplateParameter): string {
  return parameter.type.kind === 'enum' ? `enum(${parameter.type.values.join(' | ')})` : parameter.type.kind;
}

export function parameterDoc(parameter: TemplateParameter, value: string | undefined): vscode.MarkdownString {
  const doc = new vscode.MarkdownString();
  doc.appendMarkdown(`**${parameter.name}** \`${typeLabel(parameter)}\`\n\n`);
  doc.appendText(parameter.description || vscode.l10n.t('(no description)'));
  doc.appendMarkdown('\n\n');
  doc.appendText(
    parameter.default === undefined
      ? vscode.l10n.t('Required: no default.')
      : vscode.l10n.t('Default: {0}', parameter.default === '' ? "''" : parameter.default),
  );
  if (value !== undefined) {
    doc.appendMarkdown('\n\n');
    doc.appendText(vscode.l10n.t('Value for your runs: {0}', value === '' ? "''" : value));
  }
  return doc;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*[a-z]+\s*)?\}\}/g;
const PARAM_HEADER = /^--\s*@param\s+([A-Za-z_][A-Za-z0-9_]*)/;

/** The values a user set for a template (Parameters…), remembered per workspace. */
export interface TemplateValueStore {
  get(name: string): Record<string, string>;
  set(name: string, values: Record<string, string>): Thenable<void>;
}

export class TemplateEditorFeatures extends Disposable implements vscode.CodeLensProvider, vscode.CompletionItemProvider, vscode.HoverProvider {
  private readonly diagnostics = this._register(vscode.languages.createDiagnosticCollection('s3lifecycle-templates'));
  private readonly lensesChanged = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.lensesChanged.event;

  private readonly selector: vscode.DocumentSelector;

  constructor(private readonly values: TemplateValueStore) {
    super();
    this.selector = templateSelector(builtinTemplateDir());
    this._register(vscode.languages.registerCodeLensProvider(this.selector, this));
    this._register(vscode.languages.registerCompletionItemProvider(this.selector, this, '{'));
    this._register(vscode.languages.registerHoverProvider(this.selector, this));
    this._register(vscode.workspace.onDidOpenTextDocument((d) => this.check(d)));
    this._register(vscode.workspace.onDidChangeTextDocument((e) => this.check(e.document)));
    this._register(vscode.workspace.onDidCloseTextDocument((d) => this.diagnostics.delete(d.uri)));
    for (const document of vscode.workspace.textDocuments) this.check(document);
  }

  /** Parameter values changed: lenses show them. */
  refresh(): void {
    this.lensesChanged.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const { template } = readTemplate(document);
    const top = new vscode.Range(0, 0, 0, 0);
    if (!template) return [];
    const args = [document.uri];
    const set = this.values.get(template.name);
    const missing = template.parameters.filter((p) => p.default === undefined && set[p.name] === undefined);
    return [
      new vscode.CodeLens(top, {
        title: vscode.l10n.t('$(play) Run locally'),
        command: 's3lifecycle.runTemplateLocal',
        arguments: args,
        tooltip: vscode.l10n.t('Run on the embedded DuckDB engine'),
      }),
      new vscode.CodeLens(top, {
        title: vscode.l10n.t('$(cloud) Run on Athena'),
        command: 's3lifecycle.runTemplateAthena',
        arguments: args,
        tooltip: vscode.l10n.t('Run on Amazon Athena (billed per byte scanned)'),
      }),
      new vscode.CodeLens(top, { title: vscode.l10n.t('Preview SQL'), command: 's3lifecycle.previewTemplateSql', arguments: args }),
      new vscode.CodeLens(top, {
        title: missing.length > 0 ? vscode.l10n.t('Parameters… ({0} to set)', missing.length) : vscode.l10n.t('Parameters…'),
        command: 's3lifecycle.templateParameters',
        arguments: args,
      }),
    ];
  }

  provideCompletionItems(document: vscode.TextDocument, position: vscode.Position): vscode.CompletionItem[] | undefined {
    const before = document.lineAt(position.line).text.slice(0, position.character);
    const open = /\{\{\s*([A-Za-z0-9_]*)$/.exec(before);
    if (!open) return undefined;
    const { template } = readTemplate(document);
    const parameters = template?.parameters ?? headerParameters(document);
    const after = document.lineAt(position.line).text.slice(position.character);
    const closes = /^\s*\}\}/.test(after);
    const values = template ? this.values.get(template.name) : {};
    return parameters.map((p) => {
      const item = new vscode.CompletionItem(p.name, vscode.CompletionItemKind.Variable);
      item.detail = typeLabel(p);
      item.documentation = parameterDoc(p, values[p.name]);
      item.insertText = closes ? p.name : `${p.name}}}`;
      item.range = new vscode.Range(position.translate(0, -open[1]!.length), position);
      return item;
    });
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const range =
      document.getWordRangeAtPosition(position, /\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*(?::\s*[a-z]+\s*)?\}\}/) ??
      document.getWordRangeAtPosition(position, /@param\s+[A-Za-z_][A-Za-z0-9_]*/);
    if (!range) return undefined;
    const name = /([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*[a-z]+\s*)?\}\}$|@param\s+([A-Za-z_][A-Za-z0-9_]*)$/.exec(document.getText(range));
    const { template } = readTemplate(document);
    const parameter = template?.parameters.find((p) => p.name === (name?.[1] ?? name?.[2]));
    if (!template || !parameter) return undefined;
    return new vscode.Hover(parameterDoc(parameter, this.values.get(template.name)[parameter.name]), range);
  }

  /** Diagnostics: the template's own error where it can be placed, unknown placeholders, ill-typed remembered values. */
  check(document: vscode.TextDocument): vscode.Diagnostic[] {
    if (vscode.languages.match(this.selector, document) === 0) return [];
    const diagnostics: vscode.Diagnostic[] = [];
    const declared = new Set(headerParameters(document).map((p) => p.name));
    const text = document.getText();
    for (const match of text.matchAll(PLACEHOLDER)) {
      if (declared.has(match[1]!)) continue;
      const start = document.positionAt(match.index);
      diagnostics.push(
        diagnostic(
          new vscode.Range(start, document.positionAt(match.index + match[0].length)),
          vscode.l10n.t('Unknown parameter "{0}": declare it in the header as "-- @param {0} TYPE DEFAULT description"', match[1]!),
        ),
      );
    }
    const { template, error } = readTemplate(document);
    if (error && !/is used but not declared/.test(error.message)) {
      const line = /line (\d+)/.exec(error.message);
      const param = /parameter "([^"]+)"|^[^:]*: ([A-Za-z_][A-Za-z0-9_]*) (?:must|:)/.exec(error.message);
      let at = line ? Number(line[1]) - 1 : 0;
      if (!line && param) at = findHeaderLine(document, param[1] ?? param[2]!) ?? 0;
      diagnostics.push(diagnostic(document.lineAt(Math.min(at, document.lineCount - 1)).range, error.message));
    }
    if (template) {
      const values = this.values.get(template.name);
      for (const parameter of template.parameters) {
        const value = values[parameter.name];
        if (value === undefined) continue;
        try {
          renderValue(parameter, value);
        } catch (problem) {
          const line = findHeaderLine(document, parameter.name) ?? 0;
          diagnostics.push(
            diagnostic(
              document.lineAt(line).range,
              vscode.l10n.t('Your value for {0} is not valid: {1}', parameter.name, (problem as Error).message),
              vscode.DiagnosticSeverity.Warning,
            ),
          );
        }
      }
    }
    this.diagnostics.set(document.uri, diagnostics);
    return diagnostics;
  }
}

function diagnostic(range: vscode.Range, message: string, severity = vscode.DiagnosticSeverity.Error): vscode.Diagnostic {
  const d = new vscode.Diagnostic(range, message, severity);
  d.source = 'S3 Lifecycle';
  return d;
}

function findHeaderLine(document: vscode.TextDocument, name: string): number | undefined {
  for (let i = 0; i < document.lineCount; i++) {
    const text = document.lineAt(i).text.trim();
    if (!text.startsWith('--')) return undefined;
    if (PARAM_HEADER.exec(text)?.[1] === name) return i;
  }
  return undefined;
}

/** The declared names even when the header has an error elsewhere (for completion and unknown-name checks). */
function headerParameters(document: vscode.TextDocument): TemplateParameter[] {
  const parameters: TemplateParameter[] = [];
  for (let i = 0; i < document.lineCount; i++) {
    const text = document.lineAt(i).text.trim();
    if (!text.startsWith('--')) break;
    const match = /^--\s*@param\s+([A-Za-z_][A-Za-z0-9_]*)\s+(\S+)\s+(\S+)\s*(.*)$/.exec(text);
    if (match)
      parameters.push({ name: match[1]!, type: { kind: 'string' }, default: match[3] === 'required' ? undefined : match[3], description: match[4] ?? '' });
  }
  return parameters;
}

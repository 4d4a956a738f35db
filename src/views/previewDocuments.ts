// Read-only documents for previews (the lifecycle rule's diff): shown beside the dialog that asks
// for confirmation, never dirty, never asking to be saved when closed.

import * as vscode from 'vscode';
import { Disposable } from './disposable';

export const PREVIEW_SCHEME = 's3lifecycle-preview';

export class PreviewDocuments extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();
  private readonly changed = this._register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;

  constructor() {
    super();
    this._register(vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, this));
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.path) ?? '';
  }

  /** Shows `content` as a read-only document named `name` (its extension picks the language): beside the active editor, keeping focus, unless told otherwise. */
  async show(name: string, content: string, options: { beside?: boolean; focus?: boolean } = {}): Promise<vscode.TextEditor> {
    const uri = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${name}` });
    this.contents.set(uri.path, content);
    this.changed.fire(uri);
    const document = await vscode.workspace.openTextDocument(uri);
    return vscode.window.showTextDocument(document, {
      preview: true,
      viewColumn: options.beside === false ? vscode.ViewColumn.Active : vscode.ViewColumn.Beside,
      preserveFocus: options.focus !== true,
    });
  }
}

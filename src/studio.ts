// The one context object of the extension, with two lifetimes: the extension's own (the log, the
// views, every disposable) and the connection scope of the current settings (S3 clients, engines,
// tagging clients, cache paths), swapped whole when the settings change. Commands and views get
// what they need from here; nothing else holds global state.

import * as vscode from 'vscode';
import { RetentionReports } from './app/retentionReports';
import { ConnectionNotConfiguredError, ConnectionScope, type ScopePaths } from './app/scope';
import type { S3ClientPool } from './aws/clientPool';
import type { S3Service } from './aws/s3Service';
import type { Logger } from './core/log';
import { describeConnection, type ParsedSettings, type StudioSettings } from './core/settings';
import { BucketTreeProvider } from './views/bucketTree';
import { affectsSettings, readSettings } from './views/config';
import { Disposable } from './views/disposable';
import { createLogger } from './views/outputLogger';
import { LifecyclePanelManager, type DeletionActions, type PanelServices, type RetentionActions } from './views/panel';
import { OBJECT_SCHEME, ObjectFileSystem } from './views/objectFileSystem';
import { ResultsPanelManager } from './views/resultsPanel';
import { PreviewDocuments } from './views/previewDocuments';
import { KeyIndexes } from './views/keyIndexes';
import { TemplateEditorFeatures, type TemplateValueStore } from './views/templateEditor';
import type { EngineKind } from './core/settings';
import type { QueryEngine } from './engines/engine';
import { DEFAULT_CONNECTION_ID, type ConnectionConfig } from './core/connections';

export class Studio extends Disposable {
  readonly log: Logger;
  readonly bucketTree: BucketTreeProvider;
  readonly panels: LifecyclePanelManager;
  readonly results: ResultsPanelManager;
  /** Read-only previews such as a lifecycle rule's diff. */
  readonly previews: PreviewDocuments;
  /** Key indexes built or used here, their readers, and the lookup's status bar item. */
  readonly keyIndexes: KeyIndexes;
  readonly templateEditor: TemplateEditorFeatures;
  /** Parameter values the user set per template, kept with the workspace. */
  readonly templateValues: TemplateValueStore;
  /** The latest retention report per bucket (tagging takes its window and connection from it). */
  readonly reports = new RetentionReports();
  private parsed: ParsedSettings;
  private scope: ConnectionScope;
  /** Scopes of earlier settings still closing (engines finish what they run, then close). */
  private readonly closing = new Set<Promise<void>>();
  private readonly settingsChanged = this._register(new vscode.EventEmitter<StudioSettings>());
  /** Fires after the `s3lifecycle.*` settings changed and the services were rebuilt. */
  readonly onDidChangeSettings = this.settingsChanged.event;

  constructor(
    readonly extensionContext: vscode.ExtensionContext,
    readonly logChannel: vscode.LogOutputChannel,
    retentionActions: RetentionActions,
    deletionActions: DeletionActions,
  ) {
    super();
    this.log = createLogger(logChannel);
    this.parsed = readSettings();
    this.scope = new ConnectionScope(this.parsed.settings, this.scopePaths());
    this.reportSettingsProblems();
    this.log.info(`Connection: ${describeConnection(this.parsed.settings.connection)}; engine: ${this.parsed.settings.engine}`);

    this.bucketTree = this._register(
      new BucketTreeProvider({
        clients: () => this.clients(),
        connections: () => this.parsed.settings.connections,
        explorer: () => this.parsed.settings.explorer,
        log: this.log,
        indexOf: (connectionId, bucket, prefix) => this.keyIndexes?.known(connectionId, bucket, prefix),
      }),
    );
    const treeView = this._register(vscode.window.createTreeView('s3lifecycle.buckets', { treeDataProvider: this.bucketTree, showCollapseAll: true }));
    this._register(treeView.onDidCollapseElement((event) => this.bucketTree.collapsed(event.element)));
    this._register(
      vscode.workspace.registerFileSystemProvider(
        OBJECT_SCHEME,
        new ObjectFileSystem(
          () => this.clients(),
          () => this.parsed.settings.connections,
          () => this.parsed.settings.explorer.previewMaxBytes,
        ),
        { isReadonly: true, isCaseSensitive: true },
      ),
    );
    this.panels = this._register(new LifecyclePanelManager(this.panelServices(), retentionActions, deletionActions));
    this.previews = this._register(new PreviewDocuments());
    this.keyIndexes = this._register(
      new KeyIndexes({
        state: extensionContext.workspaceState,
        s3Client: (connectionId) => this.scope.s3Service(this.connection(connectionId)).client,
        refreshTree: () => this.bucketTree.refreshDescriptions(),
        onDidChangeSettings: this.onDidChangeSettings,
      }),
    );
    this.results = this._register(new ResultsPanelManager(extensionContext.extensionUri, logChannel));
    const state = extensionContext.workspaceState;
    this.templateValues = {
      get: (name) => ({ ...state.get<Record<string, string>>(`templateValues:${name}`, {}) }),
      set: (name, values) => state.update(`templateValues:${name}`, values),
    };
    this.templateEditor = this._register(new TemplateEditorFeatures(this.templateValues));
    this._register({ dispose: () => void this.close() });

    this._register(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (!affectsSettings(event)) return;
        this.parsed = readSettings();
        // New source locations, connection or Athena settings: a new scope, and the old one closes.
        this.retire(this.scope);
        this.scope = new ConnectionScope(this.parsed.settings, this.scopePaths());
        this.log.info(`Settings changed. Connection: ${describeConnection(this.parsed.settings.connection)}; engine: ${this.parsed.settings.engine}`);
        this.reportSettingsProblems();
        this.bucketTree.refresh();
        this.settingsChanged.fire(this.parsed.settings);
      }),
    );
  }

  get settings(): StudioSettings {
    return this.parsed.settings;
  }

  get settingsProblems(): string[] {
    return this.parsed.problems.map((p) => p.message);
  }

  /** The scope of the current settings: every S3 client, engine and tagging client is made through it. */
  get current(): ConnectionScope {
    return this.scope;
  }

  /** The S3 clients for the current settings; rebuilt after the settings change. */
  clients(): S3ClientPool {
    return this.scope.clients;
  }

  /** The S3 service of the default connection. */
  s3Service(): S3Service {
    return this.scope.s3Service();
  }

  /** A connection by id (the default one when none is given); an error that says what to do when it is no longer configured. */
  connection(id: string = DEFAULT_CONNECTION_ID): ConnectionConfig {
    try {
      return this.scope.connection(id);
    } catch (error) {
      if (error instanceof ConnectionNotConfiguredError) {
        throw new Error(vscode.l10n.t('The connection "{0}" is not configured any more: add it again to s3lifecycle.connections, then retry.', id));
      }
      throw error;
    }
  }

  /** The engine of a kind for the current settings, reading S3 through a connection (the default one unless given). */
  queryEngine(kind: EngineKind, connection?: ConnectionConfig): Promise<QueryEngine> {
    return this.scope.queryEngine(kind, connection);
  }

  /** Closes the current scope and waits for every scope still closing: deactivate waits for the engines. */
  async close(): Promise<void> {
    this.retire(this.scope);
    await Promise.all([...this.closing]);
  }

  private retire(scope: ConnectionScope): void {
    const closing = scope.dispose().catch((error: unknown) => this.log.warn(`Closing the engines of earlier settings failed: ${String(error)}`));
    this.closing.add(closing);
    void closing.finally(() => this.closing.delete(closing));
  }

  private scopePaths(): ScopePaths {
    const storage = this.extensionContext.globalStorageUri;
    return { queryCache: vscode.Uri.joinPath(storage, 'query-cache').fsPath, prices: vscode.Uri.joinPath(storage, 'prices').fsPath };
  }

  private panelServices(): PanelServices {
    return {
      log: this.log,
      extensionUri: this.extensionContext.extensionUri,
      settings: () => this.parsed.settings,
      onDidChangeSettings: this.onDidChangeSettings,
      s3Service: () => this.s3Service(),
    };
  }

  private reportSettingsProblems(): void {
    if (this.parsed.problems.length === 0) return;
    for (const problem of this.parsed.problems) this.log.warn(problem.message);
    const openSettings = vscode.l10n.t('Open Settings');
    void vscode.window
      .showWarningMessage(
        vscode.l10n.t('S3 Lifecycle Studio ignored an invalid setting: {0}', this.parsed.problems.map((p) => p.message).join('; ')),
        openSettings,
      )
      .then((choice) => choice === openSettings && vscode.commands.executeCommand('s3lifecycle.openSettings'));
  }
}

// The one context object of the extension: owns the log, the settings, the services and every
// disposable. Commands and views get what they need from here; nothing else holds global state.

import * as vscode from 'vscode';
import { S3ClientPool } from './aws/clientPool';
import { S3Service } from './aws/s3Service';
import { createS3Client } from './aws/s3Client';
import type { Logger } from './core/log';
import { describeConnection, type ParsedSettings, type StudioSettings } from './core/settings';
import { BucketTreeProvider } from './views/bucketTree';
import { affectsSettings, readSettings } from './views/config';
import { Disposable } from './views/disposable';
import { createLogger } from './views/log';
import { LifecyclePanelManager } from './views/panel';
import { OBJECT_SCHEME, ObjectFileSystem } from './views/objectFileSystem';
import { ResultsPanelManager } from './views/resultsPanel';
import { PreviewDocuments } from './views/previewDocuments';
import { TemplateEditorFeatures, type TemplateValueStore } from './views/templateEditor';
import type { EngineKind } from './core/settings';
import type { QueryEngine } from './engines/engine';
import { createQueryEngine } from './engines/factory';
import type { RetentionReport } from './core/retention/report';
import { DEFAULT_CONNECTION_ID, type ConnectionConfig } from './core/connections';

export class Studio extends Disposable {
  readonly log: Logger;
  readonly bucketTree: BucketTreeProvider;
  readonly panels: LifecyclePanelManager;
  readonly results: ResultsPanelManager;
  /** Read-only previews such as a lifecycle rule's diff. */
  readonly previews: PreviewDocuments;
  readonly templateEditor: TemplateEditorFeatures;
  /** Parameter values the user set per template, kept with the workspace. */
  readonly templateValues: TemplateValueStore;
  /**
   * One engine of each kind, kept until the settings change: the local engine's loaded tables are
   * reused by later runs, and re-running a result uses the engine it ran on.
   */
  private readonly engines = new Map<string, Promise<QueryEngine>>();
  /** The latest retention report per bucket and the connection it was made through (tagging takes its window and connection from it). */
  private readonly reports = new Map<string, { report: RetentionReport; connectionId: string }>();
  private parsed: ParsedSettings;
  private pool: S3ClientPool | undefined;
  private readonly settingsChanged = this._register(new vscode.EventEmitter<StudioSettings>());
  /** Fires after the `s3lifecycle.*` settings changed and the services were rebuilt. */
  readonly onDidChangeSettings = this.settingsChanged.event;

  constructor(
    readonly extensionContext: vscode.ExtensionContext,
    readonly logChannel: vscode.LogOutputChannel,
  ) {
    super();
    this.log = createLogger(logChannel);
    this.parsed = readSettings();
    this.reportSettingsProblems();
    this.log.info(`Connection: ${describeConnection(this.parsed.settings.connection)}; engine: ${this.parsed.settings.engine}`);

    this.bucketTree = this._register(
      new BucketTreeProvider({
        clients: () => this.clients(),
        connections: () => this.parsed.settings.connections,
        explorer: () => this.parsed.settings.explorer,
        log: this.log,
      }),
    );
    const treeView = this._register(vscode.window.createTreeView('s3lifecycle.buckets', { treeDataProvider: this.bucketTree, showCollapseAll: true }));
    this._register(treeView.onDidCollapseElement((event) => this.bucketTree.collapsed(event.element)));
    this._register(
      vscode.workspace.registerFileSystemProvider(
        OBJECT_SCHEME,
        new ObjectFileSystem(() => this.clients(), () => this.parsed.settings.connections, () => this.parsed.settings.explorer.previewMaxBytes),
        { isReadonly: true, isCaseSensitive: true },
      ),
    );
    this._register({ dispose: () => this.pool?.dispose() });
    this.panels = this._register(new LifecyclePanelManager(this));
    this.previews = this._register(new PreviewDocuments());
    this.results = this._register(new ResultsPanelManager(extensionContext.extensionUri, logChannel));
    const state = extensionContext.workspaceState;
    this.templateValues = {
      get: (name) => ({ ...state.get<Record<string, string>>(`templateValues:${name}`, {}) }),
      set: (name, values) => state.update(`templateValues:${name}`, values),
    };
    this.templateEditor = this._register(new TemplateEditorFeatures(this.templateValues));
    this._register({ dispose: () => void this.disposeEngines() });

    this._register(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (!affectsSettings(event)) return;
        this.parsed = readSettings();
        this.pool?.dispose();
        this.pool = undefined;
        this.log.info(`Settings changed. Connection: ${describeConnection(this.parsed.settings.connection)}; engine: ${this.parsed.settings.engine}`);
        this.reportSettingsProblems();
        // New source locations, connection or Athena settings: the engines are made anew.
        void this.disposeEngines();
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

  /** The S3 clients for the current settings; rebuilt after the settings change. */
  clients(): S3ClientPool {
    this.pool ??= new S3ClientPool();
    return this.pool;
  }

  /** The S3 service of the default connection. */
  s3Service(): S3Service {
    return this.clients().service(this.parsed.settings.connections[0]!);
  }

  /** A connection by id (the default one when none is given); an error that says what to do when it is no longer configured. */
  connection(id: string = DEFAULT_CONNECTION_ID): ConnectionConfig {
    const found = this.parsed.settings.connections.find((c) => c.id === id);
    if (!found) throw new Error(vscode.l10n.t('The connection "{0}" is not configured any more: add it again to s3lifecycle.connections, then retry.', id));
    return found;
  }

  rememberReport(report: RetentionReport, connectionId: string = DEFAULT_CONNECTION_ID): void {
    this.reports.set(report.bucket, { report, connectionId });
  }

  reportFor(bucket: string): RetentionReport | undefined {
    return this.reports.get(bucket)?.report;
  }

  /** The connection the bucket's latest report was made through; the default one when there is none. */
  connectionIdFor(bucket: string): string {
    return this.reports.get(bucket)?.connectionId ?? DEFAULT_CONNECTION_ID;
  }

  /** The engine of a kind for the current settings, reading S3 through a connection (the default one unless given). */
  queryEngine(kind: EngineKind, connection: ConnectionConfig = this.parsed.settings.connections[0]!): Promise<QueryEngine> {
    const key = `${kind}\u0000${connection.id}`;
    let engine = this.engines.get(key);
    if (!engine) {
      const deps = { cacheDir: vscode.Uri.joinPath(this.extensionContext.globalStorageUri, 'query-cache').fsPath, s3: () => createS3Client(connection) };
      engine = createQueryEngine({ ...this.parsed.settings, connection, engine: kind }, deps);
      this.engines.set(key, engine);
    }
    return engine;
  }

  private async disposeEngines(): Promise<void> {
    const engines = [...this.engines.values()];
    this.engines.clear();
    await Promise.all(engines.map(async (engine) => (await engine).dispose()));
  }

  private reportSettingsProblems(): void {
    if (this.parsed.problems.length === 0) return;
    for (const problem of this.parsed.problems) this.log.warn(problem.message);
    const openSettings = vscode.l10n.t('Open Settings');
    void vscode.window
      .showWarningMessage(vscode.l10n.t('S3 Lifecycle Studio ignored an invalid setting: {0}', this.parsed.problems.map((p) => p.message).join('; ')), openSettings)
      .then((choice) => choice === openSettings && vscode.commands.executeCommand('s3lifecycle.openSettings'));
  }
}

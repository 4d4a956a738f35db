// The one context object of the extension: owns the log, the settings, the services and every
// disposable. Commands and views get what they need from here; nothing else holds global state.

import * as vscode from 'vscode';
import { createS3Client } from './aws/s3Client';
import { S3Service } from './aws/s3Service';
import type { Logger } from './core/log';
import { describeConnection, type ParsedSettings, type StudioSettings } from './core/settings';
import { BucketTreeProvider } from './views/bucketTree';
import { affectsSettings, readSettings } from './views/config';
import { Disposable } from './views/disposable';
import { createLogger } from './views/log';
import { LifecyclePanelManager } from './views/panel';

export class Studio extends Disposable {
  readonly log: Logger;
  readonly bucketTree: BucketTreeProvider;
  readonly panels: LifecyclePanelManager;
  private parsed: ParsedSettings;
  private s3: S3Service | undefined;
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
    this.updateContextKeys();
    this.log.info(`Connection: ${describeConnection(this.parsed.settings.connection)}; engine: ${this.parsed.settings.engine}`);

    this.bucketTree = this._register(new BucketTreeProvider());
    this._register(vscode.window.createTreeView('s3lifecycle.buckets', { treeDataProvider: this.bucketTree, showCollapseAll: true }));
    this.panels = this._register(new LifecyclePanelManager(this));

    this._register(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (!affectsSettings(event)) return;
        this.parsed = readSettings();
        this.s3 = undefined;
        this.log.info(`Settings changed. Connection: ${describeConnection(this.parsed.settings.connection)}; engine: ${this.parsed.settings.engine}`);
        this.reportSettingsProblems();
        this.updateContextKeys();
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

  /** The S3 service for the current settings; rebuilt after the settings change. */
  s3Service(): S3Service {
    this.s3 ??= new S3Service(createS3Client(this.parsed.settings.connection));
    return this.s3;
  }

  /** Context keys for `when` clauses: which welcome content the Buckets view shows. */
  private updateContextKeys(): void {
    const { endpoint, profile } = this.parsed.settings.connection;
    void vscode.commands.executeCommand('setContext', 's3lifecycle.connectionConfigured', endpoint !== '' || profile !== '');
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

// The lifecycle panel's host side: one panel at a time, revived after a window reload by a
// serializer, talking to its webview only through the typed, validated protocol.

import * as vscode from 'vscode';
import { describeS3Error } from '../aws/errors';
import { describeConnection } from '../core/settings';
import { errorMessage } from '../core/log';
import {
  assertNever,
  parseWebviewMessage,
  type BucketSummary,
  type ConnectionSummary,
  type HostToWebviewMessage,
  type PanelStrings,
  type RequestMessage,
} from '../protocol';
import type { Studio } from '../studio';
import { Disposable } from './disposable';
import { createNonce, renderPanelHtml } from './panelHtml';

export const PANEL_VIEW_TYPE = 's3lifecycle.panel';

export class LifecyclePanelManager extends Disposable {
  private current: LifecyclePanel | undefined;

  constructor(private readonly studio: Studio) {
    super();
    this._register(
      vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel) => {
          this.adopt(panel);
        },
      }),
    );
  }

  get panel(): LifecyclePanel | undefined {
    return this.current;
  }

  createOrShow(): LifecyclePanel {
    if (this.current) {
      this.current.reveal();
      return this.current;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, vscode.l10n.t('S3 Lifecycle'), vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: this.resourceRoots(),
    });
    return this.adopt(panel);
  }

  private adopt(webviewPanel: vscode.WebviewPanel): LifecyclePanel {
    this.current?.dispose();
    const panel = new LifecyclePanel(webviewPanel, this.studio, this.resourceRoots());
    this.current = panel;
    panel.onDidDispose(() => {
      if (this.current === panel) this.current = undefined;
    });
    return panel;
  }

  private resourceRoots(): vscode.Uri[] {
    const root = this.studio.extensionContext.extensionUri;
    return [vscode.Uri.joinPath(root, 'dist'), vscode.Uri.joinPath(root, 'media')];
  }

  override dispose(): void {
    this.current?.dispose();
    super.dispose();
  }
}

export class LifecyclePanel extends Disposable {
  private readonly disposeEmitter = this._register(new vscode.EventEmitter<void>());
  readonly onDidDispose = this.disposeEmitter.event;
  /** Cancels the host work of requests still running when the panel closes. */
  private readonly inFlight = new AbortController();
  private readyCount = 0;

  constructor(
    private readonly webviewPanel: vscode.WebviewPanel,
    private readonly studio: Studio,
    localResourceRoots: vscode.Uri[],
  ) {
    super();
    const webview = webviewPanel.webview;
    webview.options = { enableScripts: true, localResourceRoots };
    webviewPanel.iconPath = vscode.Uri.joinPath(studio.extensionContext.extensionUri, 'media', 'activity-bar.svg');
    const root = studio.extensionContext.extensionUri;
    webview.html = renderPanelHtml({
      cspSource: webview.cspSource,
      scriptNonce: createNonce(),
      styleNonce: createNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'media', 'panel.css')).toString(),
      language: vscode.env.language,
    });

    this._register(webview.onDidReceiveMessage((raw: unknown) => this.onMessage(raw)));
    this._register(studio.onDidChangeSettings(() => void this.post({ type: 'connectionChanged', connection: this.connectionSummary() })));
    this._register(webviewPanel.onDidDispose(() => this.dispose()));
  }

  /** How many `ready` handshakes the webview has made (once per load, again after a reload). */
  get handshakes(): number {
    return this.readyCount;
  }

  reveal(): void {
    this.webviewPanel.reveal();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.inFlight.abort();
    this.disposeEmitter.fire();
    super.dispose();
    this.webviewPanel.dispose();
  }

  private onMessage(raw: unknown): void {
    const message = parseWebviewMessage(raw);
    if (!message) {
      this.studio.log.warn(`Lifecycle panel: ignored a malformed message from the webview: ${safePreview(raw)}`);
      return;
    }
    switch (message.type) {
      case 'ready':
        this.readyCount++;
        void this.post({ type: 'init', strings: panelStrings(), connection: this.connectionSummary() });
        return;
      case 'request':
        void this.answer(message);
        return;
      default:
        assertNever(message);
    }
  }

  private async answer(request: RequestMessage): Promise<void> {
    try {
      const result = await this.handle(request);
      await this.post({ type: 'response', requestId: request.requestId, ok: true, result });
    } catch (error) {
      const connection = this.studio.settings.connection;
      const described = describeS3Error(error, { endpoint: connection.endpoint });
      if (described.kind === 'other') this.studio.log.error(`Lifecycle panel: ${request.method} failed`, error);
      else this.studio.log.warn(`Lifecycle panel: ${request.method}: ${described.message}`);
      await this.post({ type: 'response', requestId: request.requestId, ok: false, error: described.message });
    }
  }

  private async handle(request: RequestMessage): Promise<unknown> {
    switch (request.method) {
      case 'listBuckets': {
        const buckets = await this.studio.s3Service().listBuckets(this.inFlight.signal);
        return buckets.map((b): BucketSummary => ({ name: b.name, createdAt: b.createdAt?.toISOString() ?? null }));
      }
      default:
        return assertNever(request.method);
    }
  }

  private connectionSummary(): ConnectionSummary {
    return { description: describeConnection(this.studio.settings.connection), engine: this.studio.settings.engine };
  }

  private async post(message: HostToWebviewMessage): Promise<void> {
    if (this.isDisposed) return;
    try {
      await this.webviewPanel.webview.postMessage(message);
    } catch (error) {
      this.studio.log.warn(`Lifecycle panel: could not post "${message.type}": ${errorMessage(error)}`);
    }
  }
}

function panelStrings(): PanelStrings {
  const t = vscode.l10n.t;
  return {
    title: t('S3 Lifecycle Studio'),
    connectionLabel: t('Connection'),
    engineLabel: t('SQL engine'),
    engineLocal: t('Embedded DuckDB (local)'),
    engineAthena: t('Amazon Athena'),
    listBuckets: t('List Buckets'),
    bucketsHeading: t('Buckets'),
    bucketColumn: t('Bucket'),
    createdColumn: t('Created'),
    noBuckets: t('This connection has no buckets.'),
    loading: t('Loading…'),
    comingSoon: t('Unused prefixes, tagging for expiration and the deletion player will appear here.'),
  };
}

function safePreview(raw: unknown): string {
  try {
    return JSON.stringify(raw).slice(0, 200);
  } catch {
    return typeof raw;
  }
}

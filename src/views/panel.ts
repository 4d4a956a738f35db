// The lifecycle panel's host side: one panel at a time, revived after a window reload by a
// serializer, talking to its webview only through the typed, validated protocol. It shows the
// buckets and the unused prefixes of the last retention report; the retention work itself is done
// by `RetentionActions` that the extension supplies.

import * as vscode from 'vscode';
import { describeS3Error } from '../aws/errors';
import { describeConnection } from '../core/settings';
import { errorMessage } from '../core/log';
import {
  parseWebviewMessage,
  type BucketSummary,
  type ConnectionSummary,
  type HostEventMessage,
  type PanelRequestMessage,
  type PanelRequests,
  type PanelStrings,
  type PrefixStatusUpdate,
  type PrefixTagStatus,
  type ReadyMessage,
  type RetentionReport,
} from '../panelProtocol';
import { Channel, type NoRequests } from '../webviewKit/channel';
import { previewOf } from '../webviewKit/guards';
import type { Studio } from '../studio';
import { Disposable } from './disposable';
import { createNonce, renderPanelHtml } from './panelHtml';

export const PANEL_VIEW_TYPE = 's3lifecycle.panel';

/** The retention work the panel's buttons start; implemented by the extension's commands. */
export interface RetentionActions {
  /** Previews, confirms and runs tagging; `tagged` is [] when the user cancelled in the preview. */
  tagForExpiration(bucket: string, prefixes: string[], signal: AbortSignal): Promise<{ tagged: string[] }>;
  /** Runs the analysis (asking for what it needs) and shows its report with `showReport`. */
  findUnusedPrefixes(bucket: string | undefined): Promise<void>;
}

/** The user asked the panel for retention work before the extension supplied it. */
class RetentionUnavailableError extends Error {
  constructor() {
    super(vscode.l10n.t('Retention actions are not available yet: the extension is still starting. Try again in a moment, or run "S3 Lifecycle: Find Unused Prefixes" from the Command Palette.'));
    this.name = 'RetentionUnavailableError';
  }
}

interface PrefixStatusEntry {
  status: Exclude<PrefixTagStatus, 'untagged'>;
  detail?: string;
}

/**
 * What the panel shows of retention, kept by the manager so that a webview reload, a hidden tab
 * coming back or a closed-and-reopened panel show it again: the last report and each prefix's
 * tagging state (per bucket).
 */
class RetentionViewState {
  report: RetentionReport | undefined;
  private readonly statuses = new Map<string, Map<string, PrefixStatusEntry>>();

  apply(update: PrefixStatusUpdate): void {
    let byPrefix = this.statuses.get(update.bucket);
    if (!byPrefix) this.statuses.set(update.bucket, (byPrefix = new Map()));
    for (const prefix of update.prefixes) {
      if (update.status === 'untagged') byPrefix.delete(prefix);
      else byPrefix.set(prefix, update.detail === undefined ? { status: update.status } : { status: update.status, detail: update.detail });
    }
  }

  statusOf(bucket: string, prefix: string): PrefixTagStatus {
    return this.statuses.get(bucket)?.get(prefix)?.status ?? 'untagged';
  }

  /** The states of a bucket's prefixes as few updates as possible (one per status and detail). */
  updatesFor(bucket: string): PrefixStatusUpdate[] {
    const groups = new Map<string, PrefixStatusUpdate>();
    for (const [prefix, entry] of this.statuses.get(bucket) ?? []) {
      const id = JSON.stringify([entry.status, entry.detail ?? null]);
      let group = groups.get(id);
      if (!group) groups.set(id, (group = entry.detail === undefined ? { bucket, prefixes: [], status: entry.status } : { bucket, prefixes: [], status: entry.status, detail: entry.detail }));
      group.prefixes.push(prefix);
    }
    return [...groups.values()];
  }

  clear(): void {
    this.report = undefined;
    this.statuses.clear();
  }
}

export class LifecyclePanelManager extends Disposable {
  private current: LifecyclePanel | undefined;
  private retentionActions: RetentionActions | undefined;
  private readonly retention = new RetentionViewState();
  private connectionDescription: string;

  constructor(private readonly studio: Studio) {
    super();
    this.connectionDescription = describeConnection(studio.settings.connection);
    this._register(
      studio.onDidChangeSettings((settings) => {
        // A report describes buckets of one connection: tagging it through another would touch the wrong server.
        const description = describeConnection(settings.connection);
        if (description !== this.connectionDescription) this.retention.clear();
        this.connectionDescription = description;
      }),
    );
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

  /**
   * Opens the panel, or shows it where it is. `preserveFocus` keeps the keyboard where the user is:
   * for results of work that ran in the background (an analysis can take minutes, and the user may
   * be typing elsewhere, in the command palette even, when it ends), the panel shows without taking it.
   */
  createOrShow({ preserveFocus = false }: { preserveFocus?: boolean } = {}): LifecyclePanel {
    if (this.current) {
      this.current.reveal(preserveFocus);
      return this.current;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, vscode.l10n.t('S3 Lifecycle'), { viewColumn: vscode.ViewColumn.Active, preserveFocus }, {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: this.resourceRoots(),
    });
    return this.adopt(panel);
  }

  /** Supplies the work behind the panel's "Find Unused Prefixes" and "Tag for expiration" buttons. */
  setRetentionActions(actions: RetentionActions): void {
    this.retentionActions = actions;
  }

  /** Shows the report in the panel's list of unused prefixes, opening the panel if needed; the keyboard focus stays where it is. */
  showReport(report: RetentionReport): LifecyclePanel {
    const panel = this.createOrShow({ preserveFocus: true });
    panel.showReport(report);
    return panel;
  }

  /** Marks prefixes' tagging state; kept for the next panel when none is open. */
  setPrefixStatus(update: PrefixStatusUpdate): void {
    if (this.current) this.current.setPrefixStatus(update);
    else this.retention.apply(update);
  }

  private adopt(webviewPanel: vscode.WebviewPanel): LifecyclePanel {
    this.current?.dispose();
    const panel = new LifecyclePanel(webviewPanel, this.studio, this.resourceRoots(), this.retention, () => this.retentionActions);
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
  /** The webview's requests and what the panel sends; disposing it cancels the host work of requests still running. */
  private readonly channel: Channel<NoRequests, PanelRequests, ReadyMessage, HostEventMessage>;
  private readyCount = 0;

  constructor(
    private readonly webviewPanel: vscode.WebviewPanel,
    private readonly studio: Studio,
    localResourceRoots: vscode.Uri[],
    private readonly retention: RetentionViewState,
    private readonly actions: () => RetentionActions | undefined,
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

    this.channel = new Channel<NoRequests, PanelRequests, ReadyMessage, HostEventMessage>({
      post: (message) => webview.postMessage(message),
      parse: parseWebviewMessage,
      // `ready` is the one message the webview sends besides requests.
      onMessage: () => this.onReady(),
      requests: {},
      handlers: {
        listBuckets: async (_params, signal) => {
          const buckets = await this.studio.s3Service().listBuckets(signal);
          return buckets.map((b): BucketSummary => ({ name: b.name, createdAt: b.createdAt?.toISOString() ?? null }));
        },
        tagForExpiration: (params, signal) => this.tagForExpiration(params, signal),
        findUnusedPrefixes: async ({ bucket }) => {
          const actions = this.actions();
          if (!actions) throw new RetentionUnavailableError();
          await actions.findUnusedPrefixes(bucket);
          return null;
        },
      },
      describeFailure: (request, error) => this.describeFailure(request, error),
      onMalformed: (raw) => this.studio.log.warn(`Lifecycle panel: ignored a malformed message from the webview: ${previewOf(raw)}`),
      // A request the webview waits for still gets an answer, so its button does not stay busy.
      rejectedRequestError: vscode.l10n.t('The panel sent a request the extension cannot accept (see the log). Reload the panel and try again.'),
      onPostError: (message, error) => this.studio.log.warn(`Lifecycle panel: could not post "${message.type}": ${errorMessage(error)}`),
    });

    this._register(webview.onDidReceiveMessage((raw: unknown) => this.channel.receive(raw)));
    this._register(studio.onDidChangeSettings(() => void this.channel.send({ type: 'connectionChanged', connection: this.connectionSummary() })));
    this._register(webviewPanel.onDidDispose(() => this.dispose()));
  }

  /** How many `ready` handshakes the webview has made (once per load, again after a reload). */
  get handshakes(): number {
    return this.readyCount;
  }

  reveal(preserveFocus = false): void {
    this.webviewPanel.reveal(undefined, preserveFocus);
  }

  /** Shows a report in the list (and keeps it, so a reload of the webview shows it again). */
  showReport(report: RetentionReport): void {
    this.retention.report = report;
    void this.channel.send({ type: 'retentionReport', report });
    for (const update of this.retention.updatesFor(report.bucket)) void this.channel.send({ type: 'prefixStatus', ...update });
  }

  /** Marks prefixes as being tagged, tagged, failed (with why) or back to untagged. */
  setPrefixStatus(update: PrefixStatusUpdate): void {
    if (update.prefixes.length === 0) return;
    this.retention.apply(update);
    void this.channel.send({ type: 'prefixStatus', ...update });
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.channel.dispose('The panel was closed.');
    this.disposeEmitter.fire();
    super.dispose();
    this.webviewPanel.dispose();
  }

  /** A new document in the webview (first load or a reload): it gets the strings, and the report again. */
  private onReady(): void {
    this.readyCount++;
    // The new document numbers its requests from 1 again: answers meant for the previous one must not reach it.
    this.channel.peerRestarted();
    void this.channel.send({ type: 'init', strings: panelStrings(), connection: this.connectionSummary() });
    const report = this.retention.report;
    if (report) this.showReport(report);
  }

  /** A message for the user; errors they cannot act on are logged with their stack. */
  private describeFailure(request: PanelRequestMessage, error: unknown): string {
    const connection = this.studio.settings.connection;
    const bucket = request.method === 'listBuckets' ? undefined : request.params.bucket;
    const described = describeS3Error(error, { endpoint: connection.endpoint, ...(bucket ? { bucket } : {}) });
    if (described.kind !== 'other') {
      this.studio.log.warn(`Lifecycle panel: ${request.method}: ${described.message}`);
      return described.message;
    }
    if (error instanceof RetentionUnavailableError) {
      this.studio.log.warn(`Lifecycle panel: ${request.method}: ${error.message}`);
      return error.message;
    }
    this.studio.log.error(`Lifecycle panel: ${request.method} failed`, error);
    // The retention work reports its own actionable errors (missing log days, a bad location): pass them on as they are.
    return request.method === 'listBuckets' ? described.message : errorMessage(error);
  }

  /**
   * Runs the tagging and settles the rows' states the actions left open: the prefixes reported
   * tagged become `tagged`; on an error, those still `tagging` become `failed`. States the actions
   * set themselves (a failure with its detail) are kept.
   */
  private async tagForExpiration(
    { bucket, prefixes }: PanelRequests['tagForExpiration']['params'],
    signal: AbortSignal,
  ): Promise<PanelRequests['tagForExpiration']['result']> {
    const actions = this.actions();
    if (!actions) throw new RetentionUnavailableError();
    try {
      const result = await actions.tagForExpiration(bucket, prefixes, signal);
      const requested = new Set(prefixes);
      const tagged = result.tagged.filter((prefix) => requested.has(prefix));
      this.setPrefixStatus({ bucket, prefixes: tagged.filter((prefix) => this.retention.statusOf(bucket, prefix) !== 'tagged'), status: 'tagged' });
      return { tagged };
    } catch (error) {
      const stillTagging = prefixes.filter((prefix) => this.retention.statusOf(bucket, prefix) === 'tagging');
      this.setPrefixStatus({ bucket, prefixes: stillTagging, status: 'failed', detail: errorMessage(error) });
      throw error;
    }
  }

  private connectionSummary(): ConnectionSummary {
    return { description: describeConnection(this.studio.settings.connection), engine: this.studio.settings.engine };
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
    unusedHeading: t('Unused prefixes'),
    findUnused: t('Find Unused Prefixes'),
    findUnusedIntro: t(
      "Find the prefixes nobody read: the bucket's S3 Inventory is joined with a window of its server access logs. Nothing is deleted here: you tag prefixes for expiration, after a dry-run preview, and a lifecycle rule expires them.",
    ),
    finding: t('Finding unused prefixes…'),
    noUnusedPrefixes: t('No unused prefixes: every prefix with objects old enough was read in the window.'),
    noMatches: t('No prefix matches the filter.'),
    bucketLabel: t('Bucket'),
    everyBucket: t('every bucket in the inventory'),
    windowLabel: t('Window'),
    windowValue: t('{0} days to {1}'),
    coverageLabel: t('Log coverage'),
    coverageValue: t('{0} of {1} days'),
    coverageMissing: t('missing: {0}'),
    coverageOverridden: t('Overridden: days without access logs make live data look unused. Check these prefixes before you tag them.'),
    coverageSuspect: t('suspect (few lines): {0}'),
    coverageMalformed: t('{0} malformed lines ({1} naming a key)'),
    malformedOverridden: t('Overridden: access-log lines that could not be read may be reads of these prefixes. Check them before you tag them.'),
    linesPerDayHeading: t('Log lines per day'),
    linesPerDayValue: t('{0} lines'),
    exemptionsLabel: t('Exemptions'),
    exemptionsNone: t('none'),
    exemptionsKeepTag: t('objects tagged {0}'),
    pricesLabel: t('Prices'),
    pricesValue: t('{0} ({1})'),
    pricePerGbMonth: t('{0}: {1}/GB-month'),
    notesHeading: t('Notes'),
    totalsShown: t('Shown'),
    totalsSelected: t('Selected'),
    prefixesColumn: t('Prefixes'),
    prefixColumn: t('Prefix'),
    objectsColumn: t('Objects'),
    bytesColumn: t('Size'),
    storageClassesColumn: t('Storage classes'),
    lastAccessColumn: t('Last access'),
    newestColumn: t('Newest object'),
    savingsColumn: t('Monthly savings'),
    selectColumn: t('Select'),
    actionColumn: t('Action'),
    never: t('never'),
    bucketRoot: t('(bucket root)'),
    filterLabel: t('Filter prefixes'),
    filterPlaceholder: t('Filter by prefix'),
    storageClassFilterLabel: t('Storage class'),
    anyStorageClass: t('Any storage class'),
    shownCount: t('{0} of {1} prefixes shown'),
    selectAll: t('Select all shown prefixes'),
    selectRow: t('Select {0}'),
    tagForExpiration: t('Tag for expiration'),
    tagForExpirationLabel: t('Tag for expiration: {0}'),
    tagSelected: t('Tag selected for expiration ({0})'),
    tooManyPrefixes: t('Tag at most {0} prefixes at a time: narrow the selection with the filter.'),
    tagNeedsBucket: t('This report covers every bucket of the inventory: run Find Unused Prefixes for one bucket to tag its prefixes.'),
    statusTagging: t('tagging…'),
    statusTagged: t('tagged'),
    statusFailed: t('failed'),
    gridHelp: t('Up and Down move between prefixes, Space selects, Enter tags the prefix for expiration.'),
  };
}

// The lifecycle panel's host side: one panel at a time, revived after a window reload by a
// serializer, talking to its webview only through the typed, validated protocol. It shows the
// buckets and the unused prefixes of the last retention report; the retention work itself is done
// by `RetentionActions` that the extension supplies.

import * as vscode from 'vscode';
import { describeS3Error } from '../aws/errors';
import type { S3Service } from '../aws/s3Service';
import type { Logger } from '../core/log';
import { describeConnection, type StudioSettings } from '../core/settings';
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
import type { DeletionSession } from '../app/deletionSession';
import { deletionHandlers, deletionStrings, describeDeletionFailure, type DeletionActions } from './deletionPanel';
import { Disposable } from './disposable';
import { createNonce, renderPanelHtml } from './panelHtml';

export type { DeletionActions };

export const PANEL_VIEW_TYPE = 's3lifecycle.panel';

/** The retention work the panel's buttons start; implemented by the extension's commands. */
export interface RetentionActions {
  /** Previews, confirms and runs tagging; `tagged` is [] when the user cancelled in the preview. */
  tagForExpiration(bucket: string, prefixes: string[], signal: AbortSignal): Promise<{ tagged: string[] }>;
  /** Runs the analysis (asking for what it needs) and shows its report with `showReport`. */
  findUnusedPrefixes(bucket: string | undefined): Promise<void>;
}

/** The user asked the panel for retention work before the extension supplied it. */
/**
 * What the panel needs from the extension, and no more: the settings and their changes, the log,
 * the S3 service for the connection's buckets, and where its files are. (Studio provides it.)
 */
export interface PanelServices {
  readonly log: Logger;
  readonly extensionUri: vscode.Uri;
  settings(): StudioSettings;
  readonly onDidChangeSettings: vscode.Event<StudioSettings>;
  s3Service(): S3Service;
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
      if (!group)
        groups.set(
          id,
          (group =
            entry.detail === undefined ? { bucket, prefixes: [], status: entry.status } : { bucket, prefixes: [], status: entry.status, detail: entry.detail }),
        );
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
  private readonly retention = new RetentionViewState();
  /** The deletion the player shows (kept while the panel is closed, so reopening it shows it again). */
  private deletionSession: DeletionSession | undefined;
  private connectionDescription: string;

  /** `actions`: the work behind the panel's "Find Unused Prefixes" and "Tag for expiration" buttons; `deletionActions`: the player's. */
  constructor(
    private readonly services: PanelServices,
    private readonly retentionActions: RetentionActions,
    private readonly deletionActions: DeletionActions,
  ) {
    super();
    this.connectionDescription = describeConnection(services.settings().connection);
    this._register(
      services.onDidChangeSettings((settings) => {
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
    const panel = vscode.window.createWebviewPanel(
      PANEL_VIEW_TYPE,
      vscode.l10n.t('S3 Lifecycle'),
      { viewColumn: vscode.ViewColumn.Active, preserveFocus },
      {
        enableScripts: true,
        retainContextWhenHidden: false,
        localResourceRoots: this.resourceRoots(),
      },
    );
    return this.adopt(panel);
  }

  /** Shows the report in the panel's list of unused prefixes, opening the panel if needed; the keyboard focus stays where it is. */
  showReport(report: RetentionReport): LifecyclePanel {
    const panel = this.createOrShow({ preserveFocus: true });
    panel.showReport(report);
    return panel;
  }

  /** The deletion the player shows. */
  get deletion(): DeletionSession | undefined {
    return this.deletionSession;
  }

  /** Shows a deletion in the player (opening the panel, with the keyboard focus: the user asked to watch it); the previous one stops. */
  showDeletion(session: DeletionSession): LifecyclePanel {
    const previous = this.deletionSession;
    if (previous && previous !== session) this.letGo(previous);
    this.deletionSession = session;
    const panel = this.createOrShow();
    panel.showDeletion(session);
    return panel;
  }

  /** Marks prefixes' tagging state; kept for the next panel when none is open. */
  setPrefixStatus(update: PrefixStatusUpdate): void {
    if (this.current) this.current.setPrefixStatus(update);
    else this.retention.apply(update);
  }

  private adopt(webviewPanel: vscode.WebviewPanel): LifecyclePanel {
    this.current?.dispose();
    const panel = new LifecyclePanel(
      webviewPanel,
      this.services,
      this.resourceRoots(),
      this.retention,
      this.retentionActions,
      this.deletionActions,
      () => this.deletionSession,
    );
    this.current = panel;
    panel.onDidDispose(() => {
      if (this.current === panel) this.current = undefined;
    });
    return panel;
  }

  private resourceRoots(): vscode.Uri[] {
    const root = this.services.extensionUri;
    return [vscode.Uri.joinPath(root, 'dist'), vscode.Uri.joinPath(root, 'media')];
  }

  /** Stops a deletion no longer shown and drops its tables on the engine. */
  private letGo(session: DeletionSession): void {
    void session.dispose().then(
      (notes) => notes.forEach((note) => this.services.log.warn(`Play Lifecycle Deletion: ${note}`)),
      (error: unknown) => this.services.log.warn(`Play Lifecycle Deletion: letting go of s3://${session.bucket}'s tables failed: ${errorMessage(error)}`),
    );
  }

  override dispose(): void {
    if (this.deletionSession) this.letGo(this.deletionSession);
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
  /** Stops forwarding the shown deletion's messages. */
  private unlistenDeletion: (() => void) | undefined;

  constructor(
    private readonly webviewPanel: vscode.WebviewPanel,
    private readonly services: PanelServices,
    localResourceRoots: vscode.Uri[],
    private readonly retention: RetentionViewState,
    private readonly actions: RetentionActions,
    deletionActions: DeletionActions,
    private readonly deletion: () => DeletionSession | undefined,
  ) {
    super();
    const webview = webviewPanel.webview;
    webview.options = { enableScripts: true, localResourceRoots };
    webviewPanel.iconPath = vscode.Uri.joinPath(services.extensionUri, 'media', 'activity-bar.svg');
    const root = services.extensionUri;
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
          const buckets = await this.services.s3Service().listBuckets(signal);
          return buckets.map((b): BucketSummary => ({ name: b.name, createdAt: b.createdAt?.toISOString() ?? null }));
        },
        tagForExpiration: (params, signal) => this.tagForExpiration(params, signal),
        findUnusedPrefixes: async ({ bucket }) => {
          await this.actions.findUnusedPrefixes(bucket);
          return null;
        },
        ...deletionHandlers(deletion, deletionActions),
      },
      describeFailure: (request, error) => this.describeFailure(request, error),
      onMalformed: (raw) => this.services.log.warn(`Lifecycle panel: ignored a malformed message from the webview: ${previewOf(raw)}`),
      // A request the webview waits for still gets an answer, so its button does not stay busy.
      rejectedRequestError: vscode.l10n.t('The panel sent a request the extension cannot accept (see the log). Reload the panel and try again.'),
      onPostError: (message, error) => this.services.log.warn(`Lifecycle panel: could not post "${message.type}": ${errorMessage(error)}`),
    });

    this._register(webview.onDidReceiveMessage((raw: unknown) => this.channel.receive(raw)));
    this._register(services.onDidChangeSettings(() => void this.channel.send({ type: 'connectionChanged', connection: this.connectionSummary() })));
    this._register(webviewPanel.onDidDispose(() => this.dispose()));
    // The webview gets what the deletion sent so far once it is ready; from now on, what it sends.
    this.unlistenDeletion = deletion()?.listen((message) => void this.channel.send(message));
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

  /** Shows a deletion in the player: what it sent so far, then what it sends as it reads. */
  showDeletion(session: DeletionSession): void {
    this.unlistenDeletion?.();
    for (const message of session.replay()) void this.channel.send(message);
    this.unlistenDeletion = session.listen((message) => void this.channel.send(message));
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.unlistenDeletion?.();
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
    const deletion = this.deletion();
    if (deletion) for (const message of deletion.replay()) void this.channel.send(message);
  }

  /** A message for the user; errors they cannot act on are logged with their stack. */
  private describeFailure(request: PanelRequestMessage, error: unknown): string {
    const player = describeDeletionFailure(error);
    if (player !== undefined) return player;
    const connection = this.services.settings().connection;
    const bucket = request.method === 'tagForExpiration' || request.method === 'findUnusedPrefixes' ? request.params.bucket : undefined;
    const described = describeS3Error(error, { endpoint: connection.endpoint, ...(bucket ? { bucket } : {}) });
    if (described.kind !== 'other') {
      this.services.log.warn(`Lifecycle panel: ${request.method}: ${described.message}`);
      return described.message;
    }
    this.services.log.error(`Lifecycle panel: ${request.method} failed`, error);
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
    try {
      const result = await this.actions.tagForExpiration(bucket, prefixes, signal);
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
    return { description: describeConnection(this.services.settings().connection), engine: this.services.settings().engine };
  }
}

function panelStrings(): PanelStrings {
  return {
    ...deletionStrings(),
    title: vscode.l10n.t('S3 Lifecycle Studio'),
    connectionLabel: vscode.l10n.t('Connection'),
    engineLabel: vscode.l10n.t('SQL engine'),
    engineLocal: vscode.l10n.t('Embedded DuckDB (local)'),
    engineAthena: vscode.l10n.t('Amazon Athena'),
    listBuckets: vscode.l10n.t('List Buckets'),
    bucketsHeading: vscode.l10n.t('Buckets'),
    bucketColumn: vscode.l10n.t('Bucket'),
    createdColumn: vscode.l10n.t('Created'),
    noBuckets: vscode.l10n.t('This connection has no buckets.'),
    loading: vscode.l10n.t('Loading…'),
    unusedHeading: vscode.l10n.t('Unused prefixes'),
    findUnused: vscode.l10n.t('Find Unused Prefixes'),
    findUnusedIntro: vscode.l10n.t(
      "Find the prefixes nobody read: the bucket's S3 Inventory is joined with a window of its server access logs. Nothing is deleted here: you tag prefixes for expiration, after a dry-run preview, and a lifecycle rule expires them.",
    ),
    finding: vscode.l10n.t('Finding unused prefixes…'),
    noUnusedPrefixes: vscode.l10n.t('No unused prefixes: every prefix with objects old enough was read in the window.'),
    noMatches: vscode.l10n.t('No prefix matches the filter.'),
    bucketLabel: vscode.l10n.t('Bucket'),
    everyBucket: vscode.l10n.t('every bucket in the inventory'),
    windowLabel: vscode.l10n.t('Window'),
    windowValue: vscode.l10n.t('{0} days to {1}'),
    coverageLabel: vscode.l10n.t('Log coverage'),
    coverageValue: vscode.l10n.t('{0} of {1} days'),
    coverageMissing: vscode.l10n.t('missing: {0}'),
    coverageOverridden: vscode.l10n.t('Overridden: days without access logs make live data look unused. Check these prefixes before you tag them.'),
    coverageSuspect: vscode.l10n.t('suspect (few lines): {0}'),
    coverageMalformed: vscode.l10n.t('{0} malformed lines ({1} naming a key)'),
    malformedOverridden: vscode.l10n.t('Overridden: access-log lines that could not be read may be reads of these prefixes. Check them before you tag them.'),
    linesPerDayHeading: vscode.l10n.t('Log lines per day'),
    linesPerDayValue: vscode.l10n.t('{0} lines'),
    exemptionsLabel: vscode.l10n.t('Exemptions'),
    exemptionsNone: vscode.l10n.t('none'),
    exemptionsKeepTag: vscode.l10n.t('objects tagged {0}'),
    pricesLabel: vscode.l10n.t('Prices'),
    pricesValue: vscode.l10n.t('{0} ({1})'),
    pricePerGbMonth: vscode.l10n.t('{0}: {1}/GB-month'),
    notesHeading: vscode.l10n.t('Notes'),
    totalsShown: vscode.l10n.t('Shown'),
    totalsSelected: vscode.l10n.t('Selected'),
    prefixesColumn: vscode.l10n.t('Prefixes'),
    prefixColumn: vscode.l10n.t('Prefix'),
    objectsColumn: vscode.l10n.t('Objects'),
    bytesColumn: vscode.l10n.t('Size'),
    storageClassesColumn: vscode.l10n.t('Storage classes'),
    lastAccessColumn: vscode.l10n.t('Last access'),
    newestColumn: vscode.l10n.t('Newest object'),
    savingsColumn: vscode.l10n.t('Monthly savings'),
    selectColumn: vscode.l10n.t('Select'),
    actionColumn: vscode.l10n.t('Action'),
    never: vscode.l10n.t('never'),
    bucketRoot: vscode.l10n.t('(bucket root)'),
    filterLabel: vscode.l10n.t('Filter prefixes'),
    filterPlaceholder: vscode.l10n.t('Filter by prefix'),
    storageClassFilterLabel: vscode.l10n.t('Storage class'),
    anyStorageClass: vscode.l10n.t('Any storage class'),
    shownCount: vscode.l10n.t('{0} of {1} prefixes shown'),
    selectAll: vscode.l10n.t('Select all shown prefixes'),
    selectRow: vscode.l10n.t('Select {0}'),
    tagForExpiration: vscode.l10n.t('Tag for expiration'),
    tagForExpirationLabel: vscode.l10n.t('Tag for expiration: {0}'),
    tagSelected: vscode.l10n.t('Tag selected for expiration ({0})'),
    tooManyPrefixes: vscode.l10n.t('Tag at most {0} prefixes at a time: narrow the selection with the filter.'),
    tagNeedsBucket: vscode.l10n.t('This report covers every bucket of the inventory: run Find Unused Prefixes for one bucket to tag its prefixes.'),
    statusTagging: vscode.l10n.t('tagging…'),
    statusTagged: vscode.l10n.t('tagged'),
    statusFailed: vscode.l10n.t('failed'),
    gridHelp: vscode.l10n.t('Up and Down move between prefixes, Space selects, Enter tags the prefix for expiration.'),
  };
}

// The results view of SQL template runs: one panel per title, reused when the same template runs
// again. The host keeps every row of the current run in memory and streams them to the webview in
// batches; the webview shows them in a virtualised grid. After a webview reload (the panel was
// hidden and shown again) the webview's `ready` makes the host replay the whole run.

import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { errorMessage } from '../core/log';
import {
  QueryCancelledError,
  QueryFailedError,
  type QueryColumn,
  type QueryProgress,
  type QueryResult,
  type QueryStatistics,
  type QueryValue,
} from '../engines/engine';
import { csvLine, formatStatistics, type StatisticsWords } from '../engines/resultFormat';
import { formatCount } from '../core/format';
import {
  MAX_ROWS_PER_MESSAGE,
  parseResultsWebviewMessage,
  type ResultsHostMessage,
  type ResultsStrings,
  type ResultsWebviewMessage,
  type RunState,
} from '../resultsProtocol';
import { Channel, type NoRequests } from '../webviewKit/channel';
import { assertNever, previewOf } from '../webviewKit/guards';
import { Disposable } from './disposable';
import { createNonce } from './panelHtml';
import { renderResultsHtml } from './resultsHtml';

export const RESULTS_VIEW_TYPE = 's3lifecycle.results';

export interface ResultsRun {
  /** e.g. the template name, shown as the panel title "Results: unused_prefixes". */
  title: string;
  engine: 'local' | 'athena';
  /** Starts (or re-starts, for Re-run) the query. */
  start(signal: AbortSignal, onProgress: (p: QueryProgress) => void): Promise<QueryResult>;
}

export interface ResultsSummary {
  state: 'done' | 'failed' | 'cancelled';
  rows: number;
  columns: string[];
  statistics?: QueryStatistics;
  error?: string;
}

export class ResultsPanelManager extends Disposable {
  private readonly panels = new Map<string, ResultsPanel>();
  private readonly lastSummaries = new Map<string, ResultsSummary>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
  }

  /** For tests: the last summary per title. */
  get summaries(): ReadonlyMap<string, ResultsSummary> {
    return this.lastSummaries;
  }

  /** Opens (or reuses the panel for the same title) and runs; resolves when the run has finished, failed or been cancelled. */
  show(run: ResultsRun): Promise<ResultsSummary> {
    if (this.isDisposed) return Promise.resolve({ state: 'cancelled', rows: 0, columns: [] });
    let panel = this.panels.get(run.title);
    if (panel) panel.reveal();
    else {
      panel = new ResultsPanel(run.title, this.extensionUri, this.log, (summary) => this.lastSummaries.set(run.title, summary));
      const created = panel;
      this.panels.set(run.title, created);
      created.onDidDispose(() => {
        if (this.panels.get(run.title) === created) this.panels.delete(run.title);
      });
    }
    return panel.run(run);
  }

  /**
   * Writes the rows of the last run of `title` as CSV. Without `target` the user picks the file.
   * Resolves with where the file went, or undefined when there was nothing to export or the user cancelled.
   */
  exportCsv(title: string, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    return this.panels.get(title)?.exportCsv(target) ?? Promise.resolve(undefined);
  }

  override dispose(): void {
    for (const panel of [...this.panels.values()]) panel.dispose();
    this.panels.clear();
    super.dispose();
  }
}

/** One run's results, kept in the host. */
interface RunRecord {
  id: number;
  engine: 'local' | 'athena';
  controller: AbortController;
  state: RunState;
  progress?: string;
  columns?: QueryColumn[];
  rows: QueryValue[][];
  statistics?: QueryStatistics;
  error?: string;
}

/** What the current webview document has been sent; replaced by a fresh one on every `ready`. */
interface Delivery {
  initSent: boolean;
  runId?: number;
  progress?: string;
  columnsSent: boolean;
  rowsSent: number;
  finishedSent: boolean;
}

let nextRunId = 1;

class ResultsPanel extends Disposable {
  private readonly disposeEmitter = this._register(new vscode.EventEmitter<void>());
  readonly onDidDispose = this.disposeEmitter.event;
  private readonly webviewPanel: vscode.WebviewPanel;
  /** What the webview says (validated) and what it is sent; no requests either way. */
  private readonly channel: Channel<NoRequests, NoRequests, ResultsWebviewMessage, ResultsHostMessage>;
  private spec: ResultsRun | undefined;
  private current: RunRecord | undefined;
  /** Undefined until the webview's first `ready`. */
  private delivery: Delivery | undefined;
  private pumping = false;
  private pumpAgain = false;

  constructor(
    private readonly title: string,
    extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    private readonly onSummary: (summary: ResultsSummary) => void,
  ) {
    super();
    const localResourceRoots = [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')];
    this.webviewPanel = vscode.window.createWebviewPanel(
      RESULTS_VIEW_TYPE,
      vscode.l10n.t('Results: {0}', title),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, retainContextWhenHidden: false, localResourceRoots },
    );
    this.webviewPanel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'activity-bar.svg');
    const webview = this.webviewPanel.webview;
    webview.html = renderResultsHtml({
      cspSource: webview.cspSource,
      scriptNonce: createNonce(),
      styleNonce: createNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'results.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'results.css')).toString(),
      language: vscode.env.language,
    });
    this.channel = new Channel<NoRequests, NoRequests, ResultsWebviewMessage, ResultsHostMessage>({
      post: (message) => webview.postMessage(message),
      parse: parseResultsWebviewMessage,
      onMessage: (message) => this.onMessage(message),
      requests: {},
      handlers: {},
      onMalformed: (raw) => this.log.warn(`Results view: ignored a malformed message from the webview: ${previewOf(raw)}`),
      onPostError: (message, error) => this.log.warn(`Results view: could not post "${message.type}": ${errorMessage(error)}`),
    });
    this._register(webview.onDidReceiveMessage((raw: unknown) => this.channel.receive(raw)));
    this._register(this.webviewPanel.onDidDispose(() => this.dispose()));
  }

  reveal(): void {
    this.webviewPanel.reveal(undefined, true);
  }

  /** Runs `spec`, cancelling a run still going in this panel. */
  run(spec: ResultsRun): Promise<ResultsSummary> {
    this.spec = spec;
    this.current?.controller.abort();
    const record: RunRecord = { id: nextRunId++, engine: spec.engine, controller: new AbortController(), state: 'running', rows: [] };
    this.current = record;
    this.pump();
    return this.execute(record, spec).then((summary) => {
      // The last run's summary wins: a run superseded by a newer one resolves as cancelled, quietly.
      if (this.current === record) this.onSummary(summary);
      return summary;
    });
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.current?.controller.abort();
    this.channel.dispose('The results view was closed.');
    this.disposeEmitter.fire();
    super.dispose();
    this.webviewPanel.dispose();
  }

  private async execute(record: RunRecord, spec: ResultsRun): Promise<ResultsSummary> {
    const signal = record.controller.signal;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Running {0} on the {1} engine', spec.title, spec.engine), cancellable: true },
      async (progress, token) => {
        const onCancel = token.onCancellationRequested(() => record.controller.abort());
        let reported = 0;
        const onProgress = (p: QueryProgress) => {
          if (record.state !== 'running' || signal.aborted) return;
          let increment: number | undefined;
          if (typeof p.fraction === 'number' && Number.isFinite(p.fraction)) {
            const fraction = Math.min(1, Math.max(0, p.fraction));
            increment = Math.max(0, (fraction - reported) * 100);
            reported = Math.max(reported, fraction);
          }
          progress.report({ message: p.message, increment });
          record.progress = p.message;
          this.pump();
        };
        try {
          const result = await abortable(spec.start(signal, onProgress), signal);
          record.columns = result.columns;
          this.pump();
          const iterator = result.batches[Symbol.asyncIterator]();
          try {
            for (;;) {
              const next = await abortable(iterator.next(), signal);
              if (next.done) break;
              for (const row of next.value) record.rows.push(row);
              progress.report({ message: vscode.l10n.t('{0} rows received', formatCount(record.rows.length)) });
              this.pump();
            }
          } catch (error) {
            // Let the engine release what it holds (an Athena query, a DuckDB result).
            if (signal.aborted) iterator.return?.().then(undefined, () => undefined);
            throw error;
          }
          if (signal.aborted) throw new QueryCancelledError();
          record.statistics = result.statistics();
          record.state = 'done';
          this.log.info(`Results of ${spec.title}: ${formatStatistics(record.statistics)}`);
        } catch (error) {
          if (signal.aborted || error instanceof QueryCancelledError) {
            record.state = 'cancelled';
            this.log.info(`Results of ${spec.title}: cancelled after ${record.rows.length} rows`);
          } else {
            record.state = 'failed';
            record.error = errorMessage(error);
            if (error instanceof QueryFailedError) this.log.warn(`Results of ${spec.title}: the query failed: ${record.error}`);
            else this.log.error(`Results of ${spec.title}: the run failed`, error);
          }
        } finally {
          onCancel.dispose();
          this.pump();
        }
      },
    );
    const summary: ResultsSummary = {
      state: record.state === 'running' ? 'cancelled' : record.state,
      rows: record.rows.length,
      columns: (record.columns ?? []).map((c) => c.name),
    };
    if (record.statistics) summary.statistics = record.statistics;
    if (record.error !== undefined) summary.error = record.error;
    return summary;
  }

  private onMessage(message: ResultsWebviewMessage): void {
    switch (message.type) {
      case 'ready':
        // A new document (first load or a reload): it has nothing yet, so everything is sent again.
        this.delivery = { initSent: false, columnsSent: false, rowsSent: 0, finishedSent: false };
        this.pump();
        return;
      case 'rerun':
        if (!this.spec || this.current?.state === 'running') {
          this.log.info('Results view: ignored Re-run while a run is going');
          return;
        }
        void this.run(this.spec);
        return;
      case 'cancel':
        this.current?.controller.abort();
        return;
      case 'exportCsv':
        void this.exportCsv();
        return;
      default:
        assertNever(message);
    }
  }

  async exportCsv(target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const run = this.current;
    if (!run || run.state === 'running' || !run.columns) {
      this.log.info('Results view: nothing to export yet');
      return undefined;
    }
    const { columns, rows } = run;
    if (!target) {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(homedir());
      target = await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.joinPath(folder, `${safeFileName(this.title)}.csv`),
        filters: { [vscode.l10n.t('CSV files')]: ['csv'] },
        saveLabel: vscode.l10n.t('Export'),
        title: vscode.l10n.t('Export {0} as CSV', this.title),
      });
      if (!target) return undefined;
    }
    try {
      // Encoded in chunks: a large result would exceed the longest string V8 allows.
      const chunks: Buffer[] = [Buffer.from(csvLine(columns.map((c) => c.name)), 'utf8')];
      for (let i = 0; i < rows.length; i += 10_000) {
        let text = '';
        for (const row of rows.slice(i, i + 10_000)) text += csvLine(row);
        chunks.push(Buffer.from(text, 'utf8'));
      }
      await vscode.workspace.fs.writeFile(target, Buffer.concat(chunks));
      const where = target.scheme === 'file' ? target.fsPath : target.toString();
      this.log.info(`Results view: exported ${rows.length} rows of ${this.title} to ${where}`);
      void vscode.window.showInformationMessage(vscode.l10n.t('Exported {0} rows to {1}', formatCount(rows.length), where));
      return target;
    } catch (error) {
      this.log.error(`Results view: could not export ${this.title}`, error);
      void vscode.window.showErrorMessage(vscode.l10n.t('Could not export the results: {0}', errorMessage(error)));
      return undefined;
    }
  }

  /** Sends the webview what it lacks, one message at a time, in order; calls while sending make it look again. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void (async () => {
      try {
        do {
          this.pumpAgain = false;
          while (await this.sendNext());
        } while (this.pumpAgain);
      } finally {
        this.pumping = false;
      }
    })();
  }

  /** Sends the next message the webview has not had; false when it is up to date. */
  private async sendNext(): Promise<boolean> {
    const d = this.delivery;
    const run = this.current;
    if (!d || this.isDisposed) return false;
    if (!d.initSent) {
      d.initSent = true;
      return this.post({ type: 'init', strings: resultsStrings(), title: this.title });
    }
    if (!run) return false;
    if (d.runId !== run.id) {
      Object.assign(d, { runId: run.id, progress: undefined, columnsSent: false, rowsSent: 0, finishedSent: false });
      return this.post({ type: 'runStarted', runId: run.id, engine: run.engine });
    }
    if (run.state === 'running' && run.progress !== undefined && d.progress !== run.progress) {
      d.progress = run.progress;
      return this.post({ type: 'progress', runId: run.id, message: run.progress });
    }
    if (run.columns && !d.columnsSent) {
      d.columnsSent = true;
      return this.post({ type: 'columns', runId: run.id, columns: run.columns });
    }
    if (run.columns && d.rowsSent < run.rows.length) {
      const offset = d.rowsSent;
      const rows = run.rows.slice(offset, offset + MAX_ROWS_PER_MESSAGE);
      d.rowsSent += rows.length;
      return this.post({ type: 'rows', runId: run.id, offset, rows });
    }
    if (run.state !== 'running' && !d.finishedSent) {
      d.finishedSent = true;
      const message: ResultsHostMessage = { type: 'runFinished', runId: run.id, state: run.state, rowCount: run.rows.length };
      if (run.statistics) {
        message.statistics = run.statistics;
        message.statisticsText = formatStatistics(run.statistics, statisticsWords());
      }
      if (run.error !== undefined) message.error = run.error;
      return this.post(message);
    }
    return false;
  }

  /** True when the message went out (a closed panel stops the pump). */
  private post(message: ResultsHostMessage): Promise<boolean> {
    return this.channel.send(message);
  }
}

/** Rejects with QueryCancelledError as soon as `signal` aborts, even if `promise` ignores it. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.then(undefined, () => undefined);
    return Promise.reject(new QueryCancelledError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new QueryCancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function resultsStrings(): ResultsStrings {
  return {
    rerun: vscode.l10n.t('Re-run'),
    cancel: vscode.l10n.t('Cancel'),
    exportCsv: vscode.l10n.t('Export CSV'),
    rowCount: vscode.l10n.t('{0} rows'),
    rowCountOne: vscode.l10n.t('1 row'),
    starting: vscode.l10n.t('Starting…'),
    running: vscode.l10n.t('Running…'),
    cancelled: vscode.l10n.t('Cancelled'),
    failed: vscode.l10n.t('The query failed: {0}'),
    noRows: vscode.l10n.t('The query returned no rows.'),
    notesHeading: vscode.l10n.t('Notes'),
    nullValue: 'NULL',
    gridLabel: vscode.l10n.t('Results of {0}', '{0}'),
    engineLabel: vscode.l10n.t('Engine: {0}', '{0}'),
    engineLocal: vscode.l10n.t('local (DuckDB)'),
    engineAthena: vscode.l10n.t('Amazon Athena'),
  };
}

function safeFileName(name: string): string {
  return name.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').trim() || 'results';
}

/** The statistics line's words in the display language, so the results view shows them translated. */
function statisticsWords(): StatisticsWords {
  return {
    row: vscode.l10n.t('{0} row'),
    rows: vscode.l10n.t('{0} rows'),
    scanned: vscode.l10n.t('{0} scanned'),
    read: vscode.l10n.t('{0} read'),
    seconds: vscode.l10n.t('{0} s'),
    query: vscode.l10n.t('query {0}'),
  };
}

// The typed messages between the extension host and the results view's webview (SQL template
// runs). Imported by both sides. The webview is untrusted: the host validates every inbound
// message with `parseResultsWebviewMessage`; the webview checks what the host sends with
// `parseResultsHostMessage` before rendering it.

import type { QueryColumn, QueryStatistics, QueryValue } from './engines/engine';
import { isCount, isId, isRecord, isStringList } from './webviewKit/guards';
import { stringTable } from './webviewKit/strings';

export type { QueryColumn, QueryStatistics, QueryValue };

// ---- Shared values -------------------------------------------------------------------------

export type RunState = 'running' | 'done' | 'failed' | 'cancelled';
export type FinishedState = Exclude<RunState, 'running'>;

/** At most this many rows travel in one `rows` message. */
export const MAX_ROWS_PER_MESSAGE = 5000;

/** User-facing strings, localised on the host with `vscode.l10n.t` and sent once in `init`. `{0}` is a placeholder. */
export interface ResultsStrings {
  rerun: string;
  cancel: string;
  exportCsv: string;
  /** `{0} rows`. */
  rowCount: string;
  /** `1 row`. */
  rowCountOne: string;
  starting: string;
  running: string;
  cancelled: string;
  /** `The query failed: {0}`. */
  failed: string;
  noRows: string;
  notesHeading: string;
  /** The text of a null cell. */
  nullValue: string;
  /** The grid's accessible name: `Results of {0}`. */
  gridLabel: string;
  /** `Engine: {0}`. */
  engineLabel: string;
  engineLocal: string;
  engineAthena: string;
}

// ---- Webview → host -------------------------------------------------------------------------

/** The webview has loaded its script and listens: the host answers with `init` and replays the current run. */
export interface ResultsReadyMessage {
  type: 'ready';
}

/** Run the same query again. */
export interface RerunMessage {
  type: 'rerun';
}

/** Stop the running query. */
export interface CancelMessage {
  type: 'cancel';
}

/** Save the rows as CSV (the host asks where). */
export interface ExportCsvMessage {
  type: 'exportCsv';
}

export type ResultsWebviewMessage = ResultsReadyMessage | RerunMessage | CancelMessage | ExportCsvMessage;

// ---- Host → webview -------------------------------------------------------------------------

/** Sent first after every `ready`: the strings and the panel's title. */
export interface ResultsInitMessage {
  type: 'init';
  strings: ResultsStrings;
  title: string;
}

/** A run began: the webview forgets the previous run's rows. Also the first message of a replay. */
export interface RunStartedMessage {
  type: 'runStarted';
  runId: number;
  engine: 'local' | 'athena';
}

/** What the engine says it is doing. */
export interface RunProgressMessage {
  type: 'progress';
  runId: number;
  message: string;
}

/** The result's columns, before any row. */
export interface ColumnsMessage {
  type: 'columns';
  runId: number;
  columns: QueryColumn[];
}

/** The next rows, in order: `offset` is the index of the first one (the webview drops anything out of sequence). */
export interface RowsMessage {
  type: 'rows';
  runId: number;
  offset: number;
  rows: QueryValue[][];
}

/** The run ended; sent after its last `rows` message. */
export interface RunFinishedMessage {
  type: 'runFinished';
  runId: number;
  state: FinishedState;
  /** How many rows the run produced (all of them were sent before this message). */
  rowCount: number;
  /** When the run completed. */
  statistics?: QueryStatistics;
  /** `formatStatistics(statistics)`. */
  statisticsText?: string;
  /** The engine's message, when the run failed. */
  error?: string;
}

export type ResultsHostMessage = ResultsInitMessage | RunStartedMessage | RunProgressMessage | ColumnsMessage | RowsMessage | RunFinishedMessage;

// ---- Validation -----------------------------------------------------------------------------

function isEngine(value: unknown): value is 'local' | 'athena' {
  return value === 'local' || value === 'athena';
}

/** Validates a message from the webview; anything malformed or unknown yields undefined. Extra fields are dropped. */
export function parseResultsWebviewMessage(raw: unknown): ResultsWebviewMessage | undefined {
  if (!isRecord(raw)) return undefined;
  switch (raw.type) {
    case 'ready':
    case 'rerun':
    case 'cancel':
    case 'exportCsv':
      return { type: raw.type };
    default:
      return undefined;
  }
}

/** Every `ResultsStrings` key: the compiler checks this table against the interface. */
const RESULTS_STRINGS = stringTable<ResultsStrings>({
  rerun: true,
  cancel: true,
  exportCsv: true,
  rowCount: true,
  rowCountOne: true,
  starting: true,
  running: true,
  cancelled: true,
  failed: true,
  noRows: true,
  notesHeading: true,
  nullValue: true,
  gridLabel: true,
  engineLabel: true,
  engineLocal: true,
  engineAthena: true,
});

export const isResultsStrings = RESULTS_STRINGS.is;

const MAX_DEPTH = 32;

export function isQueryValue(value: unknown, depth = 0): value is QueryValue {
  // Any number: a NaN or an infinity from a DOUBLE column is still a cell to show.
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') return true;
  return Array.isArray(value) && depth < MAX_DEPTH && value.every((v) => isQueryValue(v, depth + 1));
}

export function isQueryColumnList(value: unknown): value is QueryColumn[] {
  return Array.isArray(value) && value.every((c) => isRecord(c) && typeof c.name === 'string' && typeof c.type === 'string');
}

/** Rows of values; every row has the same number of cells. */
export function isRowList(value: unknown): value is QueryValue[][] {
  if (!Array.isArray(value) || value.length > MAX_ROWS_PER_MESSAGE) return false;
  let width: number | undefined;
  for (const row of value) {
    if (!Array.isArray(row)) return false;
    if (width === undefined) width = row.length;
    else if (row.length !== width) return false;
    for (const cell of row) if (!isQueryValue(cell)) return false;
  }
  return true;
}

export function isQueryStatistics(value: unknown): value is QueryStatistics {
  return (
    isRecord(value) &&
    isEngine(value.engine) &&
    isCount(value.rows) &&
    typeof value.bytesScanned === 'number' &&
    typeof value.elapsedMs === 'number' &&
    typeof value.costUsd === 'number' &&
    (value.queryId === undefined || typeof value.queryId === 'string') &&
    isStringList(value.notes)
  );
}

function isFinishedState(value: unknown): value is FinishedState {
  return value === 'done' || value === 'failed' || value === 'cancelled';
}

/** Validates a message from the host (the webview renders only what it can check). */
export function parseResultsHostMessage(raw: unknown): ResultsHostMessage | undefined {
  if (!isRecord(raw)) return undefined;
  switch (raw.type) {
    case 'init':
      return isResultsStrings(raw.strings) && typeof raw.title === 'string' ? { type: 'init', strings: raw.strings, title: raw.title } : undefined;
    case 'runStarted':
      return isId(raw.runId) && isEngine(raw.engine) ? { type: 'runStarted', runId: raw.runId, engine: raw.engine } : undefined;
    case 'progress':
      return isId(raw.runId) && typeof raw.message === 'string' ? { type: 'progress', runId: raw.runId, message: raw.message } : undefined;
    case 'columns':
      return isId(raw.runId) && isQueryColumnList(raw.columns) ? { type: 'columns', runId: raw.runId, columns: raw.columns } : undefined;
    case 'rows':
      return isId(raw.runId) && isCount(raw.offset) && isRowList(raw.rows) ? { type: 'rows', runId: raw.runId, offset: raw.offset, rows: raw.rows } : undefined;
    case 'runFinished': {
      if (!isId(raw.runId) || !isFinishedState(raw.state) || !isCount(raw.rowCount)) return undefined;
      if (raw.statistics !== undefined && !isQueryStatistics(raw.statistics)) return undefined;
      if (raw.statisticsText !== undefined && typeof raw.statisticsText !== 'string') return undefined;
      if (raw.error !== undefined && typeof raw.error !== 'string') return undefined;
      const message: RunFinishedMessage = { type: 'runFinished', runId: raw.runId, state: raw.state, rowCount: raw.rowCount };
      if (raw.statistics !== undefined) message.statistics = raw.statistics;
      if (raw.statisticsText !== undefined) message.statisticsText = raw.statisticsText;
      if (raw.error !== undefined) message.error = raw.error;
      return message;
    }
    default:
      return undefined;
  }
}

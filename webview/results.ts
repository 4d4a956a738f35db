// The results view's webview: a toolbar, a status line and a virtualised grid. Only the visible rows
// (plus a small overscan) are in the DOM (the kit's VirtualRows: fixed-height rows in a body as tall
// as all rows together, so the scrollbar is right for 100k rows). Everything is rendered with the
// kit's DOM builder and textContent from validated host messages; sizes and positions are set through
// the CSSOM (`element.style`), which the CSP allows (it only blocks style attributes in markup).

import {
  parseResultsHostMessage,
  type FinishedState,
  type QueryColumn,
  type QueryValue,
  type ResultsHostMessage,
  type ResultsStrings,
  type ResultsWebviewMessage,
  type RunState,
} from '../src/resultsProtocol';
import { Channel, type NoRequests } from '../src/webviewKit/channel';
import { element, replaceChildren } from './kit/dom';
import { VirtualRows } from './kit/virtualRows';
import { formatString } from '../src/webviewKit/strings';
import { formatCount } from '../src/core/format';

interface VsCodeApi<State> {
  postMessage(message: ResultsWebviewMessage): void;
  getState(): State | undefined;
  setState(state: State): void;
}
declare function acquireVsCodeApi<State>(): VsCodeApi<State>;

/** What survives a reload of the webview: where the user was in which run. */
interface ViewState {
  runId?: number;
  scrollTop?: number;
  scrollLeft?: number;
  activeRow?: number;
  activeColumn?: number;
}

/** Must match `.row { height }` in media/results.css. */
const ROW_HEIGHT = 22;
const OVERSCAN = 8;
const NUMERIC_TYPE = /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|DOUBLE|FLOAT|REAL|DECIMAL|NUMERIC)\b/i;

const vscode = acquireVsCodeApi<ViewState>();
const saved: ViewState = vscode.getState() ?? {};
/** What the host sends, validated by `parseResultsHostMessage`, and what the view tells it; no requests either way. */
const channel = new Channel<NoRequests, NoRequests, ResultsHostMessage, ResultsWebviewMessage>({
  post: (message) => vscode.postMessage(message),
  parse: parseResultsHostMessage,
  onMessage: (message) => onHostMessage(message),
  requests: {},
  handlers: {},
  onMalformed: () => console.warn('Results view: ignored a malformed message from the host'),
});

let strings: ResultsStrings | undefined;
let title = '';
let runId: number | undefined;
let engine: 'local' | 'athena' = 'local';
let state: RunState = 'running';
let progress: string | undefined;
let columns: QueryColumn[] = [];
let numeric: boolean[] = [];
let rows: QueryValue[][] = [];
let finished: { statisticsText?: string; notes: string[]; error?: string; rowCount: number } | undefined;
let active = { row: 0, column: 0 };
/** A scroll position to return to once the replayed rows make it reachable. */
let pendingRestore: ViewState | undefined;

// ---- DOM ------------------------------------------------------------------------------------

function toolbarButton(id: string, onClick: () => void, appearance: 'primary' | 'secondary'): HTMLButtonElement {
  const node = element('button', { id, type: 'button', class: `button ${appearance}` });
  node.addEventListener('click', onClick);
  return node;
}

const app = document.getElementById('app')!;
const rerunButton = toolbarButton('rerun', () => void channel.send({ type: 'rerun' }), 'primary');
const cancelButton = toolbarButton('cancel', () => void channel.send({ type: 'cancel' }), 'secondary');
const exportButton = toolbarButton('export-csv', () => void channel.send({ type: 'exportCsv' }), 'secondary');
const engineTag = element('span', { id: 'engine', class: 'tag' });
// Not a live region: it changes with every batch; the status line carries the announcements.
const rowCount = element('span', { id: 'row-count', class: 'row-count' });
const statusLine = element('p', { id: 'status', class: 'status', role: 'status', 'aria-live': 'polite' });
const errorLine = element('p', { id: 'error', class: 'error', role: 'alert' });
const notesHeading = element('h2', { id: 'notes-heading', class: 'notes-heading' });
const notesList = element('ul', { id: 'notes', class: 'notes', 'aria-labelledby': 'notes-heading' });
const notesSection = element('section', { class: 'notes-section' });
const emptyLine = element('p', { id: 'no-rows', class: 'empty' });
const viewport = element('div', {
  id: 'results-grid',
  class: 'viewport',
  role: 'grid',
  'aria-readonly': 'true',
  tabindex: '0',
  'aria-rowcount': '1',
  'aria-colcount': '0',
});
const headerGroup = element('div', { class: 'grid-header', role: 'rowgroup' });
const headerRow = element('div', { class: 'row header-row', role: 'row', 'aria-rowindex': '1' });
const body = element('div', { class: 'grid-body', role: 'rowgroup' });

headerGroup.appendChild(headerRow);
viewport.append(headerGroup, body);
notesSection.append(notesHeading, notesList);
const toolbar = element('div', { class: 'toolbar' });
toolbar.append(rerunButton, cancelButton, exportButton, engineTag, rowCount);
app.append(toolbar, statusLine, errorLine, notesSection, emptyLine, viewport);

// ---- Rendering ------------------------------------------------------------------------------

function cellText(value: QueryValue): string {
  if (value === null) return strings?.nullValue ?? 'NULL';
  return Array.isArray(value) ? JSON.stringify(value) : String(value);
}

function countText(n: number): string {
  if (!strings) return String(n);
  return n === 1 ? strings.rowCountOne : formatString(strings.rowCount, formatCount(n));
}

/** Widths in `ch` from the header and a sample of rows, so columns do not jump as rows arrive. */
function updateColumnWidths(): void {
  const sample = rows.slice(0, 200);
  const widths = columns.map((column, c) => {
    let width = column.name.length + 2;
    for (const row of sample) width = Math.max(width, cellText(row[c] ?? null).length + 2);
    return Math.min(60, Math.max(6, width));
  });
  viewport.style.setProperty('--grid-columns', widths.map((w) => `${w}ch`).join(' ') || '1fr');
}

function renderHeader(): void {
  const cells = columns.map((column, c) => {
    const cell = element('div', {
      class: `cell header-cell${numeric[c] ? ' num' : ''}`,
      role: 'columnheader',
      'aria-colindex': String(c + 1),
      id: `col-${c}`,
      title: `${column.name}: ${column.type}`,
    });
    cell.append(element('span', { class: 'column-name' }, [column.name]), element('span', { class: 'column-type' }, [column.type]));
    return cell;
  });
  replaceChildren(headerRow, cells);
  viewport.setAttribute('aria-colcount', String(columns.length));
}

function renderChrome(): void {
  if (!strings) return;
  rerunButton.textContent = strings.rerun;
  cancelButton.textContent = strings.cancel;
  exportButton.textContent = strings.exportCsv;
  notesHeading.textContent = strings.notesHeading;
  viewport.setAttribute('aria-label', formatString(strings.gridLabel, title));
  engineTag.textContent = formatString(strings.engineLabel, engine === 'athena' ? strings.engineAthena : strings.engineLocal);
  const running = state === 'running';
  rerunButton.disabled = running || runId === undefined;
  cancelButton.disabled = !running;
  exportButton.disabled = running || columns.length === 0;
  rowCount.textContent = runId === undefined ? '' : countText(rows.length);
  document.body.classList.toggle('running', running);

  let status = '';
  if (running) status = progress ?? (columns.length > 0 ? strings.running : strings.starting);
  else if (state === 'cancelled') status = strings.cancelled;
  else if (state === 'done') status = finished?.statisticsText ?? countText(rows.length);
  statusLine.textContent = status;
  errorLine.textContent = state === 'failed' && finished?.error !== undefined ? formatString(strings.failed, finished.error) : '';
  errorLine.hidden = errorLine.textContent === '';

  const notes = finished?.notes ?? [];
  replaceChildren(
    notesList,
    notes.map((note) => element('li', {}, [note])),
  );
  notesSection.hidden = notes.length === 0;

  emptyLine.textContent = strings.noRows;
  emptyLine.hidden = !(state === 'done' && rows.length === 0);
  viewport.hidden = columns.length === 0;
}

function fillRow(node: HTMLElement, index: number): void {
  const values = rows[index]!;
  while (node.childElementCount > columns.length) node.lastElementChild!.remove();
  while (node.childElementCount < columns.length) node.appendChild(element('div', { role: 'gridcell' }));
  for (let c = 0; c < columns.length; c++) {
    const cell = node.children[c] as HTMLElement;
    const value = values[c] ?? null;
    const text = cellText(value);
    cell.textContent = text;
    cell.id = `cell-${index}-${c}`;
    cell.setAttribute('aria-colindex', String(c + 1));
    let className = 'cell';
    if (value === null) className += ' null';
    else if (typeof value === 'number' || numeric[c]) className += ' num';
    if (index === active.row && c === active.column) className += ' active';
    cell.className = className;
    if (text.length > 20) cell.title = text;
    else cell.removeAttribute('title');
  }
}

/** Only the rows in view exist; they are filled again when the run, the columns or the active cell change. */
const gridRows = new VirtualRows<QueryValue[][]>({
  viewport,
  body,
  rowHeight: ROW_HEIGHT,
  overscan: OVERSCAN,
  headerHeight: () => headerGroup.offsetHeight,
  model: () => rows,
  count: (model) => model.length,
  create: () => element('div', { class: 'row', role: 'row' }),
  fill: (_model, node, index) => fillRow(node, index),
  afterRender: () => updateActiveDescendant(),
  onScroll: () => saveState(),
});

function updateActiveDescendant(): void {
  if (rows.length > 0 && gridRows.isRendered(active.row)) viewport.setAttribute('aria-activedescendant', `cell-${active.row}-${active.column}`);
  else viewport.removeAttribute('aria-activedescendant');
}

// ---- Keyboard: an active cell, moved with the arrows, pages, Home and End ----------------------

function moveActive(row: number, column: number): void {
  if (rows.length === 0 || columns.length === 0) return;
  active = { row: Math.min(rows.length - 1, Math.max(0, row)), column: Math.min(columns.length - 1, Math.max(0, column)) };
  gridRows.scrollIntoView(active.row);
  gridRows.refresh();
  const cell = document.getElementById(`cell-${active.row}-${active.column}`);
  if (cell) {
    const left = cell.offsetLeft;
    const right = left + cell.offsetWidth;
    if (left < viewport.scrollLeft) viewport.scrollLeft = left;
    else if (right > viewport.scrollLeft + viewport.clientWidth) viewport.scrollLeft = right - viewport.clientWidth;
  }
  saveState();
}

viewport.addEventListener('keydown', (event: KeyboardEvent) => {
  const page = gridRows.pageRows();
  const ctrl = event.ctrlKey || event.metaKey;
  const { row, column } = active;
  switch (event.key) {
    case 'ArrowDown':
      moveActive(row + 1, column);
      break;
    case 'ArrowUp':
      moveActive(row - 1, column);
      break;
    case 'ArrowRight':
      moveActive(row, column + 1);
      break;
    case 'ArrowLeft':
      moveActive(row, column - 1);
      break;
    case 'PageDown':
      moveActive(row + page, column);
      break;
    case 'PageUp':
      moveActive(row - page, column);
      break;
    case 'Home':
      moveActive(ctrl ? 0 : row, 0);
      break;
    case 'End':
      moveActive(ctrl ? rows.length - 1 : row, columns.length - 1);
      break;
    default:
      return;
  }
  event.preventDefault();
});

body.addEventListener('click', (event: MouseEvent) => {
  const cell = (event.target as Element | null)?.closest('.cell');
  const match = cell?.id.match(/^cell-(\d+)-(\d+)$/);
  if (match) moveActive(Number(match[1]), Number(match[2]));
});

// ---- State ----------------------------------------------------------------------------------

let saveTimer: ReturnType<typeof setTimeout> | undefined;

function saveState(): void {
  if (pendingRestore) return;
  if (saveTimer !== undefined) clearTimeout(saveTimer);
  saveTimer = setTimeout(() => {
    saveTimer = undefined;
    vscode.setState({ runId, scrollTop: viewport.scrollTop, scrollLeft: viewport.scrollLeft, activeRow: active.row, activeColumn: active.column });
  }, 150);
}

function tryRestore(): void {
  if (!pendingRestore) return;
  const target = pendingRestore.scrollTop ?? 0;
  viewport.scrollTop = target;
  viewport.scrollLeft = pendingRestore.scrollLeft ?? 0;
  if (Math.abs(viewport.scrollTop - target) <= 1 || state !== 'running') {
    active = { row: pendingRestore.activeRow ?? 0, column: pendingRestore.activeColumn ?? 0 };
    pendingRestore = undefined;
    gridRows.refresh();
  }
}

// ---- Messages -------------------------------------------------------------------------------

function startRun(id: number, runEngine: 'local' | 'athena'): void {
  runId = id;
  engine = runEngine;
  state = 'running';
  progress = undefined;
  columns = [];
  numeric = [];
  rows = [];
  finished = undefined;
  active = { row: 0, column: 0 };
  // The same run again means this document is a reload: go back to where the user was.
  pendingRestore = saved.runId === id ? { ...saved } : undefined;
  gridRows.reset();
  headerRow.replaceChildren();
  gridRows.setRowCount(0);
  viewport.scrollTop = 0;
  viewport.scrollLeft = 0;
  if (!pendingRestore) saveState();
}

function finish(message: { state: FinishedState; rowCount: number; statisticsText?: string; notes: string[]; error?: string }): void {
  state = message.state;
  finished = message;
  if (message.rowCount !== rows.length) console.warn(`Results view: expected ${message.rowCount} rows, got ${rows.length}`);
}

function onHostMessage(message: ResultsHostMessage): void {
  if (message.type === 'init') {
    strings = message.strings;
    title = message.title;
    document.title = title;
    renderChrome();
    return;
  }
  if (!strings) return; // Left over from before a reload: the replay after `init` brings it again.
  if (message.type === 'runStarted') {
    startRun(message.runId, message.engine);
    renderChrome();
    return;
  }
  if (message.runId !== runId) return;
  switch (message.type) {
    case 'progress':
      progress = message.message;
      break;
    case 'columns':
      columns = message.columns;
      numeric = columns.map((column) => NUMERIC_TYPE.test(column.type));
      renderHeader();
      updateColumnWidths();
      break;
    case 'rows': {
      if (message.offset !== rows.length || columns.length === 0) {
        console.warn(`Results view: dropped ${message.rows.length} rows out of sequence (offset ${message.offset}, have ${rows.length})`);
        return;
      }
      if (message.rows.some((row) => row.length !== columns.length)) {
        console.warn('Results view: dropped rows whose width does not match the columns');
        return;
      }
      const first = rows.length === 0;
      for (const row of message.rows) rows.push(row);
      if (first) updateColumnWidths();
      gridRows.setRowCount(rows.length);
      tryRestore();
      gridRows.schedule();
      break;
    }
    case 'runFinished':
      finish({
        state: message.state,
        rowCount: message.rowCount,
        statisticsText: message.statisticsText,
        notes: message.statistics?.notes ?? [],
        error: message.error,
      });
      tryRestore();
      gridRows.schedule();
      break;
  }
  renderChrome();
}

window.addEventListener('message', (event: MessageEvent<unknown>) => channel.receive(event.data));
renderChrome();
void channel.send({ type: 'ready' });

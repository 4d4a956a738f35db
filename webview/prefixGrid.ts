// The virtualised grid of unused prefixes: a sticky header of sort buttons, fixed-height rows of
// which only the visible ones (plus an overscan) exist, recycled as the user scrolls (the kit's
// VirtualRows), and the grid keyboard model. It renders what its model says and reports what the
// user does; the list (webview/prefixList.ts) owns the state.

import { formatBytes, formatCount, formatUsd } from '../src/core/format';
import type { PrefixSort, PrefixSortKey } from '../src/core/retention/prefixListModel';
import type { PanelStrings, UnusedPrefix } from '../src/panelProtocol';
import { formatString } from '../src/webviewKit/strings';
import { element, replaceChildren } from './kit/dom';
import { VirtualRows } from './kit/virtualRows';
import { checkbox, smallButton } from './ui';

/** Must match `.prefix-body .prefix-row { height }` in media/panel.css. */
const ROW_HEIGHT = 28;
const OVERSCAN = 10;

export interface PrefixStatusEntry {
  status: 'tagging' | 'tagged' | 'failed';
  detail?: string;
}

/** What the grid shows; read on every render. */
export interface PrefixGridModel {
  strings: PanelStrings;
  locale: string;
  visible: readonly UnusedPrefix[];
  sort: PrefixSort;
  selection: 'none' | 'some' | 'all';
  indexOf(prefix: string): number | undefined;
  isSelected(prefix: string): boolean;
  statusOf(prefix: string): PrefixStatusEntry | undefined;
  canTag(prefix: string): boolean;
}

/** What the user did in the grid. */
export interface PrefixGridEvents {
  sortBy(key: PrefixSortKey): void;
  /** A row's checkbox or Space; `range` with Shift (from the last toggled row). */
  toggle(prefix: string, range: boolean): void;
  toggleAll(): void;
  selectAll(): void;
  tag(prefix: string): void;
  /** The focused row or the scroll position changed (worth saving). */
  viewChanged(): void;
}

interface Column {
  key: PrefixSortKey;
  title(strings: PanelStrings): string;
  numeric: boolean;
}

const COLUMNS: Column[] = [
  { key: 'prefix', title: (s) => s.prefixColumn, numeric: false },
  { key: 'objects', title: (s) => s.objectsColumn, numeric: true },
  { key: 'bytes', title: (s) => s.bytesColumn, numeric: true },
  { key: 'storageClasses', title: (s) => s.storageClassesColumn, numeric: false },
  { key: 'lastAccess', title: (s) => s.lastAccessColumn, numeric: false },
  { key: 'newestLastModified', title: (s) => s.newestColumn, numeric: false },
  { key: 'monthlySavingsUsd', title: (s) => s.savingsColumn, numeric: true },
];

/** A day for the grid (UTC, as the window is); the full time is in the cell's tooltip. */
function dayOf(iso: string): string {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : new Date(time).toISOString().slice(0, 10);
}

export class PrefixGrid {
  readonly element = element('div', {
    id: 'prefix-grid',
    class: 'prefix-viewport',
    role: 'grid',
    tabindex: '0',
    'aria-multiselectable': 'true',
    'aria-labelledby': 'unused-heading',
    'aria-describedby': 'prefix-grid-help',
    'aria-colcount': String(COLUMNS.length + 2),
  });
  /** The prefix of the focused row. */
  active: string | null = null;
  private readonly headerGroup = element('div', { class: 'prefix-header', role: 'rowgroup' });
  private readonly body = element('div', { class: 'prefix-body', role: 'rowgroup' });
  private readonly selectAllBox = checkbox({ id: 'select-all-prefixes', label: '' });
  private readonly headerCells = new Map<PrefixSortKey, HTMLElement>();
  private readonly rows: VirtualRows<PrefixGridModel>;
  private pendingTop: number | undefined;

  constructor(
    private readonly model: () => PrefixGridModel | undefined,
    private readonly events: PrefixGridEvents,
  ) {
    this.element.append(this.headerGroup, this.body);
    this.rows = new VirtualRows<PrefixGridModel>({
      viewport: this.element,
      body: this.body,
      rowHeight: ROW_HEIGHT,
      overscan: OVERSCAN,
      headerHeight: () => this.headerGroup.offsetHeight,
      model: () => this.model(),
      count: (model) => model.visible.length,
      create: (model) => this.createRow(model.strings),
      fill: (model, node, index) => this.fillRow(model, node, index),
      afterRender: (model) => {
        const active = this.active === null ? undefined : model.indexOf(this.active);
        if (active !== undefined && this.rows.isRendered(active)) this.element.setAttribute('aria-activedescendant', `prefix-cell-${active}`);
        else this.element.removeAttribute('aria-activedescendant');
      },
      onScroll: () => this.events.viewChanged(),
    });
    this.element.addEventListener('keydown', (event) => this.onKeyDown(event));
    this.body.addEventListener('click', (event) => this.onBodyClick(event));
    this.selectAllBox.addEventListener('change', () => this.events.toggleAll());
  }

  /** Where the grid is scrolled to, or will be once a restore lands. */
  get scrollTop(): number {
    return this.pendingTop ?? this.element.scrollTop;
  }

  /** Goes back to a scroll position once the grid is laid out (before that it would not stick). */
  restoreScroll(top: number): void {
    this.pendingTop = top;
    requestAnimationFrame(() => {
      if (this.pendingTop === undefined) return;
      this.element.scrollTop = this.pendingTop;
      this.pendingTop = undefined;
      this.refresh();
    });
  }

  /** The header, in the given language; rendered rows are made anew. */
  build(strings: PanelStrings): void {
    this.selectAllBox.setAttribute('aria-label', strings.selectAll);
    const headerRow = element('div', { class: 'prefix-row header-row', role: 'row', 'aria-rowindex': '1' }, [
      element('div', { class: 'cell select-cell', role: 'columnheader', 'aria-colindex': '1' }, [this.selectAllBox]),
    ]);
    COLUMNS.forEach((column, i) => {
      const sortButton = element('button', { type: 'button', class: 'sort-button', 'data-sort-key': column.key }, [
        column.title(strings),
        element('span', { class: 'sort-indicator', 'aria-hidden': 'true' }),
      ]);
      sortButton.addEventListener('click', () => this.events.sortBy(column.key));
      const cell = element(
        'div',
        { class: `cell${column.numeric ? ' num' : ''}`, role: 'columnheader', 'aria-colindex': String(i + 2), 'data-column': column.key },
        [sortButton],
      );
      this.headerCells.set(column.key, cell);
      headerRow.appendChild(cell);
    });
    headerRow.appendChild(element('div', { class: 'cell action', role: 'columnheader', 'aria-colindex': String(COLUMNS.length + 2) }, [strings.actionColumn]));
    replaceChildren(this.headerGroup, [headerRow]);
    this.rows.reset();
  }

  /** The visible rows or their order changed: sizes, sort marks and every rendered row. */
  update(): void {
    const model = this.model();
    if (!model) return;
    if (this.active !== null && model.indexOf(this.active) === undefined) this.active = null;
    this.rows.setRowCount(model.visible.length);
    this.element.hidden = model.visible.length === 0;
    for (const column of COLUMNS) {
      const cell = this.headerCells.get(column.key);
      if (!cell) continue;
      const sorted = model.sort.key === column.key;
      cell.setAttribute('aria-sort', sorted ? model.sort.direction : 'none');
      cell.querySelector('.sort-indicator')!.textContent = sorted ? (model.sort.direction === 'ascending' ? '▲' : '▼') : '';
    }
    this.refresh();
  }

  /** Selection, statuses or the focus changed: the rendered rows and the header checkbox. */
  refresh(): void {
    const model = this.model();
    if (!model) return;
    this.selectAllBox.checked = model.selection === 'all';
    this.selectAllBox.indeterminate = model.selection === 'some';
    this.rows.refresh();
  }

  /** Scrolls the focused row into view (it may not exist in the DOM yet: the list is virtual). */
  scrollToActive(): void {
    const index = this.active === null ? undefined : this.model()?.indexOf(this.active);
    if (index === undefined) return;
    this.rows.scrollIntoView(index);
  }

  scrollToTop(): void {
    this.pendingTop = undefined;
    this.element.scrollTop = 0;
    this.rows.schedule();
  }

  // ---- The rows ------------------------------------------------------------------------------

  private createRow(strings: PanelStrings): HTMLElement {
    return element('div', { class: 'prefix-row', role: 'row' }, [
      element('div', { class: 'cell select-cell', role: 'gridcell', 'aria-colindex': '1' }, [checkbox({ label: '', className: 'row-check', tabbable: false })]),
      element('div', { class: 'cell prefix', role: 'gridcell', 'aria-colindex': '2' }, [
        element('span', { class: 'status-tag', hidden: '' }),
        element('span', { class: 'prefix-text' }),
      ]),
      ...COLUMNS.slice(1).map((column, i) =>
        element('div', { class: `cell${column.numeric ? ' num' : ''}`, role: 'gridcell', 'aria-colindex': String(i + 3), 'data-column': column.key }),
      ),
      element('div', { class: 'cell action', role: 'gridcell', 'aria-colindex': String(COLUMNS.length + 2) }, [
        smallButton(strings.tagForExpiration, { class: 'tag-button', tabindex: '-1' }),
      ]),
    ]);
  }

  private fillRow(model: PrefixGridModel, node: HTMLElement, index: number): void {
    const { strings, locale } = model;
    const row = model.visible[index]!;
    const status = model.statusOf(row.prefix);
    const selected = model.isSelected(row.prefix);
    const name = row.prefix === '' ? strings.bucketRoot : row.prefix;
    node.dataset.prefix = row.prefix;
    if (status) node.dataset.status = status.status;
    else delete node.dataset.status;
    node.setAttribute('aria-selected', String(selected));
    node.classList.toggle('selected', selected);
    node.classList.toggle('active', row.prefix === this.active);

    const [selectCell, prefixCell, objects, bytes, classes, lastAccess, newest, savings, actionCell] = [...node.children] as HTMLElement[];
    const check = selectCell!.firstElementChild as HTMLInputElement;
    check.checked = selected;
    check.setAttribute('aria-label', formatString(strings.selectRow, name));

    prefixCell!.id = `prefix-cell-${index}`;
    prefixCell!.title = status?.detail ? `${name}\n${status.detail}` : name;
    const statusTag = prefixCell!.firstElementChild as HTMLElement;
    statusTag.hidden = status === undefined;
    statusTag.className = `status-tag${status ? ` status-${status.status}` : ''}`;
    statusTag.textContent = status ? { tagging: strings.statusTagging, tagged: strings.statusTagged, failed: strings.statusFailed }[status.status] : '';
    const prefixText = prefixCell!.lastElementChild as HTMLElement;
    prefixText.textContent = name;
    prefixText.classList.toggle('root', row.prefix === '');

    objects!.textContent = formatCount(row.objects, locale);
    bytes!.textContent = formatBytes(row.bytes, locale);
    bytes!.title = `${formatCount(row.bytes, locale)} B`;
    classes!.textContent = row.storageClasses.join(', ');
    classes!.title = Object.entries(row.bytesByStorageClass)
      .map(([c, b]) => `${c}: ${formatBytes(b, locale)}`)
      .join('\n');
    lastAccess!.textContent = row.lastAccess === null ? strings.never : dayOf(row.lastAccess);
    lastAccess!.title = row.lastAccess ?? '';
    lastAccess!.classList.toggle('never', row.lastAccess === null);
    newest!.textContent = dayOf(row.newestLastModified);
    newest!.title = row.newestLastModified;
    savings!.textContent = formatUsd(row.monthlySavingsUsd, locale);

    const tagButton = actionCell!.firstElementChild as HTMLButtonElement;
    tagButton.setAttribute('aria-label', formatString(strings.tagForExpirationLabel, name));
    tagButton.disabled = !model.canTag(row.prefix);
  }

  // ---- Keyboard and mouse -------------------------------------------------------------------

  private setActive(index: number): void {
    const visible = this.model()?.visible ?? [];
    if (visible.length === 0) return;
    this.active = visible[Math.min(visible.length - 1, Math.max(0, index))]!.prefix;
    this.scrollToActive();
    this.refresh();
    this.events.viewChanged();
  }

  private onKeyDown(event: KeyboardEvent): void {
    const model = this.model();
    // Keys on the header's controls (sort buttons, select-all) keep their own meaning.
    if (event.target !== this.element || !model || model.visible.length === 0) return;
    const current = this.active === null ? -1 : (model.indexOf(this.active) ?? -1);
    const page = this.rows.pageRows();
    switch (event.key) {
      case 'ArrowDown':
        this.setActive(current + 1);
        break;
      case 'ArrowUp':
        this.setActive(current < 0 ? 0 : current - 1);
        break;
      case 'PageDown':
        this.setActive(current + page);
        break;
      case 'PageUp':
        this.setActive(current - page);
        break;
      case 'Home':
        this.setActive(0);
        break;
      case 'End':
        this.setActive(model.visible.length - 1);
        break;
      case ' ':
        if (current < 0) this.setActive(0);
        this.events.toggle(this.active!, event.shiftKey);
        break;
      case 'Enter':
        if (current >= 0) this.events.tag(this.active!);
        break;
      case 'a':
        if (!(event.ctrlKey || event.metaKey)) return;
        this.events.selectAll();
        break;
      default:
        return;
    }
    event.preventDefault();
  }

  private onBodyClick(event: MouseEvent): void {
    const target = event.target as HTMLElement | null;
    const prefix = target?.closest<HTMLElement>('.prefix-row')?.dataset.prefix;
    if (prefix === undefined || this.model()?.indexOf(prefix) === undefined) return;
    this.active = prefix;
    if (target?.classList.contains('row-check')) this.events.toggle(prefix, event.shiftKey);
    else if (target?.closest('.tag-button')) this.events.tag(prefix);
    else this.refresh();
    // In-row controls are not tab stops: the grid keeps the focus and its keyboard model.
    this.element.focus({ preventScroll: true });
    this.events.viewChanged();
  }
}

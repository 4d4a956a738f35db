// Our one seam to the UI component library. The panel code builds its widgets only through these
// helpers, so replacing @vscode/webview-ui-toolkit (no longer maintained upstream) touches this
// file alone. Every helper builds DOM with the kit's builder (webview/kit/dom.ts): data never becomes HTML.

import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeDataGrid,
  vsCodeDataGridCell,
  vsCodeDataGridRow,
  vsCodeDivider,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';
import { element } from './kit/dom';

let registered = false;

/** Registers the toolkit's custom elements once. */
export function registerComponents(): void {
  if (registered) return;
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeDataGrid(), vsCodeDataGridRow(), vsCodeDataGridCell(), vsCodeDivider(), vsCodeTextField());
  registered = true;
}

export function button(
  label: string,
  onClick: () => void,
  options: { appearance?: 'primary' | 'secondary'; id?: string; disabled?: boolean } = {},
): HTMLElement {
  const node = element('vscode-button', { appearance: options.appearance ?? 'primary', ...(options.id ? { id: options.id } : {}) }, [label]);
  if (options.disabled) node.setAttribute('disabled', '');
  node.addEventListener('click', () => {
    if (!node.hasAttribute('disabled')) onClick();
  });
  return node;
}

/**
 * A small label. Our own element: the toolkit's tag and badge templates carry a style attribute,
 * which a strict CSP (no 'unsafe-inline' styles) reports as a violation.
 */
export function tag(text: string): HTMLElement {
  return element('span', { class: 'tag' }, [text]);
}

export function divider(): HTMLElement {
  return element('vscode-divider', { role: 'separator' }, []);
}

/** An indeterminate busy indicator (our own: the toolkit's ring uses inline style attributes, which the CSP blocks). */
export function busyIndicator(label: string): HTMLElement {
  return element('span', { class: 'busy', role: 'status', 'aria-label': label }, [element('span', { class: 'busy-spinner', 'aria-hidden': 'true' }), label]);
}

export interface GridColumn<Row> {
  title: string;
  /** The cell's text for a row; always rendered as text. */
  text(row: Row): string;
}

/** A keyboard-navigable data grid with a sticky header row. */
export function dataGrid<Row>(columns: GridColumn<Row>[], rows: readonly Row[], options: { id?: string; label: string }): HTMLElement {
  const grid = element('vscode-data-grid', { 'aria-label': options.label, ...(options.id ? { id: options.id } : {}) }, []);
  const header = element('vscode-data-grid-row', { 'row-type': 'sticky-header' }, []);
  columns.forEach((column, i) => {
    header.appendChild(element('vscode-data-grid-cell', { 'cell-type': 'columnheader', 'grid-column': String(i + 1) }, [column.title]));
  });
  grid.appendChild(header);
  for (const row of rows) {
    const line = element('vscode-data-grid-row', {}, []);
    columns.forEach((column, i) => line.appendChild(element('vscode-data-grid-cell', { 'grid-column': String(i + 1) }, [column.text(row)])));
    grid.appendChild(line);
  }
  return grid;
}

/**
 * The toolkit's text field; `onInput` gets its value as the user types. The label is its text
 * content (the element takes its accessible name from there, overwriting any aria-label), shown
 * only to screen readers with `hiddenLabel` (see `.label-hidden` in media/panel.css).
 */
export function textField(options: {
  id: string;
  label: string;
  hiddenLabel?: boolean;
  placeholder: string;
  value?: string;
  onInput: (value: string) => void;
}): HTMLElement {
  const attributes = { id: options.id, placeholder: options.placeholder, ...(options.hiddenLabel ? { class: 'label-hidden' } : {}) };
  const node = element('vscode-text-field', attributes, [options.label]);
  (node as HTMLInputElement).value = options.value ?? '';
  // The inner <input>'s `input` event is composed: it reaches the host element.
  node.addEventListener('input', () => options.onInput(textFieldValue(node)));
  return node;
}

function textFieldValue(node: HTMLElement): string {
  const value = (node as HTMLInputElement).value;
  return typeof value === 'string' ? value : '';
}

/**
 * A native checkbox, themed in media/panel.css. Not the toolkit's: its element resets its
 * aria-label each time it is attached (rows of a virtual list are attached again and again) and
 * handles Space itself, which a grid with its own keyboard model cannot share.
 */
export function checkbox(options: { id?: string; label: string; className?: string; tabbable?: boolean }): HTMLInputElement {
  const node = element('input', { type: 'checkbox', 'aria-label': options.label, class: `checkbox${options.className ? ` ${options.className}` : ''}` });
  if (options.id) node.id = options.id;
  if (options.tabbable === false) node.tabIndex = -1;
  return node;
}

/** A native select, themed in media/panel.css (the toolkit's dropdown is heavy for a short list). */
export function select(options: {
  id: string;
  label: string;
  choices: { value: string; label: string }[];
  value: string;
  onChange: (value: string) => void;
}): HTMLSelectElement {
  const node = element('select', { id: options.id, 'aria-label': options.label, class: 'select' });
  for (const choice of options.choices) node.appendChild(element('option', { value: choice.value }, [choice.label]));
  node.value = options.value;
  node.addEventListener('change', () => options.onChange(node.value));
  return node;
}

/** A compact native button for dense rows (one per visible row of a virtual list). */
export function smallButton(label: string, attributes: Record<string, string>): HTMLButtonElement {
  return element('button', { type: 'button', ...attributes, class: `small-button${attributes.class ? ` ${attributes.class}` : ''}` }, [label]);
}

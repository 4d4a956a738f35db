// The results view's HTML shell: a fixed document with the same strict CSP as the lifecycle panel.
// No data is ever pasted into it; the webview script renders everything from validated messages
// with DOM APIs (text nodes only).

import { renderWebviewShell, type PanelHtmlInput } from './panelHtml';

export type ResultsHtmlInput = PanelHtmlInput;

export function renderResultsHtml(input: ResultsHtmlInput): string {
  return renderWebviewShell(input, { title: 'Query Results', exposeStyleNonce: false, live: false });
}

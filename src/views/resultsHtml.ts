// The results view's HTML shell: a fixed document with the same strict CSP as the lifecycle panel.
// No data is ever pasted into it; the webview script renders everything from validated messages
// with DOM APIs (text nodes only).

import { contentSecurityPolicy, escapeAttribute, type PanelHtmlInput } from './panelHtml';

export type ResultsHtmlInput = PanelHtmlInput;

export function renderResultsHtml(input: ResultsHtmlInput): string {
  const attr = escapeAttribute;
  return `<!DOCTYPE html>
<html lang="${attr(input.language)}">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(input.cspSource, input))}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${attr(input.styleUri)}">
  <title>Query Results</title>
</head>
<body>
  <main id="app"></main>
  <script nonce="${attr(input.scriptNonce)}" src="${attr(input.scriptUri)}"></script>
</body>
</html>`;
}

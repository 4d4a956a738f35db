// The lifecycle panel's HTML shell: a fixed document with a strict CSP. No data is ever pasted into
// it; the webview script renders everything from validated messages with DOM APIs.

import { randomBytes } from 'node:crypto';

export function createNonce(): string {
  return randomBytes(18).toString('base64');
}

export interface PanelHtmlInput {
  /** `webview.cspSource`. */
  cspSource: string;
  /** Allows our one script. */
  scriptNonce: string;
  /**
   * Allows style elements. A separate nonce from the script's: the UI toolkit reads it from a
   * `csp-nonce` meta tag for the style elements it creates, so it is visible to the page.
   */
  styleNonce: string;
  scriptUri: string;
  styleUri: string;
  /** The document language, e.g. `en`. */
  language: string;
}

export function contentSecurityPolicy(cspSource: string, nonces: { scriptNonce: string; styleNonce: string }): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource} 'nonce-${nonces.styleNonce}'`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonces.scriptNonce}'`,
  ].join('; ');
}

export function renderPanelHtml(input: PanelHtmlInput): string {
  const attr = escapeAttribute;
  return `<!DOCTYPE html>
<html lang="${attr(input.language)}">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(input.cspSource, input))}">
  <meta property="csp-nonce" content="${attr(input.styleNonce)}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${attr(input.styleUri)}">
  <title>S3 Lifecycle Studio</title>
</head>
<body>
  <main id="app" aria-live="polite"></main>
  <script nonce="${attr(input.scriptNonce)}" src="${attr(input.scriptUri)}"></script>
</body>
</html>`;
}

export function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#39;');
}

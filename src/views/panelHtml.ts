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

export interface WebviewShellOptions {
  title: string;
  /** Publish the style nonce in a `csp-nonce` meta tag (the UI toolkit reads it for its own style elements). */
  exposeStyleNonce: boolean;
  /** Announce changes to `<main>` to screen readers. */
  live: boolean;
}

/** A webview document: strict CSP, one stylesheet, one nonce'd script, an empty `<main id="app">`. */
export function renderWebviewShell(input: PanelHtmlInput, options: WebviewShellOptions): string {
  const attr = escapeAttribute;
  const nonceMeta = options.exposeStyleNonce ? `\n  <meta property="csp-nonce" content="${attr(input.styleNonce)}">` : '';
  return `<!DOCTYPE html>
<html lang="${attr(input.language)}">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(input.cspSource, input))}">${nonceMeta}
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${attr(input.styleUri)}">
  <title>${attr(options.title)}</title>
</head>
<body>
  <main id="app"${options.live ? ' aria-live="polite"' : ''}></main>
  <script nonce="${attr(input.scriptNonce)}" src="${attr(input.scriptUri)}"></script>
</body>
</html>`;
}

export function renderPanelHtml(input: PanelHtmlInput): string {
  return renderWebviewShell(input, { title: 'S3 Lifecycle Studio', exposeStyleNonce: true, live: true });
}

export function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#39;');
}

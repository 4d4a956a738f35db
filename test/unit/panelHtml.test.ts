import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { contentSecurityPolicy, createNonce, escapeAttribute, renderPanelHtml } from '../../src/views/panelHtml';

const input = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  scriptNonce: 'c2NyaXB0',
  styleNonce: 'c3R5bGU=',
  scriptUri: 'https://x/dist/webview.js',
  styleUri: 'https://x/media/panel.css',
  language: 'en',
};

describe('the panel HTML shell', () => {
  it('has a strict CSP: nothing by default, scripts only with the nonce, no inline styles or eval', () => {
    const csp = contentSecurityPolicy(input.cspSource, input);
    assert.match(csp, /^default-src 'none'/);
    assert.match(csp, /script-src 'nonce-c2NyaXB0'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*(?!\.)/);
  });

  it('loads exactly one script, carrying the script nonce', () => {
    const html = renderPanelHtml(input);
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    assert.equal(scripts.length, 1);
    assert.match(scripts[0]!, /nonce="c2NyaXB0"/);
  });

  it('exposes only the style nonce to the page, never the script nonce', () => {
    const html = renderPanelHtml(input);
    assert.match(html, /<meta property="csp-nonce" content="c3R5bGU=">/);
    assert.equal(html.split('c2NyaXB0').length - 1, 2); // the CSP and the script tag
  });

  it('escapes what goes into attributes', () => {
    assert.equal(escapeAttribute(`"><script>alert('x')</script>`), '&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;');
    const html = renderPanelHtml({ ...input, language: '"><script>' });
    assert.doesNotMatch(html, /lang=""><script>/);
  });

  it('makes a fresh, unguessable nonce each time', () => {
    const nonces = new Set(Array.from({ length: 100 }, createNonce));
    assert.equal(nonces.size, 100);
    for (const nonce of nonces) assert.match(nonce, /^[A-Za-z0-9+/]{24}$/);
  });
});

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  isQueryValue,
  isRowList,
  MAX_ROWS_PER_MESSAGE,
  parseResultsHostMessage,
  parseResultsWebviewMessage,
  type ResultsStrings,
} from '../../src/resultsProtocol';
import { renderResultsHtml } from '../../src/views/resultsHtml';
import { formatString } from '../../src/webviewKit/strings';

describe('results view: messages from the (untrusted) webview', () => {
  it('accepts ready, rerun, cancel and exportCsv', () => {
    for (const type of ['ready', 'rerun', 'cancel', 'exportCsv']) assert.deepEqual(parseResultsWebviewMessage({ type }), { type });
  });

  it('drops extra fields rather than passing them on', () => {
    assert.deepEqual(parseResultsWebviewMessage({ type: 'exportCsv', path: '/etc/passwd' }), { type: 'exportCsv' });
  });

  it('rejects malformed and unknown messages', () => {
    for (const raw of [
      undefined,
      null,
      'ready',
      42,
      [],
      [{ type: 'ready' }],
      {},
      { type: 'Ready' },
      { type: 'request' },
      { type: 'constructor' },
      { type: 'toString' },
      { type: ['ready'] },
    ]) {
      assert.equal(parseResultsWebviewMessage(raw), undefined, JSON.stringify(raw));
    }
  });
});

const strings: ResultsStrings = {
  rerun: 'Re-run',
  cancel: 'Cancel',
  exportCsv: 'Export CSV',
  rowCount: '{0} rows',
  rowCountOne: '1 row',
  starting: 'Starting…',
  running: 'Running…',
  cancelled: 'Cancelled',
  failed: 'The query failed: {0}',
  noRows: 'The query returned no rows.',
  notesHeading: 'Notes',
  nullValue: 'NULL',
  gridLabel: 'Results of {0}',
  engineLabel: 'Engine: {0}',
  engineLocal: 'local',
  engineAthena: 'Athena',
};

const statistics = {
  engine: 'athena',
  rows: 2,
  bytesScanned: 10485760,
  elapsedMs: 1234,
  costUsd: 0.0000477,
  queryId: 'q-1',
  notes: ['3 malformed log lines were skipped'],
};

describe('results view: messages from the host', () => {
  it('accepts every valid message', () => {
    const valid = [
      { type: 'init', strings, title: 'unused_prefixes' },
      { type: 'runStarted', runId: 1, engine: 'local' },
      { type: 'progress', runId: 1, message: 'Loading the inventory' },
      {
        type: 'columns',
        runId: 1,
        columns: [
          { name: 'prefix', type: 'VARCHAR' },
          { name: 'bytes', type: 'BIGINT' },
        ],
      },
      {
        type: 'rows',
        runId: 1,
        offset: 0,
        rows: [
          ['logs/', 12],
          ['tmp/', null],
        ],
      },
      { type: 'rows', runId: 1, offset: 2, rows: [] },
      { type: 'rows', runId: 1, offset: 0, rows: [[['STANDARD', 'GLACIER'], true, '18446744073709551615', -1.5]] },
      { type: 'runFinished', runId: 1, state: 'done', rowCount: 2, statistics, statisticsText: '2 rows · 10 MB scanned · 1.2 s · $0.000048' },
      { type: 'runFinished', runId: 1, state: 'failed', rowCount: 0, error: "line 1:8: Column 'x' cannot be resolved" },
      { type: 'runFinished', runId: 1, state: 'cancelled', rowCount: 5000 },
    ];
    for (const message of valid) assert.deepEqual(parseResultsHostMessage(message), message, JSON.stringify(message));
  });

  it('rejects malformed messages', () => {
    const invalid = [
      null,
      { type: 'init', strings: { ...strings, rerun: 1 }, title: 'x' },
      { type: 'init', strings: { rerun: 'Re-run' }, title: 'x' },
      { type: 'init', strings },
      { type: 'runStarted', runId: 0, engine: 'local' },
      { type: 'runStarted', runId: 1, engine: 'postgres' },
      { type: 'progress', runId: 1 },
      { type: 'columns', runId: 1, columns: [{ name: 'a' }] },
      { type: 'columns', runId: 1, columns: 'a,b' },
      { type: 'rows', runId: 1, offset: -1, rows: [] },
      { type: 'rows', runId: 1, offset: 0.5, rows: [] },
      { type: 'rows', runId: 1, offset: 0, rows: [['a'], ['b', 'c']] },
      { type: 'rows', runId: 1, offset: 0, rows: [[{ toString: 'x' }]] },
      { type: 'rows', runId: 1, offset: 0, rows: ['abc'] },
      { type: 'rows', runId: 1, offset: 0, rows: Array.from({ length: MAX_ROWS_PER_MESSAGE + 1 }, () => [1]) },
      { type: 'runFinished', runId: 1, state: 'running', rowCount: 0 },
      { type: 'runFinished', runId: 1, state: 'done' },
      { type: 'runFinished', runId: 1, state: 'done', rowCount: 1, statistics: { ...statistics, notes: [1] } },
      { type: 'runFinished', runId: 1, state: 'failed', rowCount: 0, error: { message: 'x' } },
      { type: 'somethingElse', runId: 1 },
    ];
    for (const message of invalid) assert.equal(parseResultsHostMessage(message), undefined, JSON.stringify(message).slice(0, 200));
  });

  it('drops fields the protocol does not know', () => {
    assert.deepEqual(parseResultsHostMessage({ type: 'progress', runId: 2, message: 'x', html: '<img>' }), { type: 'progress', runId: 2, message: 'x' });
  });

  it('checks cells deeply and allows a full batch', () => {
    assert.equal(isQueryValue([1, [2, ['a', null]]]), true);
    assert.equal(isQueryValue({}), false);
    assert.equal(isQueryValue([1, [undefined]]), false);
    assert.equal(isRowList(Array.from({ length: MAX_ROWS_PER_MESSAGE }, (_, i) => [i, `p${i}/`])), true);
  });

  it('fills placeholders like vscode.l10n.t', () => {
    assert.equal(formatString('{0} rows', '1,234'), '1,234 rows');
    assert.equal(formatString('Results of {0} ({1})', 'x', 2), 'Results of x (2)');
    assert.equal(formatString('{1} stays', 'a'), '{1} stays');
  });
});

describe('the results view HTML shell', () => {
  const input = {
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    scriptNonce: 'c2NyaXB0',
    styleNonce: 'c3R5bGU=',
    scriptUri: 'https://x/dist/results.js',
    styleUri: 'https://x/media/results.css',
    language: 'en',
  };
  const html = renderResultsHtml(input);

  it('has a strict CSP with the script nonce and no inline styles or eval', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1];
    assert.ok(csp, 'a CSP meta tag');
    assert.match(csp, /^default-src &#39;none&#39;|^default-src 'none'/);
    assert.match(csp, /script-src (&#39;|')nonce-c2NyaXB0(&#39;|')/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  });

  it('loads exactly one script, with the nonce, and the stylesheet', () => {
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    assert.equal(scripts.length, 1);
    assert.match(scripts[0]!, /nonce="c2NyaXB0"/);
    assert.match(scripts[0]!, /src="https:\/\/x\/dist\/results\.js"/);
    assert.match(html, /<link rel="stylesheet" href="https:\/\/x\/media\/results\.css">/);
  });

  it('carries no data, inline script or style attribute', () => {
    assert.doesNotMatch(html, /<style\b|\sstyle=|\son\w+=/i);
    assert.match(html, /<main id="app"><\/main>/);
    const withoutScriptTag = html.replace(/<script\b[^>]*><\/script>/, '');
    assert.doesNotMatch(withoutScriptTag, /<script/);
  });

  it('escapes what goes into attributes', () => {
    const hostile = renderResultsHtml({ ...input, language: '"><script>alert(1)</script>' });
    assert.equal([...hostile.matchAll(/<script\b/g)].length, 1);
  });
});

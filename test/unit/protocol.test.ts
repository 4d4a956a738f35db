import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { isBucketSummaryList, parseHostMessage, parseWebviewMessage } from '../../src/protocol';

describe('messages from the (untrusted) webview', () => {
  it('accepts the ready handshake and known requests', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseWebviewMessage({ type: 'request', requestId: 3, method: 'listBuckets', params: {} }), { type: 'request', requestId: 3, method: 'listBuckets', params: {} });
  });

  it('drops extra fields rather than passing them on', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready', evil: '<img src=x onerror=alert(1)>' }), { type: 'ready' });
  });

  it('rejects malformed and unknown messages', () => {
    for (const raw of [
      null,
      'ready',
      [],
      { type: 'unknown' },
      { type: 'request', requestId: 0, method: 'listBuckets', params: {} },
      { type: 'request', requestId: 1.5, method: 'listBuckets', params: {} },
      { type: 'request', requestId: '1', method: 'listBuckets', params: {} },
      { type: 'request', requestId: 1, method: 'deleteEverything', params: {} },
      { type: 'request', requestId: 1, method: 'constructor', params: {} },
      { type: 'request', requestId: 1, method: 'listBuckets', params: { bucket: 'x' } },
    ]) {
      assert.equal(parseWebviewMessage(raw), undefined, JSON.stringify(raw));
    }
  });
});

describe('messages from the host', () => {
  it('accepts init, connectionChanged and responses', () => {
    const connection = { description: 'AWS', engine: 'local' };
    assert.equal(parseHostMessage({ type: 'init', strings: {}, connection })?.type, 'init');
    assert.deepEqual(parseHostMessage({ type: 'connectionChanged', connection }), { type: 'connectionChanged', connection });
    assert.deepEqual(parseHostMessage({ type: 'response', requestId: 1, ok: false, error: 'Access denied' }), { type: 'response', requestId: 1, ok: false, error: 'Access denied' });
  });

  it('rejects an error response without a message and an unknown engine', () => {
    assert.equal(parseHostMessage({ type: 'response', requestId: 1, ok: false }), undefined);
    assert.equal(parseHostMessage({ type: 'connectionChanged', connection: { description: 'x', engine: 'spark' } }), undefined);
  });

  it('checks the shape of a bucket list', () => {
    assert.ok(isBucketSummaryList([{ name: 'a', createdAt: null }, { name: 'b', createdAt: '2024-01-01T00:00:00.000Z' }]));
    assert.ok(!isBucketSummaryList([{ name: 1, createdAt: null }]));
    assert.ok(!isBucketSummaryList({ name: 'a' }));
  });
});

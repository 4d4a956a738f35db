import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { isRecord, isStringList } from '../../../src/webviewKit/guards';
import {
  Channel,
  ChannelClosedError,
  MalformedResponseError,
  RequestTimeoutError,
  parseRequest,
  parseResponse,
  type NoRequests,
  type ParamsParsers,
} from '../../../src/webviewKit/channel';

// A small protocol of its own: the webview asks `echo` and `count`; the host says `hello`.
interface Requests {
  echo: { params: { text: string }; result: string[] };
  count: { params: Record<string, never>; result: number };
}
interface Hello {
  type: 'hello';
  name: string;
}
interface Ready {
  type: 'ready';
}

const PARAMS: ParamsParsers<Requests> = {
  echo: (params) => (isRecord(params) && typeof params.text === 'string' ? { text: params.text } : undefined),
  count: (params) => (params === undefined || (isRecord(params) && Object.keys(params).length === 0) ? {} : undefined),
};

function parseAtHost(raw: unknown) {
  if (!isRecord(raw)) return undefined;
  if (raw.type === 'ready') return { type: 'ready' } as Ready;
  return parseRequest(raw, PARAMS);
}

function parseAtWebview(raw: unknown) {
  if (!isRecord(raw)) return undefined;
  if (raw.type === 'hello') return typeof raw.name === 'string' ? ({ type: 'hello', name: raw.name } as Hello) : undefined;
  return parseResponse(raw);
}

/** The webview's end: what it posts is kept, what it was told is collected. */
function webviewEnd(timeoutMs = 10_000) {
  const posted: unknown[] = [];
  const heard: Hello[] = [];
  const dropped: unknown[] = [];
  const channel = new Channel<Requests, NoRequests, Hello, Ready>({
    post: (message) => void posted.push(message),
    parse: parseAtWebview,
    onMessage: (message) => heard.push(message),
    requests: {
      echo: { timeoutMs, isResult: isStringList },
      count: { timeoutMs, isResult: (value): value is number => typeof value === 'number' },
    },
    handlers: {},
    onMalformed: (raw) => dropped.push(raw),
  });
  return { channel, posted, heard, dropped };
}

/** The host's end, answering with `handlers`. */
function hostEnd(handlers: { echo?: (text: string, signal: AbortSignal) => Promise<string[]> } = {}) {
  const posted: unknown[] = [];
  const ready: Ready[] = [];
  const dropped: unknown[] = [];
  const channel = new Channel<NoRequests, Requests, Ready, Hello>({
    post: (message) => void posted.push(message),
    parse: parseAtHost,
    onMessage: (message) => ready.push(message),
    requests: {},
    handlers: {
      echo: (params, signal) => (handlers.echo ? handlers.echo(params.text, signal) : Promise.resolve([params.text, params.text])),
      count: async () => 42,
    },
    describeFailure: (request, error) => `${request.method} failed: ${error instanceof Error ? error.message : String(error)}`,
    onMalformed: (raw) => dropped.push(raw),
    rejectedRequestError: 'Cannot accept that request.',
  });
  return { channel, posted, ready, dropped };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('webview kit: the channel', () => {
  it('sends requests with their own ids and matches each response to its request, in any order', async () => {
    const webview = webviewEnd();
    const echo = webview.channel.request('echo', { text: 'a' });
    const count = webview.channel.request('count', {});
    await tick();
    assert.deepEqual(webview.posted, [
      { type: 'request', requestId: 1, method: 'echo', params: { text: 'a' } },
      { type: 'request', requestId: 2, method: 'count', params: {} },
    ]);
    webview.channel.receive({ type: 'response', requestId: 2, ok: true, result: 7 });
    webview.channel.receive({ type: 'response', requestId: 1, ok: true, result: ['a'] });
    assert.equal(await count, 7);
    assert.deepEqual(await echo, ['a']);
  });

  it('carries a request from one end to the other and its answer back', async () => {
    const webview = webviewEnd();
    const host = hostEnd();
    const answer = webview.channel.request('echo', { text: 'hi' });
    await tick();
    for (const message of webview.posted.splice(0)) host.channel.receive(structuredClone(message));
    await tick();
    assert.deepEqual(host.posted, [{ type: 'response', requestId: 1, ok: true, result: ['hi', 'hi'] }]);
    for (const message of host.posted.splice(0)) webview.channel.receive(structuredClone(message));
    assert.deepEqual(await answer, ['hi', 'hi']);
  });

  it('rejects a request with the error the other side answered', async () => {
    const webview = webviewEnd();
    const answer = webview.channel.request('count', {});
    webview.channel.receive({ type: 'response', requestId: 1, ok: false, error: 'No access.' });
    await assert.rejects(answer, /^Error: No access\.$/);
  });

  it('passes only validated messages on, and drops malformed ones before any handler sees them', async () => {
    const host = hostEnd({ echo: () => assert.fail('a handler got a malformed request') });
    const malformed = [
      null,
      'ready',
      [],
      { type: 'unknown' },
      { type: 'request', requestId: 0, method: 'echo', params: { text: 'x' } },
      { type: 'request', requestId: 1.5, method: 'echo', params: { text: 'x' } },
      { type: 'request', requestId: '1', method: 'echo', params: { text: 'x' } },
      { type: 'request', requestId: 1, method: 'constructor', params: {} },
      { type: 'request', requestId: 1, method: 'toString', params: {} },
      { type: 'request', requestId: 1, method: 'echo', params: { text: 5 } },
      { type: 'request', requestId: 1, method: 'echo' },
    ];
    for (const raw of malformed) host.channel.receive(raw);
    host.channel.receive({ type: 'ready', extra: '<img src=x onerror=alert(1)>' });
    await tick();
    assert.deepEqual(host.dropped, malformed);
    assert.deepEqual(host.ready, [{ type: 'ready' }]);
    // Only the requests with a usable id are answered (with the rejection), so the other side does not wait.
    assert.deepEqual(host.posted, [
      { type: 'response', requestId: 1, ok: false, error: 'Cannot accept that request.' },
      { type: 'response', requestId: 1, ok: false, error: 'Cannot accept that request.' },
      { type: 'response', requestId: 1, ok: false, error: 'Cannot accept that request.' },
      { type: 'response', requestId: 1, ok: false, error: 'Cannot accept that request.' },
    ]);

    const webview = webviewEnd();
    for (const raw of [{ type: 'hello', name: 3 }, { type: 'hello' }, { type: 'response', requestId: 1 }, { type: 'response', requestId: 1, ok: false }]) {
      webview.channel.receive(raw);
    }
    webview.channel.receive({ type: 'hello', name: 'host', more: 1 });
    assert.equal(webview.dropped.length, 4);
    assert.deepEqual(webview.heard, [{ type: 'hello', name: 'host' }]);
  });

  it('rejects an answer whose result does not pass the check, and a malformed answer to a pending request', async () => {
    const webview = webviewEnd();
    const echo = webview.channel.request('echo', { text: 'a' });
    const count = webview.channel.request('count', {});
    webview.channel.receive({ type: 'response', requestId: 1, ok: true, result: [1, 2] });
    webview.channel.receive({ type: 'response', requestId: 2, ok: 'yes', result: 3 });
    await assert.rejects(echo, (e: unknown) => e instanceof MalformedResponseError && /"echo"/.test(e.message));
    await assert.rejects(count, (e: unknown) => e instanceof MalformedResponseError && /"count"/.test(e.message));
  });

  it('ignores answers to unknown or already-settled requests', async () => {
    const webview = webviewEnd();
    const count = webview.channel.request('count', {});
    webview.channel.receive({ type: 'response', requestId: 1, ok: true, result: 1 });
    webview.channel.receive({ type: 'response', requestId: 1, ok: true, result: 2 });
    webview.channel.receive({ type: 'response', requestId: 99, ok: true, result: 3 });
    assert.equal(await count, 1);
  });

  it('times a request out', async () => {
    const webview = webviewEnd(5);
    await assert.rejects(webview.channel.request('count', {}), (e: unknown) => e instanceof RequestTimeoutError && /count/.test(e.message));
  });

  it('on dispose rejects what is pending and every later request, aborts the work being answered, and sends nothing more', async () => {
    const webview = webviewEnd();
    const pending = webview.channel.request('count', {});
    webview.channel.dispose('The panel was closed.');
    await assert.rejects(pending, (e: unknown) => e instanceof ChannelClosedError && e.message === 'The panel was closed.');
    await assert.rejects(webview.channel.request('count', {}), ChannelClosedError);
    assert.equal(await webview.channel.send({ type: 'ready' }), false);
    assert.equal(webview.posted.length, 1);

    let aborted = false;
    const host = hostEnd({
      echo: (_text, signal) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          }),
        ),
    });
    host.channel.receive({ type: 'request', requestId: 1, method: 'echo', params: { text: 'x' } });
    host.channel.dispose();
    await tick();
    assert.ok(aborted);
    assert.deepEqual(host.posted, []);
  });

  it('drops answers owed to a previous document of the other side', async () => {
    let finish: (value: string[]) => void = () => undefined;
    const host = hostEnd({ echo: () => new Promise((resolve) => (finish = resolve)) });
    host.channel.receive({ type: 'request', requestId: 1, method: 'echo', params: { text: 'x' } });
    host.channel.peerRestarted();
    host.channel.receive({ type: 'request', requestId: 1, method: 'count', params: {} });
    finish(['stale']);
    await tick();
    assert.deepEqual(host.posted, [{ type: 'response', requestId: 1, ok: true, result: 42 }]);
  });

  it('answers a failed handler with the described failure', async () => {
    const host = hostEnd({ echo: () => Promise.reject(new Error('S3 said no')) });
    host.channel.receive({ type: 'request', requestId: 3, method: 'echo', params: { text: 'x' } });
    await tick();
    assert.deepEqual(host.posted, [{ type: 'response', requestId: 3, ok: false, error: 'echo failed: S3 said no' }]);
  });
});

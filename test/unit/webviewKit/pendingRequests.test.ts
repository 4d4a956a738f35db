import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { ChannelClosedError, PendingRequests, RequestTimeoutError } from '../../../src/webviewKit/pendingRequests';

describe('PendingRequests', () => {
  it('gives each request its own id and settles it by that id', async () => {
    const pending = new PendingRequests();
    const a = pending.open<string>('a', 10_000);
    const b = pending.open<string>('b', 10_000);
    assert.notEqual(a.requestId, b.requestId);
    assert.ok(pending.resolve(b.requestId, 'B'));
    assert.ok(pending.reject(a.requestId, new Error('nope')));
    assert.equal(await b.result, 'B');
    await assert.rejects(a.result, /nope/);
    assert.equal(pending.size, 0);
  });

  it('ignores an answer to an unknown or already-settled request', async () => {
    const pending = new PendingRequests();
    const a = pending.open('a', 10_000);
    assert.ok(pending.resolve(a.requestId, 1));
    assert.equal(pending.resolve(a.requestId, 2), false);
    assert.equal(pending.resolve(999, 3), false);
    assert.equal(await a.result, 1);
  });

  it('rejects a request that gets no answer in time', async () => {
    const pending = new PendingRequests();
    const a = pending.open('listBuckets', 5);
    await assert.rejects(a.result, (e: unknown) => e instanceof RequestTimeoutError && /listBuckets/.test(e.message));
    assert.equal(pending.size, 0);
  });

  it('rejects everything pending, and every later request, when the channel closes', async () => {
    const pending = new PendingRequests();
    const a = pending.open('a', 10_000);
    pending.close('The panel was closed.');
    await assert.rejects(a.result, (e: unknown) => e instanceof ChannelClosedError && e.message === 'The panel was closed.');
    await assert.rejects(pending.open('b', 10_000).result, ChannelClosedError);
    assert.equal(pending.size, 0);
  });
});

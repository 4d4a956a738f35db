import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { isTransientError, raceAbort, withRetries } from '../../src/aws/backoff';
import { BoundedQueue } from '../../src/core/retention/boundedQueue';

const fast = { attempts: 4, baseDelayMs: 1, maxDelayMs: 2 };
const s3Error = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe('retries for bulk requests', () => {
  it('counts throttling, server errors and dropped connections as transient, and nothing else', () => {
    assert.ok(isTransientError(s3Error('SlowDown', 503)));
    assert.ok(isTransientError(s3Error('InternalError', 500)));
    assert.ok(isTransientError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })));
    assert.ok(isTransientError(new Error('socket hang up')));
    assert.ok(isTransientError(Object.assign(new Error('t'), { name: 'TimeoutError' })));
    assert.ok(!isTransientError(s3Error('AccessDenied', 403)));
    assert.ok(!isTransientError(s3Error('NoSuchKey', 404)));
    assert.ok(!isTransientError(Object.assign(new Error('aborted'), { name: 'AbortError' })));
  });

  it('retries a transient failure until it succeeds, and reports each retry', async () => {
    let calls = 0;
    let retries = 0;
    const value = await withRetries(
      async () => {
        if (++calls < 3) throw s3Error('SlowDown', 503);
        return 'ok';
      },
      { policy: fast, onRetry: (n) => (retries += n) },
    );
    assert.equal(value, 'ok');
    assert.equal(calls, 3);
    assert.equal(retries, 2);
  });

  it('gives up after its attempts, and at once on an error that will not pass', async () => {
    let calls = 0;
    const failing = (name: string, status: number) => async () => {
      calls++;
      throw s3Error(name, status);
    };
    await assert.rejects(withRetries(failing('SlowDown', 503), { policy: fast }), /SlowDown/);
    assert.equal(calls, 4);
    calls = 0;
    await assert.rejects(withRetries(failing('AccessDenied', 403), { policy: fast }), /AccessDenied/);
    assert.equal(calls, 1);
  });

  it('counts the retries the SDK made itself', async () => {
    let retries = 0;
    await withRetries(async () => ({ $metadata: { attempts: 3 } }), { policy: fast, onRetry: (n) => (retries += n) });
    assert.equal(retries, 2);
  });

  it('stops waiting for a request when cancelled, and the late answer does no harm', async () => {
    const controller = new AbortController();
    let answer!: (v: string) => void;
    const pending = raceAbort(new Promise<string>((resolve) => (answer = resolve)), controller.signal);
    controller.abort();
    await assert.rejects(pending, { name: 'AbortError' });
    answer('late');
    await assert.rejects(raceAbort(Promise.reject(new Error('late failure')), controller.signal), { name: 'AbortError' });
  });
});

describe('BoundedQueue', () => {
  it('makes the producer wait while full and hands items over in order', async () => {
    const queue = new BoundedQueue<number>(2);
    const pushed: number[] = [];
    const producer = (async () => {
      for (let i = 0; i < 5; i++) {
        await queue.push(i);
        pushed.push(i);
      }
      queue.close();
    })();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(pushed, [0, 1], 'the third push waits for room');
    const pulled: number[] = [];
    for (let item = await queue.pull(); item !== undefined; item = await queue.pull()) pulled.push(item);
    await producer;
    assert.deepEqual(pulled, [0, 1, 2, 3, 4]);
  });

  it('releases a waiting producer when cleared', async () => {
    const queue = new BoundedQueue<number>(1);
    await queue.push(1);
    const blocked = queue.push(2);
    queue.clear();
    assert.equal(await blocked, false);
    assert.equal(await queue.pull(), undefined);
  });
});

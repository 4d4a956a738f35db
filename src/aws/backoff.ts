// Retries for long runs of small S3 requests (tagging millions of objects), on top of the SDK's
// own: when S3 throttles for longer than the SDK's attempts last, one object must not fail for it.

import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 6, baseDelayMs: 250, maxDelayMs: 15_000 };

interface ErrorLike {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  cause?: unknown;
}

const TRANSIENT_NAMES = new Set([
  'SlowDown',
  'InternalError',
  'ServiceUnavailable',
  'RequestTimeout',
  'ThrottlingException',
  'TooManyRequestsException',
  'TimeoutError',
]);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

export function isAbortError(error: unknown): boolean {
  const e = error as ErrorLike | undefined;
  return e?.name === 'AbortError' || e?.code === 'ABORT_ERR';
}

/** Throttling, a server error or a dropped connection: worth trying again after a pause. */
export function isTransientError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || isAbortError(error)) return false;
  const e = error as ErrorLike;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status === 429 || status >= 500)) return true;
  if (TRANSIENT_NAMES.has(e.name ?? '')) return true;
  const code = e.code ?? (e.cause as ErrorLike | undefined)?.code ?? '';
  if (TRANSIENT_CODES.has(code)) return true;
  return /socket hang up|ECONNRESET|EPIPE|other side closed/i.test(e.message ?? '');
}

/** Requests the SDK itself retried before answering (its `$metadata.attempts`). */
export function sdkRetries(responseOrError: unknown): number {
  const attempts = (responseOrError as ErrorLike | undefined)?.$metadata?.attempts;
  return typeof attempts === 'number' && attempts > 1 ? attempts - 1 : 0;
}

/**
 * Calls `send` until it succeeds, fails with an error that is not transient, or runs out of
 * attempts; waits between tries with exponential backoff and full jitter, so many workers
 * throttled at once do not come back at once. `onRetry` hears of every retry, the SDK's included.
 */
export async function withRetries<T>(
  send: () => Promise<T>,
  options: { policy?: RetryPolicy; signal?: AbortSignal; onRetry?: (count: number) => void; random?: () => number } = {},
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await send();
      const retried = sdkRetries(response);
      if (retried) options.onRetry?.(retried);
      return response;
    } catch (error) {
      const retried = sdkRetries(error);
      if (retried) options.onRetry?.(retried);
      if (options.signal?.aborted || attempt >= policy.attempts || !isTransientError(error)) throw error;
      options.onRetry?.(1);
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await sleep(Math.round(random() * ceiling), undefined, options.signal ? { signal: options.signal } : undefined);
    }
  }
}

/**
 * Settles with `request`, or rejects with an AbortError as soon as `signal` aborts. The request
 * itself goes on (its outcome is ignored); callers destroy the client to cut it short. This lets
 * bulk code send without per-request options, which the SDK's middleware cache requires.
 */
export function raceAbort<T>(request: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    request.catch(() => undefined);
    return Promise.reject(abortError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    request.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function abortError(signal: AbortSignal): Error {
  const error = new Error(typeof signal.reason === 'string' ? `aborted: ${signal.reason}` : 'aborted', { cause: signal.reason });
  error.name = 'AbortError';
  return error;
}

// The machinery a tagging run and an undo share: a pool of workers over one AbortController, the
// retry policy, a rate over a sliding window, periodic ticks, and a stop when too much fails.

import { setMaxListeners } from 'node:events';
import type { ObjectFailure } from '../core/retention/runStore';
import { DEFAULT_RETRY_POLICY, isAbortError, raceAbort, withRetries, type RetryPolicy } from './backoff';

const FAILURES_KEPT = 50;
const RATE_WINDOW_MS = 5_000;

/** One line for a failed request, as the failures list shows it: error name, HTTP status, message. */
export function describeFailure(error: unknown): string {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  return `${e?.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${e?.message ?? String(error)}`;
}

/**
 * The machinery both runs share: a pool of workers, the retry policy, progress ticks with a rate
 * over a sliding window, periodic checkpoints of the counts, and a stop that aborts what is in flight.
 */
export class WorkerPool {
  readonly controller = new AbortController();
  readonly policy: RetryPolicy;
  retries = 0;
  finished = 0;
  failures: ObjectFailure[] = [];
  fatal: unknown;
  private consecutiveFailures = 0;
  private readonly samples: [number, number][] = [];
  private timers: NodeJS.Timeout[] = [];
  private readonly onAbort = () => this.controller.abort();

  constructor(
    private readonly userSignal: AbortSignal | undefined,
    retry: Partial<RetryPolicy> | undefined,
    private readonly failureLimit: number,
  ) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...retry };
    // Every request in flight listens on the signal: more than Node's default of 10 is expected.
    setMaxListeners(0, this.controller.signal);
    if (userSignal?.aborted) this.controller.abort();
    userSignal?.addEventListener('abort', this.onAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }
  get cancelled(): boolean {
    return this.userSignal?.aborted === true;
  }

  /**
   * One object request, retried. Sent without per-request options so a client made with
   * `cacheMiddleware` resolves the SDK's middleware once per command type; cancel races it.
   */
  send<T>(request: () => Promise<T>): Promise<T> {
    return withRetries(() => raceAbort(request(), this.signal), { policy: this.policy, signal: this.signal, onRetry: (n) => (this.retries += n) });
  }

  succeeded(): void {
    this.finished++;
    this.consecutiveFailures = 0;
  }

  /** One object could not be done; many in a row with no success means the run cannot go on. */
  failed(key: string, versionId: string | null, error: unknown): void {
    this.finished++;
    if (this.failures.length < FAILURES_KEPT) this.failures.push({ key, versionId, reason: describeFailure(error) });
    if (++this.consecutiveFailures >= this.failureLimit)
      this.stop(new Error(`${this.consecutiveFailures} objects in a row failed, the last with ${describeFailure(error)}`));
  }

  stop(fatal: unknown): void {
    this.fatal ??= fatal;
    this.controller.abort();
  }

  rate(): number {
    const now = Date.now();
    this.samples.push([now, this.finished]);
    while (this.samples.length > 2 && now - this.samples[0]![0] > RATE_WINDOW_MS) this.samples.shift();
    const [t0, n0] = this.samples[0]!;
    return now - t0 > 0 ? ((this.finished - n0) * 1000) / (now - t0) : 0;
  }

  every(ms: number, tick: () => void): void {
    const timer = setInterval(tick, ms);
    timer.unref();
    this.timers.push(timer);
  }

  async runWorkers(concurrency: number, worker: () => Promise<void>): Promise<void> {
    const results = await Promise.allSettled(Array.from({ length: concurrency }, worker));
    for (const r of results) if (r.status === 'rejected' && !isAbortError(r.reason) && !this.signal.aborted) this.stop(r.reason);
  }

  dispose(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.userSignal?.removeEventListener('abort', this.onAbort);
  }
}

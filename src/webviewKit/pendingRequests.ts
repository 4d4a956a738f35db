// Request/response bookkeeping for a message channel (host ↔ webview): ids, timeouts, and
// rejection of everything still pending when the channel closes, so no caller waits forever.

export class RequestTimeoutError extends Error {
  constructor(method: string, timeoutMs: number) {
    super(`"${method}" got no answer within ${Math.round(timeoutMs / 1000)} s`);
    this.name = 'RequestTimeoutError';
  }
}

export class ChannelClosedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'ChannelClosedError';
  }
}

interface Pending {
  method: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class PendingRequests {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedReason: string | undefined;

  /** Registers a request; returns its id and a promise settled by `resolve`/`reject`, a timeout or `close`. */
  open<T>(method: string, timeoutMs: number): { requestId: number; result: Promise<T> } {
    const requestId = this.nextId++;
    if (this.closedReason !== undefined) {
      return { requestId, result: Promise.reject(new ChannelClosedError(this.closedReason)) };
    }
    const result = new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new RequestTimeoutError(method, timeoutMs));
      }, timeoutMs);
      this.pending.set(requestId, { method, resolve: resolve as (value: unknown) => void, reject, timer });
    });
    return { requestId, result };
  }

  /** Settles a request; answers to unknown or already-settled ids are ignored and reported as false. */
  resolve(requestId: number, value: unknown): boolean {
    const entry = this.take(requestId);
    entry?.resolve(value);
    return entry !== undefined;
  }

  reject(requestId: number, error: Error): boolean {
    const entry = this.take(requestId);
    entry?.reject(error);
    return entry !== undefined;
  }

  /** The method of a request still pending. */
  methodOf(requestId: number): string | undefined {
    return this.pending.get(requestId)?.method;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Rejects every pending request and any later one: the other side is gone. */
  close(reason: string): void {
    this.closedReason = reason;
    for (const [id, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.reject(new ChannelClosedError(reason));
      this.pending.delete(id);
    }
  }

  private take(requestId: number): Pending | undefined {
    const entry = this.pending.get(requestId);
    if (entry) {
      clearTimeout(entry.timer);
      this.pending.delete(requestId);
    }
    return entry;
  }
}

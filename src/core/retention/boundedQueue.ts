// A small bounded queue between one producer (a listing) and many consumers (request workers): the
// producer waits while it is full, so a listing of ten million keys never sits in memory at once.

export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  private readonly takers: ((item: T | undefined) => void)[] = [];
  private readonly givers: (() => void)[] = [];
  private closed = false;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.items.length - this.head;
  }

  /** Waits for room; false when the queue was closed (the consumers are gone or done). */
  async push(item: T): Promise<boolean> {
    while (!this.closed && this.size >= this.capacity) await new Promise<void>((resolve) => this.givers.push(resolve));
    if (this.closed) return false;
    const taker = this.takers.shift();
    if (taker) taker(item);
    else this.items.push(item);
    return true;
  }

  /** The next item; undefined once the queue is closed and drained. */
  async pull(): Promise<T | undefined> {
    if (this.size > 0) {
      const item = this.items[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      this.givers.shift()?.();
      return item;
    }
    if (this.closed) return undefined;
    return new Promise((resolve) => this.takers.push(resolve));
  }

  /** No more items: consumers drain what is left, then get undefined; waiting producers get false. */
  close(): void {
    this.closed = true;
    for (const taker of this.takers.splice(0)) taker(undefined);
    for (const giver of this.givers.splice(0)) giver();
  }

  /** Drops what is queued as well (cancellation). */
  clear(): void {
    this.items = [];
    this.head = 0;
    this.close();
  }
}

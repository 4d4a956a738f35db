// One level of the tree while the user pages through it: the items loaded so far, the token that
// continues the listing, and a cap — past it the earliest items are let go, so memory stays flat
// however far someone pages through a prefix with millions of keys.

export class PagedLevel<T> {
  private loaded: T[] = [];
  /** Items let go from the front to stay under the cap. */
  dropped = 0;
  /** Continues the listing; undefined once the last page has arrived. */
  nextToken: string | undefined;
  pages = 0;

  constructor(private readonly maxItems: number) {}

  get items(): readonly T[] {
    return this.loaded;
  }

  get hasMore(): boolean {
    return this.nextToken !== undefined;
  }

  append(page: readonly T[], nextToken: string | undefined): void {
    this.loaded.push(...page);
    this.nextToken = nextToken;
    this.pages++;
    const excess = this.loaded.length - this.maxItems;
    if (excess > 0) {
      this.loaded = this.loaded.slice(excess);
      this.dropped += excess;
    }
  }
}

// The webview kit's virtual rows: a grid body of fixed-height rows of which only the visible ones
// (plus an overscan) are in the DOM, recycled as the user scrolls. The body is as tall as all rows
// together, so the scrollbar is right for 100k rows. Rows are placed and the body sized through the
// CSSOM (`element.style`), which the CSP allows; no style attribute is written as markup.
// The grid keeps its own columns, cells and keyboard model; this only manages which rows exist.

export interface VirtualRowsOptions<Model> {
  /** The scrolling element (role=grid); its aria-rowcount is kept up to date. */
  viewport: HTMLElement;
  /** The element the rows are placed in, below the header. */
  body: HTMLElement;
  /** Every row's height in px: must match the stylesheet. */
  rowHeight: number;
  /** Rows rendered beyond each edge of the visible ones. */
  overscan: number;
  /** Header rows above the body, for aria-rowindex and aria-rowcount (default 1). */
  headerRows?: number;
  /** The height of what sticks to the top of the viewport (the header): the rows show below it. */
  headerHeight(): number;
  /** What the rows show, read once per pass; undefined: nothing to show yet, the rows stay as they are. */
  model(): Model | undefined;
  count(model: Model): number;
  /** A new row element; `fill` gives it its content. */
  create(model: Model): HTMLElement;
  /** Shows row `index` in `node` (which is already placed and numbered). */
  fill(model: Model, node: HTMLElement, index: number): void;
  /** After the rendered rows changed (to point aria-activedescendant at a rendered row, say). */
  afterRender?(model: Model): void;
  /** The user scrolled the viewport. */
  onScroll?(): void;
}

export class VirtualRows<Model> {
  private readonly rendered = new Map<number, HTMLElement>();
  private readonly spare: HTMLElement[] = [];
  private frame: number | undefined;

  constructor(private readonly options: VirtualRowsOptions<Model>) {
    options.viewport.addEventListener(
      'scroll',
      () => {
        this.schedule();
        options.onScroll?.();
      },
      { passive: true },
    );
    new ResizeObserver(() => this.schedule()).observe(options.viewport);
  }

  /** Renders at the next animation frame (once, however often it is asked for). */
  schedule(): void {
    this.frame ??= requestAnimationFrame(() => {
      this.frame = undefined;
      this.render();
    });
  }

  /** Makes the rows in view (and the overscan) exist, and lets go of the others. */
  render(): void {
    const model = this.options.model();
    if (model !== undefined) this.renderWith(model);
  }

  /** The rows' data changed: every rendered row is filled again (those past the end let go), then rendered. */
  refresh(): void {
    const model = this.options.model();
    if (model === undefined) return;
    const count = this.options.count(model);
    for (const [index, node] of this.rendered) {
      if (index < count) this.fillRow(model, node, index);
      else this.release(index, node);
    }
    this.renderWith(model);
  }

  /** Forgets every row element (the rows changed shape: other columns, another language). */
  reset(): void {
    for (const node of this.rendered.values()) node.remove();
    this.rendered.clear();
    this.spare.length = 0;
  }

  /** The number of rows changed: the body's height and the grid's aria-rowcount. */
  setRowCount(count: number): void {
    this.options.body.style.height = `${count * this.options.rowHeight}px`;
    this.options.viewport.setAttribute('aria-rowcount', String(count + (this.options.headerRows ?? 1)));
  }

  isRendered(index: number): boolean {
    return this.rendered.has(index);
  }

  /** Rows that PageUp/PageDown move by: a screenful, less one row kept in view. */
  pageRows(): number {
    return Math.max(1, Math.floor((this.options.viewport.clientHeight - this.options.headerHeight()) / this.options.rowHeight) - 1);
  }

  /** Scrolls as little as needed to show row `index` whole, and renders (the row may not exist yet). */
  scrollIntoView(index: number): void {
    const { viewport, rowHeight } = this.options;
    const visibleHeight = viewport.clientHeight - this.options.headerHeight();
    const top = index * rowHeight;
    if (top < viewport.scrollTop) viewport.scrollTop = top;
    else if (top + rowHeight > viewport.scrollTop + visibleHeight) viewport.scrollTop = top + rowHeight - visibleHeight;
    this.render();
  }

  private renderWith(model: Model): void {
    const { viewport, rowHeight, overscan } = this.options;
    const top = viewport.scrollTop;
    const height = Math.max(0, viewport.clientHeight - this.options.headerHeight());
    const start = Math.max(0, Math.floor(top / rowHeight) - overscan);
    const end = Math.min(this.options.count(model), Math.ceil((top + height) / rowHeight) + overscan);
    for (const [index, node] of this.rendered) if (index < start || index >= end) this.release(index, node);
    for (let index = start; index < end; index++) {
      if (this.rendered.has(index)) continue;
      const node = this.spare.pop() ?? this.options.create(model);
      this.fillRow(model, node, index);
      this.options.body.appendChild(node);
      this.rendered.set(index, node);
    }
    this.options.afterRender?.(model);
  }

  private fillRow(model: Model, node: HTMLElement, index: number): void {
    node.style.transform = `translateY(${index * this.options.rowHeight}px)`;
    node.setAttribute('aria-rowindex', String(index + 1 + (this.options.headerRows ?? 1)));
    this.options.fill(model, node, index);
  }

  private release(index: number, node: HTMLElement): void {
    this.rendered.delete(index);
    node.remove();
    this.spare.push(node);
  }
}

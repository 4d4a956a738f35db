// The webview kit's DOM builder, the one way webview code makes elements. Attributes are set with
// setAttribute and strings become text nodes: data never becomes markup (no innerHTML anywhere),
// and no style attribute is written (the CSP forbids inline styles; positions go through the CSSOM).
// The browser half of the webview kit; the half shared with the host is in src/webviewKit.

/** A child: a node, or a string (a text node). `null`, `undefined` and `false` are left out, for `cond && child`. */
export type Child = Node | string | null | undefined | false;

/** An element with attributes and children; strings become text nodes, never markup. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes?: Record<string, string>,
  children?: readonly Child[],
): HTMLElementTagNameMap[K];
/** A custom element (`vscode-button`, …). */
export function element(tag: string, attributes?: Record<string, string>, children?: readonly Child[]): HTMLElement;
export function element(tag: string, attributes: Record<string, string> = {}, children: readonly Child[] = []): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  append(node, children);
  return node;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** Replaces the children of `parent` (no HTML parsing involved). */
export function replaceChildren(parent: Element, children: readonly Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

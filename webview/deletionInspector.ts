// The deletion player's pixel inspector: what a pixel of the image covers (its segment prefix, key
// range and objects), asked of the host for the pixel under the pointer — or under the keyboard's
// marker, moved with Shift and the arrow keys — one request at a time, the newest pixel winning,
// answers kept in a small cache. Shown in a tooltip beside the pixel; the keyboard's is announced.

import { formatCount } from '../src/core/format';
import type { PanelStrings, PixelDescription } from '../src/panelProtocol';
import type { DeletionImage } from './deletionImage';
import { element, replaceChildren } from './kit/dom';

const CACHE_SIZE = 512;

export interface InspectorHost {
  locale: string;
  describe(x: number, y: number): Promise<PixelDescription | null>;
  /** Pixels are described only once the reading completed. */
  canDescribe(): boolean;
  announce(text: string): void;
  onError(message: string): void;
}

export class PixelInspector {
  private at: { x: number; y: number; fromKeyboard: boolean } | undefined;
  /** Where the keyboard's marker is (it stays when the pointer moves). */
  private marker: { x: number; y: number } | undefined;
  private inFlight = false;
  private disposed = false;
  private readonly cache = new Map<number, PixelDescription | null>();
  /** Removes the listeners on the canvas (the stage is rebuilt, or the session is gone). */
  private readonly listening = new AbortController();

  constructor(
    private readonly host: InspectorHost,
    private readonly strings: PanelStrings,
    private readonly image: DeletionImage,
    private readonly parts: { wrap: HTMLElement; tooltip: HTMLElement; marker: HTMLElement },
  ) {
    const canvas = image.canvas;
    const signal = this.listening.signal;
    canvas.addEventListener(
      'pointermove',
      (event) => {
        const pixel = image.pixelAt(event.clientX, event.clientY);
        if (pixel) this.inspect(pixel.x, pixel.y, false);
        else this.hide();
      },
      { signal },
    );
    canvas.addEventListener('pointerleave', () => this.hide(), { signal });
    canvas.addEventListener('blur', () => this.hide(), { signal });
  }

  /** Shift+Arrow (Alt: by one pixel, else by a 32nd of the image); true when the key was the inspector's. */
  onKey(event: KeyboardEvent): boolean {
    if (!event.shiftKey || !event.key.startsWith('Arrow')) return false;
    const { width, height } = this.image;
    const step = event.altKey ? 1 : Math.max(1, Math.round(width / 32));
    const dx = event.key === 'ArrowLeft' ? -step : event.key === 'ArrowRight' ? step : 0;
    const dy = event.key === 'ArrowUp' ? -step : event.key === 'ArrowDown' ? step : 0;
    // The first press puts the marker in the middle of the image.
    this.marker = this.marker
      ? { x: clamp(this.marker.x + dx, width), y: clamp(this.marker.y + dy, height) }
      : { x: Math.floor(width / 2), y: Math.floor(height / 2) };
    this.inspect(this.marker.x, this.marker.y, true);
    return true;
  }

  /** Shows the pixel again (the reading completed, or the frame changed under the pointer). */
  refresh(): void {
    if (this.at) {
      this.render();
      this.ask();
    }
  }

  hide(): void {
    this.at = undefined;
    this.parts.tooltip.hidden = true;
    this.parts.marker.hidden = true;
  }

  /** The session it inspects is gone: answers still on their way are dropped. */
  dispose(): void {
    this.disposed = true;
    this.listening.abort();
    this.hide();
  }

  private inspect(x: number, y: number, fromKeyboard: boolean): void {
    this.at = { x, y, fromKeyboard };
    this.render();
    this.ask();
  }

  private ask(): void {
    const at = this.at;
    if (!at || this.inFlight || this.disposed || !this.host.canDescribe()) return;
    const key = at.y * this.image.width + at.x;
    if (this.cache.has(key)) return;
    this.inFlight = true;
    this.host
      .describe(at.x, at.y)
      .then((described) => {
        if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
        this.cache.set(key, described);
      })
      .catch((error: unknown) => {
        if (!this.disposed) this.host.onError(error instanceof Error ? error.message : String(error));
      })
      .finally(() => {
        this.inFlight = false;
        if (this.disposed) return;
        this.render();
        this.ask();
      });
  }

  private render(): void {
    const { strings, at } = this;
    if (!at) return;
    const { tooltip, wrap, marker } = this.parts;
    const described = this.cache.get(at.y * this.image.width + at.x);
    let lines: (HTMLElement | string)[];
    delete tooltip.dataset.prefix;
    if (!this.host.canDescribe()) lines = [strings.deletionHoverNotReady];
    else if (described === undefined) lines = [strings.deletionHoverLooking];
    else if (described === null) lines = [strings.deletionHoverNone];
    else {
      tooltip.dataset.prefix = described.segmentPrefix;
      lines = [
        element('dl', {}, [
          element('dt', {}, [strings.deletionHoverSegment]),
          element('dd', { class: 'tooltip-prefix' }, [described.segmentPrefix]),
          element('dt', {}, [strings.deletionHoverKeys]),
          element('dd', { class: 'tooltip-keys' }, [`${described.firstKey} … ${described.lastKey}`]),
          element('dt', {}, [strings.deletionHoverObjects]),
          element('dd', {}, [formatCount(described.objects, this.host.locale)]),
        ]),
      ];
    }
    replaceChildren(tooltip, [element('div', { class: 'tooltip-position' }, [`(${at.x}, ${at.y})`]), ...lines]);
    tooltip.hidden = false;
    const point = this.image.pointOf(at.x, at.y);
    // Beside the pixel, flipped to stay inside the image's box.
    const left = point.left + 12 + tooltip.offsetWidth > wrap.clientWidth ? Math.max(0, point.left - 12 - tooltip.offsetWidth) : point.left + 12;
    const top = point.top + 12 + tooltip.offsetHeight > wrap.clientHeight ? Math.max(0, point.top - 12 - tooltip.offsetHeight) : point.top + 12;
    tooltip.style.left = `${left}px`;
    tooltip.style.top = `${top}px`;
    marker.hidden = !at.fromKeyboard;
    if (at.fromKeyboard) {
      marker.style.left = `${point.left}px`;
      marker.style.top = `${point.top}px`;
      this.host.announce(tooltip.textContent ?? '');
    }
  }
}

function clamp(value: number, size: number): number {
  return Math.min(size - 1, Math.max(0, value));
}

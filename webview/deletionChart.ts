// The deletion player's stacked-area chart: the objects in each state over the frames, in the
// states' own colours (the data's colours, as in the image), with a line at the frame shown. A
// click or drag on it goes to a frame. Drawn on a <canvas> at the device's pixel ratio.

import { STATE_COUNT } from '../src/core/deletion/model';
import type { DeletionTimeline } from '../src/core/deletion/timeline';
import { element } from './kit/dom';

const HEIGHT = 120;

export class DeletionChart {
  readonly canvas: HTMLCanvasElement;
  private drawPending = false;

  constructor(
    label: string,
    private readonly data: () => { timeline: DeletionTimeline; colours: string[]; shown: number } | undefined,
    seek: (frame: number) => void,
  ) {
    this.canvas = element('canvas', { id: 'deletion-chart', class: 'deletion-chart', role: 'img', 'aria-label': label, height: String(HEIGHT) });
    let dragging = false;
    const seekTo = (event: PointerEvent) => {
      const model = this.data();
      const box = this.canvas.getBoundingClientRect();
      if (!model || box.width === 0) return;
      const frame = model.timeline.frameAt((event.clientX - box.left) / box.width);
      if (frame >= 0) seek(frame);
    };
    this.canvas.addEventListener('pointerdown', (event) => {
      dragging = true;
      this.canvas.setPointerCapture(event.pointerId);
      seekTo(event);
    });
    this.canvas.addEventListener('pointermove', (event) => dragging && seekTo(event));
    this.canvas.addEventListener('pointerup', () => (dragging = false));
    new ResizeObserver(() => this.schedule()).observe(this.canvas);
  }

  /** Redraws at the next animation frame (once, however often it is asked for). */
  schedule(): void {
    if (this.drawPending) return;
    this.drawPending = true;
    requestAnimationFrame(() => {
      this.drawPending = false;
      this.draw();
    });
  }

  private draw(): void {
    const model = this.data();
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(this.canvas.clientWidth * ratio));
    const height = Math.round(HEIGHT * ratio);
    if (this.canvas.width !== width) this.canvas.width = width;
    if (this.canvas.height !== height) this.canvas.height = height;
    const context = this.canvas.getContext('2d')!;
    context.clearRect(0, 0, width, height);
    if (!model) return;
    const { frames, tops } = model.timeline.stackedColumns(width);
    let last = -1;
    for (let c = 0; c < width; c++) if (frames[c]! >= 0) last = c;
    if (last < 0) return;
    // Each state's band, from the top of the one below it to its own top.
    for (let s = STATE_COUNT - 1; s >= 0; s--) {
      context.fillStyle = model.colours[s] ?? 'transparent';
      context.beginPath();
      context.moveTo(0, height);
      for (let c = 0; c <= last; c++) context.lineTo(c, height - tops[c * STATE_COUNT + s]! * height);
      context.lineTo(last + 1, height - tops[last * STATE_COUNT + s]! * height);
      context.lineTo(last + 1, height);
      context.closePath();
      context.fill();
    }
    if (model.shown >= 0) {
      const x = ((model.shown + 0.5) / model.timeline.span) * width;
      context.strokeStyle = getComputedStyle(this.canvas).color;
      context.lineWidth = Math.max(1, ratio * 1.5);
      context.beginPath();
      context.moveTo(x, 0);
      context.lineTo(x, height);
      context.stroke();
    }
  }
}

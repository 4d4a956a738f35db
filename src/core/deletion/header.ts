// The header band above the deletion image, like the original write-up's: the bucket's time, the
// time elapsed since the first frame, deletions per second in this frame, anomalies so far, and the
// objects in each state beside its colour. Its fields have fixed places, sized for the largest
// value they can show, so from one frame to the next only the digits that change are redrawn.

import { drawText, fillRect, GLYPH_ADVANCE, GLYPH_HEIGHT, type IndexedTarget, textWidth } from './font';
import { STATE_COUNT } from './model';
import { HEADER_BACKGROUND_INDEX, HEADER_LABEL_INDEX, HEADER_TEXT_INDEX } from './palette';

const STATE_LABELS = ['PRESENT', 'TRANSITIONED', 'DELETE MARKER', 'VERSION EXPIRED', 'GONE'];

export interface HeaderValues {
  /** The bucket's start (ms since the epoch, UTC). */
  bucketStart: number;
  /** Since the first frame's bucket. */
  elapsedMs: number;
  /** Lifecycle deletion events applied in this frame per second of its bucket; undefined when the bucket's length is unknown. */
  deletionsPerSecond: number | undefined;
  counts: ArrayLike<number>;
  anomalies: number;
}

interface Field {
  x: number;
  y: number;
  /** Characters the value can take (right-aligned in them), or 0 for a fixed label. */
  chars: number;
  label: string;
  /** A colour swatch before the label. */
  swatch?: number;
  value: (v: HeaderValues) => string;
}

export class HeaderBand {
  readonly height: number;
  private readonly scale: number;
  private readonly fields: Field[] = [];

  constructor(
    readonly width: number,
    objects: number,
  ) {
    // Legible at the usual sizes: 5×7 glyphs doubled at 1000 pixels wide.
    this.scale = Math.max(1, Math.floor(width / 500));
    const s = this.scale;
    const countChars = formatCount(objects).length;
    const pad = 3 * s;
    const lineHeight = (GLYPH_HEIGHT + 4) * s;
    const gap = 2 * GLYPH_ADVANCE * s;
    let x = pad;
    let y = pad;
    // Fields flow left to right and wrap; a field wider than the whole band is left out (a narrow
    // image shows what fits, and with nothing that fits it has no band at all).
    const place = (field: Omit<Field, 'x' | 'y'>, newLine = false) => {
      const w = this.fieldWidth(field);
      if (w > width - 2 * pad) return;
      if (this.fields.length > 0 && (newLine || (x > pad && x + w > width - pad))) {
        x = pad;
        y += lineHeight;
      }
      this.fields.push({ ...field, x, y });
      x += w + gap;
    };
    place({ label: '', chars: 16, value: (v) => formatTime(v.bucketStart) });
    place({ label: 'ELAPSED ', chars: 11, value: (v) => formatElapsed(v.elapsedMs) });
    place({ label: 'DELETIONS/S ', chars: countChars + 2, value: (v) => (v.deletionsPerSecond === undefined ? '-' : formatRate(v.deletionsPerSecond)) });
    place({ label: 'ANOMALIES ', chars: countChars, value: (v) => formatCount(v.anomalies) });
    for (let state = 0; state < STATE_COUNT; state++) {
      place({ label: `${STATE_LABELS[state]} `, chars: countChars, swatch: state, value: (v) => formatCount(v.counts[state] ?? 0) }, state === 0);
    }
    this.height = this.fields.length === 0 ? 0 : y + lineHeight - 4 * s + pad;
  }

  /** Draws the whole band into `target` (at least width × height). */
  draw(target: IndexedTarget, values: HeaderValues): void {
    const s = this.scale;
    fillRect(target, 0, 0, this.width, this.height, HEADER_BACKGROUND_INDEX);
    for (const field of this.fields) {
      let x = field.x;
      if (field.swatch !== undefined) {
        fillRect(target, x, field.y, GLYPH_HEIGHT * s, GLYPH_HEIGHT * s, field.swatch);
        x += (GLYPH_HEIGHT + 2) * s;
      }
      if (field.label) x = drawText(target, x, field.y, field.label, HEADER_LABEL_INDEX, s);
      const value = field.value(values).slice(0, field.chars);
      drawText(target, x + (field.chars - value.length) * GLYPH_ADVANCE * s, field.y, value, HEADER_TEXT_INDEX, s);
    }
  }

  private fieldWidth(field: Omit<Field, 'x' | 'y'>): number {
    const swatch = field.swatch === undefined ? 0 : (GLYPH_HEIGHT + 2) * this.scale;
    return swatch + textWidth(field.label.length + field.chars, this.scale);
  }
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function formatTime(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
}

function formatElapsed(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  return `${Math.floor(minutes / 1440)}D ${pad2(Math.floor(minutes / 60) % 24)}:${pad2(minutes % 60)}`;
}

function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function formatRate(perSecond: number): string {
  return perSecond >= 10 || perSecond === 0 ? formatCount(perSecond) : perSecond.toFixed(1);
}

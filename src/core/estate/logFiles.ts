// Delivers log lines as S3 does: grouped into objects by delivery hour (one or two an hour),
// named by delivery time, foldered by the earliest event time they hold. Lines wait here only
// until their hour can no longer receive anything.

import { logObjectKey, type LogKeyParts, type LogLayout } from '../accessLog/format';
import type { Random } from '../random';
import type { FolderOutput } from './output';
import { HOUR_MS } from '../time';

const MAX_LINES_PER_FILE = 5000;

export interface PendingLine {
  time: number;
  deliveryHour: number;
  line: string;
}

export class LogDelivery {
  files = 0;
  lines = 0;
  readonly daysWithLogs = new Set<string>();
  private pending: PendingLine[] = [];

  constructor(
    private readonly output: FolderOutput,
    private readonly layout: LogLayout,
    private readonly parts: LogKeyParts,
    private readonly random: Random,
  ) {}

  add(line: PendingLine): void {
    this.pending.push(line);
  }

  /** Writes every hour before `hour` (all of them when omitted); later lines keep waiting. */
  async flushBefore(hour = Infinity): Promise<void> {
    const ready: PendingLine[] = [];
    const rest: PendingLine[] = [];
    for (const l of this.pending) (l.deliveryHour < hour ? ready : rest).push(l);
    this.pending = rest;
    if (ready.length > 0) await this.write(ready);
  }

  private async write(lines: PendingLine[]): Promise<void> {
    const byHour = new Map<number, PendingLine[]>();
    for (const line of lines) {
      let list = byHour.get(line.deliveryHour);
      if (!list) byHour.set(line.deliveryHour, (list = []));
      list.push(line);
    }
    const writes: Promise<void>[] = [];
    for (const hour of [...byHour.keys()].sort((a, b) => a - b)) {
      const hourLines = byHour.get(hour)!;
      // S3 delivers many modest log objects an hour, not one huge one: at most ~5,000 lines each.
      const split = Math.max(hourLines.length > 1 && this.random.chance(0.5) ? 2 : 1, Math.ceil(hourLines.length / MAX_LINES_PER_FILE));
      const size = Math.ceil(hourLines.length / split);
      for (let part = 0; part < split; part++) {
        const chunk = hourLines.slice(part * size, (part + 1) * size);
        if (chunk.length === 0) continue;
        let eventTime = Infinity;
        for (const l of chunk) if (l.time < eventTime) eventTime = l.time;
        const deliveredAt = (hour + 1) * HOUR_MS + this.random.int(20 * 60_000);
        const key = logObjectKey(this.layout, this.parts, eventTime, deliveredAt, this.random.hex(8).toUpperCase());
        writes.push(this.output.writeWhole(key, chunk.map((l) => l.line).join('\n') + '\n'));
        if (writes.length >= 32) await Promise.all(writes.splice(0));
        this.files++;
        this.lines += chunk.length;
        this.daysWithLogs.add(new Date(eventTime).toISOString().slice(0, 10));
      }
    }
    await Promise.all(writes);
  }
}

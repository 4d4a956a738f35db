// Append-only JSON-lines files that survive crashes: a writer that batches lines (group commit)
// and can sync them before the caller acts on them (and recovers from a failed write), and a reader
// that skips and counts torn lines.

import { createReadStream } from 'node:fs';
import { open, stat, truncate } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

export class JsonlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonlError';
  }
}

/**
 * The damaged lines a reader skipped in one file: lines that do not parse (a torn write, with a
 * good line glued behind it or not, or a cut-off last line). Shells say how many, and where.
 */
export class DamagedLines {
  count = 0;
  /** The first line numbers (1-based), for the message. */
  readonly lines: number[] = [];

  constructor(readonly path: string) {}

  add(line: number): void {
    this.count++;
    if (this.lines.length < 20) this.lines.push(line);
  }

  describe(): string {
    const more = this.count > this.lines.length ? ', …' : '';
    return `${this.count} damaged line${this.count === 1 ? '' : 's'} skipped in ${this.path} (line${this.count === 1 ? '' : 's'} ${this.lines.join(', ')}${more}); the lines around ${this.count === 1 ? 'it' : 'them'} were read`;
  }
}

/**
 * A good line glued behind a torn one (a writer that went on after a partial write, as older
 * versions did): the last complete JSON object at the end of the damaged line, if there is one.
 */
function recoverGluedLine(body: string): unknown {
  for (let at = body.indexOf('{"', 1); at > 0; at = body.indexOf('{"', at + 1)) {
    try {
      const record: unknown = JSON.parse(body.slice(at));
      if (typeof record === 'object' && record !== null && !Array.isArray(record)) return record;
    } catch {
      // Not a whole object from here on.
    }
  }
  return undefined;
}

/**
 * The whole lines of a JSON-lines file. A line that does not parse — a torn write anywhere, or
 * text after the last newline — is skipped and counted in `damaged`; the lines around it are read
 * (a good line glued behind a torn one is recovered). Without `damaged`, a damaged line in the
 * middle is an error; a torn last line is always only skipped.
 */
export async function* readJsonl(
  path: string,
  options: { mustExist?: boolean; damaged?: DamagedLines } = {},
): AsyncGenerator<{ record: unknown; line: number }> {
  const stream = createReadStream(path);
  const decoder = new StringDecoder('utf8');
  const damaged = options.damaged;
  let rest = '';
  let line = 0;
  try {
    for await (const chunk of stream) {
      const text = rest + decoder.write(chunk as Buffer);
      let start = 0;
      for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
        line++;
        const body = text.slice(start, end);
        start = end + 1;
        if (body.trim() === '') continue;
        let record: unknown;
        try {
          record = JSON.parse(body);
        } catch {
          if (!damaged) throw new JsonlError(`Line ${line} of ${path} is not valid JSON.`);
          damaged.add(line);
          record = recoverGluedLine(body);
          if (record === undefined) continue;
        }
        yield { record, line };
      }
      rest = text.slice(start);
    }
    rest += decoder.end();
    if (rest.trim() !== '') damaged?.add(line + 1);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !options.mustExist) return;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new JsonlError(`${path} does not exist.`);
    throw error;
  } finally {
    stream.destroy();
  }
}

/**
 * Cuts a torn last line off, so the next append starts on a line of its own. Safe for the audit
 * log: a line that never got its newline was never synced, so its change was never sent.
 */
async function dropTornTail(path: string): Promise<void> {
  let size;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (size === 0) return;
  const handle = await open(path, 'r');
  try {
    const block = Buffer.alloc(64 * 1024);
    let end = size;
    let keep = 0;
    let first = true;
    while (end > 0) {
      const length = Math.min(block.length, end);
      await handle.read(block, 0, length, end - length);
      const newline = block.subarray(0, length).lastIndexOf(0x0a);
      if (first && newline === length - 1) return;
      first = false;
      if (newline >= 0) {
        keep = end - length + newline + 1;
        break;
      }
      end -= length;
    }
    await truncate(path, keep);
  } finally {
    await handle.close();
  }
}

/** What the writer needs of an open file; tests put a failing one in its place. */
export interface AppendHandle {
  appendFile(text: string): Promise<void>;
  datasync(): Promise<void>;
  stat(): Promise<{ size: number }>;
  close(): Promise<void>;
}

export type OpenForAppend = (path: string) => Promise<AppendHandle>;

const openForAppend: OpenForAppend = (path) => open(path, 'a');

/**
 * Appends JSON lines with group commit: lines that arrive while a write is under way go out
 * together in the next one, so syncing costs one fdatasync per batch, not one per line. A write
 * that fails (a full disk) may have left part of its lines behind: the file is cut back to its
 * last whole line and reopened, so the next lines start on a line of their own.
 */
export class JsonlWriter {
  private handle: Promise<AppendHandle> | undefined;
  /** Bytes of whole lines in the file: where a failed write is cut back to. */
  private goodSize = 0;
  private pending: string[] = [];
  private waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly path: string,
    private readonly durable: boolean,
    private readonly openFile: OpenForAppend = openForAppend,
  ) {}

  append(record: object): Promise<void> {
    this.pending.push(JSON.stringify(record) + '\n');
    const written = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.flushing ??= this.flush();
    return written;
  }

  private async openHandle(): Promise<AppendHandle> {
    await dropTornTail(this.path);
    const handle = await this.openFile(this.path);
    try {
      this.goodSize = (await handle.stat()).size;
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    return handle;
  }

  /** After a failed write: close, cut the file back to its whole lines, and open again on the next write. */
  private async recover(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    if (!handle) return;
    const opened = await handle.catch(() => undefined);
    if (!opened) return;
    await opened.close().catch(() => undefined);
    // If this fails too, the next open cuts the torn tail off (dropTornTail).
    await truncate(this.path, this.goodSize).catch(() => undefined);
  }

  private async flush(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const text = this.pending.join('');
        const waiters = this.waiters;
        this.pending = [];
        this.waiters = [];
        try {
          this.handle ??= this.openHandle();
          const handle = await this.handle;
          await handle.appendFile(text);
          if (this.durable) await handle.datasync();
          this.goodSize += Buffer.byteLength(text);
          for (const w of waiters) w.resolve();
        } catch (error) {
          await this.recover();
          for (const w of waiters) w.reject(error);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  async close(): Promise<void> {
    await this.flushing;
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await (await handle).close();
  }
}

// Append-only JSON-lines files that survive crashes: a writer that batches lines (group commit)
// and can sync them before the caller acts on them, and a reader that drops a torn last line.

import { createReadStream } from 'node:fs';
import { open, stat, truncate, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

export class JsonlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonlError';
  }
}

/**
 * The whole lines of a JSON-lines file. Text after the last newline is a torn write and is
 * ignored; a line in the middle that does not parse is a real problem and is reported.
 */
export async function* readJsonl(path: string, options: { mustExist?: boolean } = {}): AsyncGenerator<{ record: unknown; line: number }> {
  const stream = createReadStream(path);
  const decoder = new StringDecoder('utf8');
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
          throw new JsonlError(`Line ${line} of ${path} is not valid JSON.`);
        }
        yield { record, line };
      }
      rest = text.slice(start);
    }
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

/**
 * Appends JSON lines with group commit: lines that arrive while a write is under way go out
 * together in the next one, so syncing costs one fdatasync per batch, not one per line.
 */
export class JsonlWriter {
  private handle: Promise<FileHandle> | undefined;
  private pending: string[] = [];
  private waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly path: string,
    private readonly durable: boolean,
  ) {}

  append(record: object): Promise<void> {
    this.pending.push(JSON.stringify(record) + '\n');
    const written = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.flushing ??= this.flush();
    return written;
  }

  private async flush(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const text = this.pending.join('');
        const waiters = this.waiters;
        this.pending = [];
        this.waiters = [];
        try {
          this.handle ??= dropTornTail(this.path).then(() => open(this.path, 'a'));
          const handle = await this.handle;
          await handle.appendFile(text);
          if (this.durable) await handle.datasync();
          for (const w of waiters) w.resolve();
        } catch (error) {
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

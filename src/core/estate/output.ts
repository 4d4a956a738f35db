// Where the generator writes: a folder whose layout mirrors the keys the files will have in S3.
// Text is buffered and written with back-pressure; gzip runs on libuv's thread pool, beside the
// generator's own thread. Each file reports its size and MD5, for the inventory manifest.

import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { once } from 'node:events';
import { createGzip, constants as zlibConstants } from 'node:zlib';

export interface WrittenFile {
  /** The path relative to the output folder: also the object key once uploaded. */
  path: string;
  bytes: number;
  md5: string;
}

export interface TextFile {
  write(text: string): Promise<void>;
  close(): Promise<WrittenFile>;
}

const CHUNK = 1 << 20;

/** Counts and hashes the bytes that reach the disk. */
class Measure extends Writable {
  bytes = 0;
  readonly hash = createHash('md5');
  constructor(private readonly sink: NodeJS.WritableStream) {
    super();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    if (this.sink.write(chunk)) callback();
    else this.sink.once('drain', () => callback());
  }
  override _final(callback: (error?: Error | null) => void): void {
    this.sink.end(() => callback());
  }
}

export class FolderOutput {
  private readonly madeDirs = new Set<string>();

  constructor(readonly root: string) {}

  /** Writes a whole small file at once (access-log objects); callers may run many in parallel. */
  async writeWhole(path: string, text: string): Promise<void> {
    const full = join(this.root, path);
    const dir = dirname(full);
    if (!this.madeDirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    await writeFile(full, text);
  }

  /** Opens a text file; with `gzip`, the bytes on disk are the gzip stream (deterministic at a fixed level). */
  open(path: string, options: { gzip?: boolean } = {}): TextFile {
    const full = join(this.root, path);
    mkdirSync(dirname(full), { recursive: true });
    const disk = createWriteStream(full);
    const measure = new Measure(disk);
    const gzip = options.gzip ? createGzip({ level: 6, memLevel: 8, strategy: zlibConstants.Z_DEFAULT_STRATEGY }) : undefined;
    if (gzip) gzip.pipe(measure);
    const head: Writable = gzip ?? measure;
    let buffer = '';
    const flush = async () => {
      if (buffer === '') return;
      const text = buffer;
      buffer = '';
      if (!head.write(text)) await once(head, 'drain');
    };
    return {
      async write(text: string) {
        buffer += text;
        if (buffer.length >= CHUNK) await flush();
      },
      async close() {
        await flush();
        const finished = Promise.all([once(disk, 'close'), once(measure, 'finish')]);
        head.end();
        await finished;
        return { path, bytes: measure.bytes, md5: measure.hash.digest('hex') };
      },
    };
  }
}

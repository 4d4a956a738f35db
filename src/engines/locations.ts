// Where the local engine reads its sources from: an S3 location (objects downloaded once, cached
// on disk by ETag) or a folder on this machine (file:///…). Both list recursively and hand back
// local file paths, so the loaders never care which it was.

import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import { parseS3Uri } from '../core/s3uri';

export interface LocationFile {
  /** The path below the location's root, with `/` separators (the S3 key for S3 locations). */
  key: string;
  size: number;
  etag?: string;
}

export interface LocationReader {
  /** A display name: the URI. */
  readonly uri: string;
  /** Every file whose key starts with `prefix` (relative to the root), in key order. */
  list(prefix: string, signal?: AbortSignal): Promise<LocationFile[]>;
  /** A local path holding the file's bytes (downloaded and cached for S3). */
  fetch(file: LocationFile, signal?: AbortSignal): Promise<string>;
  /** Bytes actually downloaded so far (cache hits are free). */
  readonly bytesDownloaded: number;
}

/**
 * Splits a location into a reader for its root (a bucket, or `/` for local paths) and the prefix
 * below it. `s3://b/p/` → (bucket b, `p/`); `file:///data/est/logs/` → (`/`, `data/est/logs/`).
 */
export function openLocation(uri: string, options: { s3?: () => S3Client; cacheDir: string }): { reader: LocationReader; prefix: string } {
  if (uri.startsWith('file://')) {
    const path = fileURLToPath(uri);
    return { reader: new FolderReader('/'), prefix: path.replace(/^\/+/, '') + (uri.endsWith('/') && !path.endsWith('/') ? '/' : '') };
  }
  const { bucket, key } = parseS3Uri(uri);
  if (!options.s3) throw new Error(`${uri}: reading S3 needs a connection`);
  return { reader: new S3Reader(options.s3(), bucket, options.cacheDir), prefix: key };
}

/** A local path or URI as the file:// URI the templates take; s3:// URIs pass through. */
export function toLocationUri(pathOrUri: string, cwd = process.cwd()): string {
  if (/^(s3|file):\/\//.test(pathOrUri)) return pathOrUri;
  const absolute = pathOrUri.startsWith('/') ? pathOrUri : join(cwd, pathOrUri);
  const isDir = existsSync(absolute) && statSync(absolute).isDirectory();
  return 'file://' + encodeURI(absolute.split(sep).join('/')).replace(/#/g, '%23').replace(/\?/g, '%3F') + (isDir && !absolute.endsWith('/') ? '/' : '');
}

class FolderReader implements LocationReader {
  readonly bytesDownloaded = 0;
  constructor(private readonly root: string) {}
  get uri(): string {
    return `file://${this.root}`;
  }

  async list(prefix: string): Promise<LocationFile[]> {
    // The deepest existing folder that the prefix names, then a walk below it.
    const base = prefix.endsWith('/') || prefix === '' ? prefix : prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const start = join(this.root, base);
    const files: LocationFile[] = [];
    if (!existsSync(start)) return files;
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.isFile()) {
          const key = relative(this.root, full).split(sep).join('/');
          if (key.startsWith(prefix)) files.push({ key, size: statSync(full).size });
        }
      }
    };
    walk(start);
    return files.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async fetch(file: LocationFile): Promise<string> {
    return join(this.root, file.key);
  }
}

class S3Reader implements LocationReader {
  bytesDownloaded = 0;
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly cacheDir: string,
  ) {}

  get uri(): string {
    return `s3://${this.bucket}/`;
  }

  async list(prefix: string, signal?: AbortSignal): Promise<LocationFile[]> {
    const files: LocationFile[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }), { abortSignal: signal });
      for (const o of page.Contents ?? [])
        if (o.Key && !o.Key.endsWith('/')) files.push({ key: o.Key, size: o.Size ?? 0, ...(o.ETag ? { etag: o.ETag } : {}) });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return files;
  }

  /** Downloads once per (bucket, key, ETag): a changed object has a new ETag and is fetched again. */
  async fetch(file: LocationFile, signal?: AbortSignal): Promise<string> {
    const id = createHash('sha256')
      .update(`${this.bucket}\n${file.key}\n${file.etag ?? ''}`)
      .digest('hex')
      .slice(0, 32);
    const name = file.key
      .slice(file.key.lastIndexOf('/') + 1)
      .replace(/[^A-Za-z0-9._-]/g, '_')
      .slice(-80);
    const dir = join(this.cacheDir, 'objects');
    const path = join(dir, `${id}-${name}`);
    if (file.etag && existsSync(path)) return path;
    await mkdir(dir, { recursive: true });
    const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: file.key, ...(file.etag ? { IfMatch: file.etag } : {}) }), {
      abortSignal: signal,
    });
    const partial = `${path}.partial-${process.pid}`;
    try {
      await pipeline(response.Body as Readable, createWriteStream(partial), { signal });
      await rename(partial, path);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    this.bytesDownloaded += file.size;
    return path;
  }
}

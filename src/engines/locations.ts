// Where the local engine reads its sources from: an S3 location (objects downloaded once, cached
// on disk by ETag) or a folder on this machine (file:///…). Both list recursively and hand back
// local file paths, so the loaders never care which it was.

import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { mkdir, opendir, realpath, rename, rm, stat } from 'node:fs/promises';
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

/** Which files a listing keeps (every file under the prefix when there is none). */
export interface FileSelection {
  /** Folders (key prefixes ending in `/`) may be passed over unlisted: the reader then walks folder by folder. */
  readonly prunesFolders: boolean;
  /** Whether a folder below the prefix may hold wanted files; false passes it over without listing it. */
  wantsFolder(folder: string): boolean;
  wantsFile(key: string): boolean;
  /** A symbolic link below a local folder that was not followed (it leads out of the folder, or nowhere). */
  skippedLink(key: string): void;
}

/**
 * How far a walk of a local folder goes: a location such as `file:///` must not walk the whole
 * machine. Past either bound the listing stops with an error saying to name a narrower folder.
 */
export interface FolderWalkLimits {
  /** Folder levels below the location's folder. */
  maxDepth: number;
  /** Files and folders looked at. */
  maxEntries: number;
}

/** Deep enough for a log destination above its account, region and bucket folders and yyyy/MM/dd, and an inventory destination. */
export const FOLDER_WALK_LIMITS: FolderWalkLimits = { maxDepth: 32, maxEntries: 2_000_000 };

export interface LocationReader {
  /** A display name: the URI. */
  readonly uri: string;
  /** Every file whose key starts with `prefix` (relative to the root) and that `selection` wants, in key order. */
  list(prefix: string, signal?: AbortSignal, selection?: FileSelection): Promise<LocationFile[]>;
  /** A local path holding the file's bytes (downloaded and cached for S3). */
  fetch(file: LocationFile, signal?: AbortSignal): Promise<string>;
  /** Bytes actually downloaded so far (cache hits are free). */
  readonly bytesDownloaded: number;
}

/**
 * Splits a location into a reader for its root (a bucket, or `/` for local paths) and the prefix
 * below it. `s3://b/p/` → (bucket b, `p/`); `file:///data/est/logs/` → (`/`, `data/est/logs/`).
 */
export function openLocation(
  uri: string,
  options: { s3?: () => S3Client; cacheDir: string; folderWalkLimits?: FolderWalkLimits },
): { reader: LocationReader; prefix: string } {
  if (uri.startsWith('file://')) {
    const path = fileURLToPath(uri);
    return {
      reader: new FolderReader('/', options.folderWalkLimits ?? FOLDER_WALK_LIMITS),
      prefix: path.replace(/^\/+/, '') + (uri.endsWith('/') && !path.endsWith('/') ? '/' : ''),
    };
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
  constructor(
    private readonly root: string,
    private readonly limits: FolderWalkLimits,
  ) {}
  get uri(): string {
    return `file://${this.root}`;
  }

  /**
   * A walk below the deepest existing folder that the prefix names, into the folders under the
   * prefix only, never through a symbolic link: a link inside the folder leads to files the walk
   * reaches where they are; one leading out of it (or nowhere) is reported to the selection.
   */
  async list(prefix: string, signal?: AbortSignal, selection?: FileSelection): Promise<LocationFile[]> {
    const base = prefix.endsWith('/') || prefix === '' ? prefix : prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const start = join(this.root, base);
    const files: LocationFile[] = [];
    if (!existsSync(start)) return files;
    const realStart = await realpath(start);
    const narrower = `give a folder nearer the files (for access logs the folder S3 delivers one source bucket's logs to, …/ACCOUNT-ID/REGION/SOURCE-BUCKET/; for an inventory its configuration folder)`;
    let entries = 0;
    const folders: { path: string; depth: number }[] = [{ path: start, depth: 0 }];
    for (let folder = folders.pop(); folder; folder = folders.pop()) {
      signal?.throwIfAborted();
      // One entry at a time: a folder of millions of files is never held whole.
      for await (const entry of await opendir(folder.path, { bufferSize: 256 })) {
        if (++entries > this.limits.maxEntries) {
          throw new Error(`file://${start} holds more than ${this.limits.maxEntries.toLocaleString('en-US')} files and folders: ${narrower}`);
        }
        const full = join(folder.path, entry.name);
        const key = relative(this.root, full).split(sep).join('/');
        if (entry.isDirectory()) {
          const below = `${key}/`;
          // Only folders under the prefix: `logs/bucket-a` never walks `logs/other/`.
          if (!below.startsWith(prefix) || (selection?.prunesFolders && !selection.wantsFolder(below))) continue;
          if (folder.depth + 1 > this.limits.maxDepth) {
            throw new Error(`file://${start} has folders more than ${this.limits.maxDepth} levels deep (${full}): ${narrower}`);
          }
          folders.push({ path: full, depth: folder.depth + 1 });
        } else if (entry.isFile()) {
          if (key.startsWith(prefix) && (!selection || selection.wantsFile(key))) files.push({ key, size: (await stat(full)).size });
        } else if (entry.isSymbolicLink() && key.startsWith(prefix) && selection) {
          const target = await realpath(full).catch(() => undefined);
          if (target === undefined || !(target === realStart || target.startsWith(realStart + sep))) selection.skippedLink(key);
        }
      }
    }
    return files.sort(byKey);
  }

  async fetch(file: LocationFile): Promise<string> {
    return join(this.root, file.key);
  }
}

function byKey(a: LocationFile, b: LocationFile): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
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

  /**
   * One listing of everything under the prefix; or, when the selection passes folders over, a
   * listing folder by folder (delimiter `/`) that never lists the folders it passes over.
   */
  async list(prefix: string, signal?: AbortSignal, selection?: FileSelection): Promise<LocationFile[]> {
    const files: LocationFile[] = [];
    const byFolder = selection?.prunesFolders === true;
    const pending = [prefix];
    for (let folder = pending.pop(); folder !== undefined; folder = pending.pop()) {
      let token: string | undefined;
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: folder, ContinuationToken: token, ...(byFolder ? { Delimiter: '/' } : {}) }),
          { abortSignal: signal },
        );
        for (const o of page.Contents ?? [])
          if (o.Key && !o.Key.endsWith('/') && (!selection || selection.wantsFile(o.Key)))
            files.push({ key: o.Key, size: o.Size ?? 0, ...(o.ETag ? { etag: o.ETag } : {}) });
        for (const p of page.CommonPrefixes ?? []) if (p.Prefix && selection!.wantsFolder(p.Prefix)) pending.push(p.Prefix);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    }
    return byFolder ? files.sort(byKey) : files;
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

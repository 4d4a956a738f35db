// Point lookups through the index: key → time bucket → manifest (cached by bucket) → the parts whose
// key range holds the key, newest first → Bloom check on the manifest's copy of each part's prefix
// (no request) → fence search → one ranged GET of that entry block (verified by its XXH64) → one
// ranged GET of the record with If-Match: the data object's indexed ETag. Cold: 3 requests; with
// the manifest cached: 2. A cached manifest that says "absent" is revalidated with a conditional
// GET (304: still absent), so a key indexed meanwhile is found. Batches share every read: one
// manifest per bucket, one GET per (part, block), one GET per run of nearby records of an object.
// Damage is reported and worked around: a bad manifest → the bucket's parts are read instead; a bad
// block or part → that part's data objects are scanned. Never a crash, never a silent miss.

import { setMaxListeners } from 'node:events';
import { isIndexFormatError } from '../../core/index/errors';
import { keyBucket, keyTimestampMs, partObjectKey } from '../../core/index/keys';
import { compareKeys } from '../../core/index/keyOrder';
import type { Manifest } from '../../core/index/manifest';
import {
  decodeBlock,
  decodeLookupPrefix,
  decodeObjectsTable,
  decodePartHeader,
  findBlock,
  findEntry,
  PART_HEADER_LENGTH,
  type BlockRef,
  type DataObjectRef,
  type IndexEntry,
  type PartLookupPrefix,
} from '../../core/index/part';
import { initXxh64, xxh64String } from '../../core/index/xxh64';
import { formatS3Uri, parseS3Uri, type S3Location } from '../../core/s3uri';
import { countsSince, isObjectNotFoundError, isPreconditionFailedError, type ObjectStore, type RequestCounts } from '../../aws/objectStore';
import { forEachLimit } from './concurrency';
import { normalizeIndexLocation, requireIndexConfig, type IndexConfig } from './indexConfig';
import { listPartObjects, manifestKeyOf, readManifest } from './manifestStore';
import { scanObjectsForKey } from './scan';

/** Records of one data object closer than this are fetched with one GET. */
export const RECORD_MERGE_GAP = 64 * 1024;
/** …as long as the merged read stays under this. */
const MAX_MERGED_READ = 8 * 1024 * 1024;
/** A part's prefix is read with one speculative ranged GET of this size when no manifest lists it. */
const SPECULATIVE_PREFIX_BYTES = 256 * 1024;
const DEFAULT_BLOCK_CACHE = 4096;

export type LookupStatus =
  /** The record was read. */
  | 'found'
  /** The index (and any fallback scan) holds no record with this key. */
  | 'absent'
  /** The index points at a data object that has changed since it was indexed (412 on If-Match): build again. */
  | 'changed'
  /** The key has no timestamp after its last '-': it cannot be in any time bucket. */
  | 'invalid-key';

export interface RecordLocation {
  /** Data object key (in the data bucket). */
  object: string;
  offset: number;
  length: number;
  /** The data object's ETag when indexed. */
  etag: string;
  /** The time bucket and part the entry came from; `scan` when a fallback scan found it. */
  bucket: string;
  part: string;
}

export interface LookupResult {
  key: string;
  status: LookupStatus;
  /** The record's text (its line without the line ending); only when found. */
  record?: string;
  location?: RecordLocation;
  /** Requests made for this key (shared ones in a batch counted for each key that used them). */
  requests: number;
  /** Bytes received for this key (shared reads split among the keys that used them). */
  bytes: number;
  /** Wall time of the lookup (of the whole batch, in a batch). */
  ms: number;
  /** How the answer was reached: the index alone, or a scan of data objects after damage. */
  via: 'index' | 'scan';
  /**
   * Entry blocks read for this key that did not hold it: Bloom false positives of other parts of the
   * bucket (about bitsPerKey's rate per part probed). Each costs one request beyond the 3 (cold) / 2 (warm).
   */
  falsePositiveReads: number;
  /** Damage found, fallbacks taken, data changed: said plainly. */
  notes: string[];
}

export interface BatchLookupResult {
  results: LookupResult[];
  /** The requests actually made (shared ones once). */
  counts: RequestCounts;
  ms: number;
}

/** A part as a lookup sees it: from a manifest's directory and prefix copy, or read from the part itself. */
interface PartView {
  name: string;
  minKey?: string;
  maxKey?: string;
  /** The lookup prefix bytes (manifest copy or ranged read); decoded on first use. */
  prefixBytes?: Uint8Array;
  prefix?: PartLookupPrefix;
  /** Why the prefix cannot be used. */
  damage?: string;
  /** The data objects its entries point into (from the manifest; read from the part when listed). */
  objects?: DataObjectRef[];
}

interface BucketView {
  path: string;
  state: 'manifest' | 'listing' | 'absent';
  /** The manifest's ETag, to revalidate with If-None-Match (also kept for a damaged one). */
  etag?: string;
  /** Newest first. */
  parts: PartView[];
  /** Said on every lookup in this bucket while this view is used (damage, fallback). */
  notes: string[];
}

interface KeyState {
  key: string;
  hash: bigint;
  bucket: string;
  view?: BucketView;
  cursor: number;
  pending?: { part: PartView; block: BlockRef };
  damaged: PartView[];
  hit?: { part: PartView; entry: IndexEntry };
  requests: number;
  bytes: number;
  falsePositiveReads: number;
  notes: string[];
  result?: Omit<LookupResult, 'requests' | 'bytes' | 'ms' | 'falsePositiveReads'>;
}

export interface IndexReaderOptions {
  signal?: AbortSignal;
  /** Decoded entry blocks kept (default 4096). */
  blockCacheSize?: number;
}

/** Reads an index: open once (1 request: _index.json), then look keys up; caches manifests and blocks. */
export class IndexReader {
  /** Requests made by this reader so far (opening included). */
  readonly counts: RequestCounts;
  private readonly manifests = new Map<string, BucketView>();
  private readonly blocks = new Map<string, IndexEntry[]>();
  private readonly blockCacheSize: number;
  readonly data: S3Location;

  private constructor(
    private readonly store: ObjectStore,
    readonly index: S3Location,
    readonly config: IndexConfig,
    /** What opening cost (the _index.json GET). */
    readonly openCounts: RequestCounts,
    options: IndexReaderOptions,
  ) {
    this.counts = store.counts;
    this.data = parseS3Uri(config.data);
    this.blockCacheSize = options.blockCacheSize ?? DEFAULT_BLOCK_CACHE;
  }

  /** Opens the index at `index` (reads its _index.json); throws IndexConfigError when there is none. */
  static async open(store: ObjectStore, index: S3Location, options: IndexReaderOptions = {}): Promise<IndexReader> {
    await initXxh64();
    const counted = store.counting();
    const location = normalizeIndexLocation(index);
    const config = await requireIndexConfig(counted, location, options.signal);
    return new IndexReader(counted, location, config, { ...counted.counts }, options);
  }

  /** Forgets cached manifests and blocks: the next lookups are cold. */
  clearCache(): void {
    this.manifests.clear();
    this.blocks.clear();
  }

  /** Whether a bucket's manifest is cached (the next lookup there is warm). */
  isCached(key: string): boolean {
    const bucket = keyBucket(key, this.config.granularity);
    return bucket !== undefined && this.manifests.has(bucket);
  }

  async lookup(key: string, options: { signal?: AbortSignal } = {}): Promise<LookupResult> {
    return (await this.lookupMany([key], options)).results[0]!;
  }

  /** Looks up many keys, sharing every read they have in common. Results in input order. */
  async lookupMany(keys: readonly string[], options: { signal?: AbortSignal } = {}): Promise<BatchLookupResult> {
    const started = performance.now();
    const before = { ...this.counts };
    const signal = options.signal;
    if (signal) setMaxListeners(256, signal);
    const states: KeyState[] = keys.map((key) => ({
      key,
      hash: 0n,
      bucket: '',
      cursor: 0,
      damaged: [],
      requests: 0,
      bytes: 0,
      falsePositiveReads: 0,
      notes: [],
    }));
    for (const state of states) {
      const bucket = keyTimestampMs(state.key) === undefined ? undefined : keyBucket(state.key, this.config.granularity);
      if (bucket === undefined) {
        state.result = {
          key: state.key,
          status: 'invalid-key',
          via: 'index',
          notes: [`"${state.key}" has no unix timestamp after its last '-' (e.g. …-1683832386): the index files keys by that time`],
        };
        continue;
      }
      state.bucket = bucket;
      state.hash = xxh64String(state.key);
    }
    const active = states.filter((s) => !s.result);

    // Manifests: cached ones as they are, the others read once per bucket.
    const warm = new Set<string>();
    const byBucket = groupBy(active, (s) => s.bucket);
    await forEachLimit([...byBucket.keys()], 8, async (bucket) => {
      const users = byBucket.get(bucket)!;
      let view = this.manifests.get(bucket);
      if (view) warm.add(bucket);
      else {
        view = await this.loadBucket(bucket, users, signal);
        this.manifests.set(bucket, view);
      }
      for (const s of users) s.view = view;
    });

    await this.searchParts(active, signal);

    // A warm "absent" may be stale: revalidate each such bucket's manifest once (304 → still absent).
    const stale = active.filter((s) => !s.hit && s.damaged.length === 0 && warm.has(s.bucket));
    const staleBuckets = groupBy(stale, (s) => s.bucket);
    const recheck: KeyState[] = [];
    await forEachLimit([...staleBuckets.keys()], 8, async (bucket) => {
      const users = staleBuckets.get(bucket)!;
      const cached = this.manifests.get(bucket)!;
      const fresh = await this.revalidate(cached, users, signal);
      if (fresh !== cached) {
        this.manifests.set(bucket, fresh);
        for (const s of users) {
          s.view = fresh;
          s.cursor = 0;
          recheck.push(s);
        }
      }
    });
    if (recheck.length > 0) await this.searchParts(recheck, signal);

    for (const s of active) for (const note of s.view?.notes ?? []) if (!s.notes.includes(note)) s.notes.push(note);
    await this.readRecords(
      active.filter((s) => s.hit),
      signal,
    );

    // Not found in any readable part, but a damaged part could hold it: scan that part's data objects.
    for (const s of active) {
      if (s.result || s.hit || s.damaged.length === 0) continue;
      await this.scanDamaged(s, signal);
    }
    for (const s of active) {
      if (!s.result) s.result = { key: s.key, status: 'absent', via: s.damaged.length > 0 ? 'scan' : 'index', notes: s.notes };
    }
    const ms = performance.now() - started;
    return {
      results: states.map((s) => ({
        ...s.result!,
        notes: s.result!.notes,
        requests: s.requests,
        bytes: Math.round(s.bytes),
        ms,
        falsePositiveReads: s.falsePositiveReads,
      })),
      counts: countsSince(this.counts, before),
      ms,
    };
  }

  /** Runs `work` on a store of its own and charges its requests and bytes to the keys that needed it. */
  private async charged<T>(users: readonly KeyState[], work: (store: ObjectStore) => Promise<T>): Promise<T> {
    const store = this.store.counting();
    try {
      return await work(store);
    } finally {
      for (const u of users) {
        u.requests += store.counts.requests;
        u.bytes += store.counts.bytesIn / users.length;
      }
    }
  }

  private async loadBucket(bucket: string, users: KeyState[], signal?: AbortSignal): Promise<BucketView> {
    const read = await this.charged(users, (store) => readManifest(store, this.index, bucket, signal ? { signal } : {}));
    if (read.state === 'absent' || read.state === 'notModified') return { path: bucket, state: 'absent', parts: [], notes: [] };
    if (read.state === 'ok') return this.viewOfManifest(bucket, read.manifest, read.etag);
    return this.viewFromListing(
      bucket,
      read.etag,
      `the manifest s3://${this.index.bucket}/${manifestKeyOf(this.index, bucket)} is damaged (${read.error.message})`,
      users,
      signal,
    );
  }

  private viewOfManifest(bucket: string, manifest: Manifest, etag: string): BucketView {
    const parts: PartView[] = manifest.directory.parts.map((p, i) => ({
      name: p.name,
      minKey: p.minKey,
      maxKey: p.maxKey,
      prefixBytes: manifest.prefixes[i]!,
      objects: p.objects,
    }));
    parts.reverse();
    return { path: bucket, state: 'manifest', etag, parts, notes: [] };
  }

  /** The bucket's parts read from their own objects (a listing and a ranged GET of each prefix): a damaged manifest's fallback. */
  private async viewFromListing(bucket: string, etag: string | undefined, why: string, users: KeyState[], signal?: AbortSignal): Promise<BucketView> {
    const listed = await this.charged(users, (store) => listPartObjects(store, this.index, bucket, signal));
    listed.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    const parts: PartView[] = [];
    await forEachLimit(listed, 8, async ({ name }) => {
      const view: PartView = { name };
      parts.push(view);
      const key = partObjectKey(this.index.key, bucket, name.slice(0, -'.idx'.length));
      try {
        await this.charged(users, async (store) => {
          const head = await store.getRange(this.index.bucket, key, 0, SPECULATIVE_PREFIX_BYTES - 1, signal ? { signal } : {});
          const header = decodePartHeader(head.bytes);
          let bytes = head.bytes;
          if (bytes.length < header.prefixLength) {
            const rest = await store.getRange(this.index.bucket, key, bytes.length, header.prefixLength - 1, signal ? { signal } : {});
            bytes = concat(bytes, rest.bytes);
          }
          view.prefixBytes = bytes.subarray(0, header.prefixLength);
        });
      } catch (error) {
        if (!isIndexFormatError(error)) throw error;
        view.damage = `part ${name} is damaged: ${error.message}`;
      }
    });
    parts.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    return {
      path: bucket,
      state: 'listing',
      ...(etag !== undefined ? { etag } : {}),
      parts,
      notes: [`${why}: read the ${parts.length} part(s) of ${bucket} directly instead; run index build to repair it`],
    };
  }

  private async revalidate(cached: BucketView, users: KeyState[], signal?: AbortSignal): Promise<BucketView> {
    const read = await this.charged(users, (store) =>
      readManifest(store, this.index, cached.path, { ...(cached.etag ? { ifNoneMatch: cached.etag } : {}), ...(signal ? { signal } : {}) }),
    );
    if (read.state === 'notModified') return cached;
    if (read.state === 'absent') return cached.state === 'absent' ? cached : { path: cached.path, state: 'absent', parts: [], notes: [] };
    if (read.state === 'ok') return this.viewOfManifest(cached.path, read.manifest, read.etag);
    return this.viewFromListing(
      cached.path,
      read.etag,
      `the manifest s3://${this.index.bucket}/${manifestKeyOf(this.index, cached.path)} is damaged (${read.error.message})`,
      users,
      signal,
    );
  }

  private decodedPrefix(part: PartView): PartLookupPrefix | undefined {
    if (part.prefix || part.damage) return part.prefix;
    try {
      if (!part.prefixBytes) throw new Error('no prefix');
      part.prefix = decodeLookupPrefix(part.prefixBytes);
    } catch (error) {
      part.damage = `part ${part.name} is damaged: ${(error as Error).message}`;
    }
    return part.prefix;
  }

  /** Walks each key through its candidate parts, one round of block reads at a time, until each is found or out of parts. */
  private async searchParts(states: KeyState[], signal?: AbortSignal): Promise<void> {
    let searching = states.filter((s) => !s.hit && !s.result && s.view);
    while (searching.length > 0) {
      const needs = new Map<string, { part: PartView; block: BlockRef; users: KeyState[] }>();
      for (const s of searching) {
        s.pending = undefined;
        const parts = s.view!.parts;
        while (s.cursor < parts.length) {
          const part = parts[s.cursor]!;
          if (part.minKey !== undefined && part.maxKey !== undefined && (compareKeys(s.key, part.minKey) < 0 || compareKeys(s.key, part.maxKey) > 0)) {
            s.cursor++;
            continue;
          }
          const prefix = this.decodedPrefix(part);
          if (!prefix) {
            this.noteDamage(s, part);
            s.cursor++;
            continue;
          }
          if (!prefix.bloom.checkHash(s.hash)) {
            s.cursor++;
            continue;
          }
          const block = findBlock(prefix, s.key);
          if (!block) {
            s.cursor++;
            continue;
          }
          s.pending = { part, block };
          const id = `${s.view!.path}/${part.name}#${block.fenceIndex}`;
          const need = needs.get(id);
          if (need) need.users.push(s);
          else needs.set(id, { part, block, users: [s] });
          break;
        }
      }
      await forEachLimit([...needs.entries()], 8, async ([id, { part, block, users }]) => {
        let entries = this.blocks.get(id);
        const fetched = !entries;
        if (entries) {
          // Most recently used last: re-insert.
          this.blocks.delete(id);
          this.blocks.set(id, entries);
        } else {
          entries = await this.readBlock(users[0]!.view!.path, part, block, users, signal);
          if (entries) this.remember(id, entries);
        }
        for (const s of users) {
          const entry = entries ? findEntry(entries, s.key) : undefined;
          if (entry) s.hit = { part, entry };
          else if (entries && fetched) s.falsePositiveReads++;
          s.cursor++;
        }
      });
      searching = searching.filter((s) => !s.hit && s.cursor < s.view!.parts.length);
    }
  }

  private remember(id: string, entries: IndexEntry[]): void {
    this.blocks.set(id, entries);
    if (this.blocks.size > this.blockCacheSize) this.blocks.delete(this.blocks.keys().next().value!);
  }

  private noteDamage(s: KeyState, part: PartView): void {
    if (!s.damaged.includes(part)) s.damaged.push(part);
    if (part.damage && !s.notes.includes(part.damage)) s.notes.push(part.damage);
  }

  /** One ranged GET of a block, verified; undefined (and the part marked damaged) when it does not check out. */
  private async readBlock(bucket: string, part: PartView, block: BlockRef, users: KeyState[], signal?: AbortSignal): Promise<IndexEntry[] | undefined> {
    const key = partObjectKey(this.index.key, bucket, part.name.slice(0, -'.idx'.length));
    try {
      const got = await this.charged(users, (store) => store.getRange(this.index.bucket, key, block.start, block.end - 1, signal ? { signal } : {}));
      return decodeBlock(got.bytes, block, part.prefix!.header.objectCount);
    } catch (error) {
      let why: string;
      if (isIndexFormatError(error)) why = error.message;
      else if (isObjectNotFoundError(error)) why = 'the part object is missing';
      else if ((error as { name?: string }).name === 'InvalidRange') why = 'the part object is shorter than its header says (truncated)';
      else throw error;
      part.damage = `part ${bucket}/${part.name} is damaged: ${why}`;
      for (const s of users) this.noteDamage(s, part);
      return undefined;
    }
  }

  /** The data objects of a part: from the manifest, or its objects table (one ranged GET) when it was listed. */
  private async partObjects(bucket: string, part: PartView, users: KeyState[], signal?: AbortSignal): Promise<DataObjectRef[] | undefined> {
    if (part.objects) return part.objects;
    const header = part.prefix?.header ?? (part.prefixBytes ? safeHeader(part.prefixBytes) : undefined);
    if (!header) return undefined;
    const key = partObjectKey(this.index.key, bucket, part.name.slice(0, -'.idx'.length));
    try {
      const got = await this.charged(users, (store) =>
        store.getRange(this.index.bucket, key, header.objectsOffset, header.partLength - 1, signal ? { signal } : {}),
      );
      part.objects = decodeObjectsTable(got.bytes, header);
      return part.objects;
    } catch (error) {
      if (!isIndexFormatError(error)) throw error;
      part.damage = `part ${bucket}/${part.name} is damaged: ${error.message}`;
      return undefined;
    }
  }

  /** Reads the records of the keys found, one GET per run of nearby records of the same object version. */
  private async readRecords(found: KeyState[], signal?: AbortSignal): Promise<void> {
    interface Want {
      state: KeyState;
      object: DataObjectRef;
    }
    const wants: Want[] = [];
    for (const s of found) {
      const objects = await this.partObjects(s.view!.path, s.hit!.part, [s], signal);
      const object = objects?.[s.hit!.entry.objectIndex];
      if (!object) {
        // Entries whose objects cannot be named: treat the part as damaged and scan what can be scanned.
        this.noteDamage(s, s.hit!.part);
        s.hit = undefined;
        continue;
      }
      wants.push({ state: s, object });
    }
    const byObject = groupBy(wants, (w) => `${w.object.key}\u0000${w.object.etag}`);
    const runs: Want[][] = [];
    for (const group of byObject.values()) {
      group.sort((a, b) => a.state.hit!.entry.offset - b.state.hit!.entry.offset);
      let run: Want[] = [];
      let runStart = 0;
      let runEnd = 0;
      for (const w of group) {
        const { offset, length } = w.state.hit!.entry;
        if (run.length > 0 && offset - runEnd <= RECORD_MERGE_GAP && offset + length - runStart <= MAX_MERGED_READ) {
          run.push(w);
          runEnd = Math.max(runEnd, offset + length);
        } else {
          if (run.length > 0) runs.push(run);
          run = [w];
          runStart = offset;
          runEnd = offset + length;
        }
      }
      if (run.length > 0) runs.push(run);
    }
    await forEachLimit(runs, 8, async (run) => {
      const object = run[0]!.object;
      const start = Math.min(...run.map((w) => w.state.hit!.entry.offset));
      const end = Math.max(...run.map((w) => w.state.hit!.entry.offset + w.state.hit!.entry.length));
      const users = run.map((w) => w.state);
      let bytes: Uint8Array;
      try {
        if (end === start) bytes = new Uint8Array();
        else
          bytes = (
            await this.charged(users, (store) =>
              store.getRange(this.data.bucket, object.key, start, end - 1, { ifMatch: object.etag, ...(signal ? { signal } : {}) }),
            )
          ).bytes;
      } catch (error) {
        if (!isPreconditionFailedError(error) && !isObjectNotFoundError(error)) throw error;
        const gone = isObjectNotFoundError(error);
        for (const s of users) {
          s.notes.push(
            gone
              ? `data object ${formatS3Uri({ bucket: this.data.bucket, key: object.key })} is gone since it was indexed: run index build`
              : `data object ${formatS3Uri({ bucket: this.data.bucket, key: object.key })} changed since it was indexed (its ETag is no longer ${object.etag}): run index build to index it again`,
          );
          s.result = { key: s.key, status: 'changed', via: 'index', notes: s.notes, location: this.locationOf(s, object) };
        }
        return;
      }
      for (const w of run) {
        const s = w.state;
        const { offset, length } = s.hit!.entry;
        const slice = bytes.subarray(offset - start, offset - start + length);
        const record = new TextDecoder().decode(slice);
        if (slice.length !== length || recordKey(record) !== s.key) {
          s.notes.push(
            `the entry for this key in part ${s.view!.path}/${s.hit!.part.name} points at bytes ${offset}–${offset + length} of ${object.key}, which hold another record: the index and the data disagree; scanned the data object instead`,
          );
          this.noteDamage(s, s.hit!.part);
          s.hit = undefined;
          continue;
        }
        s.result = { key: s.key, status: 'found', record, via: 'index', notes: s.notes, location: this.locationOf(s, object) };
      }
    });
  }

  private locationOf(s: KeyState, object: DataObjectRef): RecordLocation {
    const { entry, part } = s.hit!;
    return { object: object.key, offset: entry.offset, length: entry.length, etag: object.etag, bucket: s.view!.path, part: part.name };
  }

  /** The fallback for damaged parts: read their data objects for the key. */
  private async scanDamaged(s: KeyState, signal?: AbortSignal): Promise<void> {
    const objects = new Map<string, DataObjectRef>();
    const unknown: string[] = [];
    for (const part of s.damaged) {
      const listed = await this.partObjects(s.view!.path, part, [s], signal);
      if (!listed) unknown.push(part.name);
      for (const o of listed ?? []) objects.set(o.key, o);
    }
    const outcome = await this.charged([s], (store) => scanObjectsForKey(store, this.data.bucket, [...objects.values()], s.key, signal ? { signal } : {}));
    s.notes.push(...outcome.notes);
    if (unknown.length > 0)
      s.notes.push(
        `the data objects of damaged part(s) ${unknown.join(', ')} cannot be told (their objects table is damaged too and no manifest lists them): a record there is not found; rebuild the index`,
      );
    if (outcome.found) {
      s.notes.push(`found by scanning ${outcome.objectsScanned} data object(s) of the damaged part(s)`);
      const f = outcome.found;
      s.result = {
        key: s.key,
        status: 'found',
        record: f.record,
        via: 'scan',
        notes: s.notes,
        location: { object: f.object, offset: f.offset, length: f.length, etag: f.etag, bucket: s.view!.path, part: 'scan' },
      };
    } else if (objects.size > 0) {
      s.notes.push(`not in the ${outcome.objectsScanned} data object(s) of the damaged part(s) either`);
    }
  }
}

function safeHeader(bytes: Uint8Array) {
  try {
    return bytes.length >= PART_HEADER_LENGTH ? decodePartHeader(bytes) : undefined;
  } catch {
    return undefined;
  }
}

/** The key of a record line: before its first comma, trimmed. */
export function recordKey(record: string): string {
  const comma = record.indexOf(',');
  return (comma < 0 ? record : record.slice(0, comma)).trim();
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

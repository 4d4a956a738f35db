// Builds (or extends) a key index over append-only data in S3. Lists the data prefix, keeps the
// objects whose key + ETag the ledger does not hold, claims each, streams it once (If-Match: the
// listed ETag) through the record parser, and batches entries by time bucket in bounded memory.
// A flush sorts each bucket's entries, cuts them into parts (If-None-Match: *), appends the parts
// to the bucket's manifest by compare-and-swap, and only then writes the ledger entries of the
// objects it completed — so a crash or a cancel loses nothing: the next run indexes what is missing.
// Late records (timestamps of earlier buckets) simply become new parts in those buckets.

import { setMaxListeners } from 'node:events';
import { EntryBatch } from '../../core/index/entryBatch';
import { bucketIndex, bucketPathOfIndex, newPartId, partObjectKey } from '../../core/index/keys';
import { manifestAddition, type ManifestAddition } from '../../core/index/manifest';
import { encodeParts, type DataObjectRef } from '../../core/index/part';
import { RecordLineParser, type MalformedLine, type RawRecordSink } from '../../core/index/records';
import { initXxh64 } from '../../core/index/xxh64';
import { formatS3Uri, type S3Location } from '../../core/s3uri';
import { countsSince, isPreconditionFailedError, isObjectNotFoundError, type ListedObject, type ObjectStore, type RequestCounts } from '../../aws/objectStore';
import { isAbortError } from '../../aws/backoff';
import { forEachLimit, mapLimit } from './concurrency';
import { IndexConfigError, normalizeIndexLocation, openIndexForBuild, type IndexConfig, type IndexSettings } from './indexConfig';
import { claimObject, ledgerName, ledgerNames, newBuilderId, readLedgerEntry, releaseClaim, writeLedgerEntry, type HeldClaim } from './ledger';
import { appendToManifest } from './manifestStore';

/** Entries held in memory before a flush writes them out (about 150 bytes each with their keys). */
export const DEFAULT_MAX_BATCH_ENTRIES = 1_000_000;

export interface BuildOptions {
  /** `s3://B/P`: the append-only data. */
  data: S3Location;
  /** `s3://B/I`: where the index lives (may be inside the data prefix: its objects are skipped). */
  index: S3Location;
  /** Granularity, Bloom bits per key, fence interval, part size: for a new index; must agree with an existing one. */
  settings?: IndexSettings;
  /** Names this builder in claims, parts and the ledger (default host/pid/random). */
  builderId?: string;
  maxBatchEntries?: number;
  /** Data objects read at once (default 2). */
  readConcurrency?: number;
  /** Parts, manifests and ledger entries written at once (default 8). */
  writeConcurrency?: number;
  /** Another builder's claim younger than this is respected (default 15 min). */
  claimTtlMs?: number;
  signal?: AbortSignal;
  onProgress?: (progress: BuildProgress) => void;
  now?: () => number;
}

export type BuildPhase = 'listing' | 'checking' | 'indexing' | 'writing' | 'done';

export interface BuildProgress {
  phase: BuildPhase;
  /** Data objects to index in this run, and those done. */
  objectsTotal: number;
  objectsDone: number;
  bytesTotal: number;
  bytesRead: number;
  entries: number;
  partsWritten: number;
  requests: number;
}

export interface BuildFailure {
  object: string;
  reason: string;
}

export interface BuildResult {
  index: string;
  data: string;
  config: IndexConfig;
  /** Whether this run created the index (its _index.json). */
  created: boolean;
  builder: string;
  objects: {
    /** Data objects under the prefix. */
    listed: number;
    /** Already indexed with the same ETag (before this run, or by another builder during it): not read. */
    unchanged: number;
    /** Indexed in this run (new ones and `changed` ones). */
    indexed: number;
    /** Indexed before with another ETag: indexed again (the newest part wins at lookup). */
    changed: number;
    /** Claimed by another builder that is still at work: left to it. */
    claimedElsewhere: string[];
    failed: BuildFailure[];
  };
  entries: number;
  lines: { records: number; headers: number; blank: number; malformed: number };
  /** A few malformed lines, with the object they are in. */
  malformedSamples: (MalformedLine & { object: string })[];
  /** Same key twice with identical locations (kept once), and with different ones (the later kept). */
  duplicateEntries: number;
  conflictingEntries: number;
  parts: number;
  /** Time buckets whose manifest this run advanced. */
  buckets: string[];
  /** Compare-and-swap retries: another builder advanced a manifest first. */
  manifestConflicts: number;
  bytesRead: number;
  requests: RequestCounts;
  seconds: number;
  /** Largest number of entries held in memory at once. */
  peakBatchEntries: number;
  notes: string[];
}

interface ObjectWork {
  listed: ListedObject;
  claim: HeldClaim;
  entries: number;
  /** Bucket numbers (bucketIndex) its entries went to. */
  buckets: Set<number>;
  done: boolean;
  /** Handed to a flush, which writes its ledger entry after the manifests. */
  queued: boolean;
  /** Its ledger entry is written (or it failed): nothing left to do for it. */
  ledgered: boolean;
  failed: boolean;
}

/** Entries waiting for a flush, as columns, per time bucket (by bucket number); object indexes point into `objects`. */
class Batch {
  readonly objects: DataObjectRef[] = [];
  readonly objectIndex = new Map<string, number>();
  readonly buckets = new Map<number, EntryBatch>();
  size = 0;

  objectFor(object: ListedObject): number {
    let index = this.objectIndex.get(object.key);
    if (index === undefined) {
      index = this.objects.length;
      this.objects.push({ key: object.key, etag: object.etag, size: object.size });
      this.objectIndex.set(object.key, index);
    }
    return index;
  }

  entries(bucket: number): EntryBatch {
    let entries = this.buckets.get(bucket);
    if (!entries) this.buckets.set(bucket, (entries = new EntryBatch()));
    return entries;
  }
}

function describe(error: unknown): string {
  const e = error as { name?: string; message?: string };
  return `${e?.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e?.message ?? String(error)}`;
}

export async function buildIndex(store: ObjectStore, options: BuildOptions): Promise<BuildResult> {
  const builder = new IndexBuilder(store, options);
  return builder.run();
}

class IndexBuilder {
  private readonly store: ObjectStore;
  private readonly index: S3Location;
  private readonly data: S3Location;
  private readonly builderId: string;
  private readonly now: () => number;
  private readonly signal: AbortSignal;
  private readonly stop: AbortController;
  private readonly maxBatch: number;
  private config!: IndexConfig;
  private batch = new Batch();
  private flushChain: Promise<void> = Promise.resolve();
  private readonly work: ObjectWork[] = [];
  private readonly progress: BuildProgress = {
    phase: 'listing',
    objectsTotal: 0,
    objectsDone: 0,
    bytesTotal: 0,
    bytesRead: 0,
    entries: 0,
    partsWritten: 0,
    requests: 0,
  };
  private lastProgress = 0;
  private readonly lines = { records: 0, headers: 0, blank: 0, malformed: 0 };
  private readonly malformedSamples: BuildResult['malformedSamples'] = [];
  private readonly failed: BuildFailure[] = [];
  private readonly claimedElsewhere: string[] = [];
  private readonly touchedBuckets = new Set<string>();
  private readonly notes: string[] = [];
  private duplicates = 0;
  private conflictsResolved = 0;
  private manifestConflicts = 0;
  private peakBatch = 0;
  /** Pending when listed, then indexed by another builder before this one got to it. */
  private indexedElsewhere = 0;
  /** Entries of objects read to the end (or to a failure); progress adds those of objects being read. */
  private entriesSeen = 0;

  constructor(
    store: ObjectStore,
    private readonly options: BuildOptions,
  ) {
    this.store = store.counting();
    this.index = normalizeIndexLocation(options.index);
    this.data = normalizeIndexLocation(options.data);
    this.builderId = options.builderId ?? newBuilderId();
    this.now = options.now ?? Date.now;
    // One stop for the whole build: the caller's signal, or the first failure of a reader (so the other stops too).
    this.stop = new AbortController();
    this.signal = this.stop.signal;
    this.maxBatch = Math.max(1, options.maxBatchEntries ?? DEFAULT_MAX_BATCH_ENTRIES);
    setMaxListeners(256, this.signal);
  }

  private report(force = false): void {
    if (!this.options.onProgress) return;
    const t = this.now();
    if (!force && t - this.lastProgress < 100) return;
    this.lastProgress = t;
    this.progress.requests = this.store.counts.requests;
    this.options.onProgress({ ...this.progress });
  }

  private sig(): { signal?: AbortSignal } {
    return this.signal ? { signal: this.signal } : {};
  }

  async run(): Promise<BuildResult> {
    const caller = this.options.signal;
    const onAbort = () => this.stop.abort(caller?.reason);
    if (caller?.aborted) onAbort();
    caller?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.runStopped();
    } finally {
      caller?.removeEventListener('abort', onAbort);
    }
  }

  private async runStopped(): Promise<BuildResult> {
    const started = this.now();
    const before = { ...this.store.counts };
    if (this.index.bucket === this.data.bucket && this.data.key.startsWith(this.index.key))
      throw new IndexConfigError(
        `The data ${formatS3Uri(this.data)} is inside the index location ${formatS3Uri(this.index)}: put the index beside the data (e.g. s3://${this.data.bucket}/_index/${this.data.key}) or inside it`,
      );
    await initXxh64();
    const opened = await openIndexForBuild(this.store, this.index, this.data, this.options.settings ?? {}, this.signal);
    this.config = opened.config;

    // What is there, and what of it is not indexed yet.
    this.report(true);
    const listed: ListedObject[] = [];
    for await (const page of this.store.list(this.data.bucket, this.data.key, this.sig())) {
      for (const o of page) {
        if (o.key.endsWith('/')) continue;
        if (this.index.bucket === this.data.bucket && o.key.startsWith(this.index.key)) continue;
        listed.push(o);
      }
    }
    this.progress.phase = 'checking';
    this.report(true);
    const known = await ledgerNames(this.store, this.index, this.signal);
    let unchanged = 0;
    let changed = 0;
    const states = await mapLimit(listed, 16, async (o) => {
      if (!known.has(ledgerName(this.index, o.key))) return 'new' as const;
      const entry = await readLedgerEntry(this.store, this.index, o.key, this.signal);
      if (!entry) return 'new' as const;
      return entry.etag === o.etag ? ('unchanged' as const) : ('changed' as const);
    });
    const pending: ListedObject[] = [];
    listed.forEach((o, i) => {
      if (states[i] === 'unchanged') unchanged++;
      else {
        if (states[i] === 'changed') changed++;
        pending.push(o);
      }
    });
    this.progress.objectsTotal = pending.length;
    this.progress.bytesTotal = pending.reduce((n, o) => n + o.size, 0);
    this.progress.phase = 'indexing';
    this.report(true);

    try {
      let next = 0;
      const reader = async () => {
        while (next < pending.length) {
          this.signal?.throwIfAborted();
          await this.indexObject(pending[next++]!);
        }
      };
      let firstFailure: { error: unknown } | undefined;
      const guarded = () =>
        reader().catch((error: unknown) => {
          firstFailure ??= { error };
          this.stop.abort(error);
        });
      await Promise.all(Array.from({ length: Math.max(1, Math.min(this.options.readConcurrency ?? 2, pending.length)) }, guarded));
      if (firstFailure) throw firstFailure.error;
      this.progress.phase = 'writing';
      this.report(true);
      await this.flush();
    } catch (error) {
      this.stop.abort(error);
      await this.flushChain;
      // Let go of what this run holds and has not finished: the next run takes it up at once.
      await forEachLimit(
        this.work.filter((w) => !w.ledgered),
        8,
        (w) => releaseClaim(this.store, this.index, w.claim),
      ).catch(() => undefined);
      throw error;
    }
    this.progress.phase = 'done';
    this.report(true);
    if (this.claimedElsewhere.length > 0)
      this.notes.push(
        `${this.claimedElsewhere.length} data object(s) are being indexed by another builder: run again later to check (a claim older than ${Math.round((this.options.claimTtlMs ?? 15 * 60_000) / 60_000)} min is taken over)`,
      );
    if (this.lines.malformed > 0) this.notes.push(`${this.lines.malformed} malformed line(s) skipped (no key with a timestamp): see malformedSamples`);
    return {
      index: formatS3Uri(this.index),
      data: formatS3Uri(this.data),
      config: this.config,
      created: opened.created,
      builder: this.builderId,
      objects: {
        listed: listed.length,
        unchanged: unchanged + this.indexedElsewhere,
        indexed: this.work.filter((w) => w.ledgered && !w.failed).length,
        changed,
        claimedElsewhere: this.claimedElsewhere,
        failed: this.failed,
      },
      entries: this.entriesSeen,
      lines: this.lines,
      malformedSamples: this.malformedSamples,
      duplicateEntries: this.duplicates,
      conflictingEntries: this.conflictsResolved,
      parts: this.progress.partsWritten,
      buckets: [...this.touchedBuckets].sort(),
      manifestConflicts: this.manifestConflicts,
      bytesRead: this.progress.bytesRead,
      requests: countsSince(this.store.counts, before),
      seconds: (this.now() - started) / 1000,
      peakBatchEntries: this.peakBatch,
      notes: this.notes,
    };
  }

  private async indexObject(object: ListedObject): Promise<void> {
    const outcome = await claimObject(this.store, this.index, object, this.builderId, {
      ...(this.options.claimTtlMs !== undefined ? { ttlMs: this.options.claimTtlMs } : {}),
      now: this.now,
      ...this.sig(),
    });
    if ('busy' in outcome) {
      this.claimedElsewhere.push(object.key);
      this.progress.objectsDone++;
      return;
    }
    if (outcome.tookOver) {
      // Another builder may have finished it since this run read the ledger.
      const entry = await readLedgerEntry(this.store, this.index, object.key, this.signal);
      if (entry?.etag === object.etag) {
        await releaseClaim(this.store, this.index, outcome.held);
        this.indexedElsewhere++;
        this.progress.objectsDone++;
        return;
      }
    }
    const work: ObjectWork = {
      listed: object,
      claim: outcome.held,
      entries: 0,
      buckets: new Set(),
      done: false,
      queued: false,
      ledgered: false,
      failed: false,
    };
    this.work.push(work);
    const parser = new RecordLineParser();
    const granularity = this.config.granularity;
    // The batch and the object's slot in it change at a flush: look them up again after one.
    let batch = this.batch;
    let objectIndex = batch.objectFor(object);
    let lastBucket = Number.NaN;
    let lastEntries: EntryBatch | undefined;
    // Another reader may have flushed while this one waited for a chunk: never add to a batch being written.
    const syncBatch = () => {
      if (batch === this.batch) return;
      batch = this.batch;
      objectIndex = batch.objectFor(object);
      lastEntries = undefined;
    };
    const onRecord: RawRecordSink = (source, keyStart, keyEnd, timestampMs, offset, length) => {
      const bucket = bucketIndex(timestampMs, granularity);
      if (bucket !== lastBucket || !lastEntries) {
        lastBucket = bucket;
        lastEntries = batch.entries(bucket);
        work.buckets.add(bucket);
      }
      lastEntries.add(source, keyStart, keyEnd, objectIndex, offset, length);
      batch.size++;
      work.entries++;
    };
    // A flush that fails is the build's failure, not this object's: it stops every reader.
    let flushFailed = false;
    try {
      for await (const chunk of this.store.stream(this.data.bucket, object.key, { ifMatch: object.etag, ...this.sig() })) {
        syncBatch();
        parser.pushRaw(chunk, onRecord);
        this.progress.bytesRead += chunk.length;
        this.progress.entries = this.entriesSeen + work.entries;
        if (this.batch.size >= this.maxBatch) {
          flushFailed = true;
          await this.flush();
          flushFailed = false;
        }
        this.report();
      }
      syncBatch();
      parser.endRaw(onRecord);
    } catch (error) {
      if (flushFailed || isAbortError(error) || this.signal?.aborted) throw error;
      // Entries already batched point at the right bytes and stay; without a ledger entry the object is read again next run.
      const reason = isPreconditionFailedError(error)
        ? 'changed while the build ran (its ETag is not the listed one): run the build again'
        : isObjectNotFoundError(error)
          ? 'deleted while the build ran'
          : describe(error);
      this.failed.push({ object: object.key, reason });
      await releaseClaim(this.store, this.index, work.claim);
      work.failed = true;
      work.ledgered = true; // nothing more to do for it in this run
      this.entriesSeen += work.entries;
      this.progress.objectsDone++;
      return;
    }
    this.entriesSeen += work.entries;
    this.progress.entries = this.entriesSeen;
    const stats = parser.stats;
    this.lines.records += stats.records;
    this.lines.headers += stats.headers;
    this.lines.blank += stats.blank;
    this.lines.malformed += stats.malformed;
    for (const sample of parser.samples) if (this.malformedSamples.length < 10) this.malformedSamples.push({ ...sample, object: object.key });
    work.done = true;
    this.progress.objectsDone++;
    this.report();
  }

  /** Writes out the current batch (one flush at a time), then the ledger entries of the objects it completed. */
  private flush(): Promise<void> {
    const full = this.batch;
    // Objects fully read before this point have every entry in this batch or an earlier one.
    const completed = this.work.filter((w) => w.done && !w.queued && !w.ledgered);
    for (const w of completed) w.queued = true;
    this.batch = new Batch();
    this.peakBatch = Math.max(this.peakBatch, full.size);
    const run = this.flushChain.then(() => this.writeBatch(full, completed));
    this.flushChain = run.catch(() => undefined);
    return run;
  }

  private async writeBatch(batch: Batch, completed: ObjectWork[]): Promise<void> {
    const concurrency = this.options.writeConcurrency ?? 8;
    const byBucket = await mapLimit([...batch.buckets.keys()], concurrency, async (number) => {
      const bucket = bucketPathOfIndex(number, this.config.granularity);
      return { bucket, additions: await this.writeParts(bucket, batch.buckets.get(number)!, batch.objects) };
    });
    batch.buckets.clear();
    await forEachLimit(byBucket, concurrency, async ({ bucket, additions }) => {
      if (additions.length === 0) return;
      const outcome = await appendToManifest(this.store, this.index, bucket, additions, this.sig());
      this.manifestConflicts += outcome.conflicts;
      this.touchedBuckets.add(bucket);
      if (outcome.repaired) {
        this.notes.push(
          `The manifest of ${bucket} was damaged (${outcome.repaired.reason}) and was rebuilt from its parts` +
            (outcome.repaired.unreadableParts.length > 0
              ? `; ${outcome.repaired.unreadableParts.length} part(s) could not be read at all and were left out (${outcome.repaired.unreadableParts.map((p) => p.name).join(', ')}): build a new index to get their entries back`
              : '') +
            (outcome.repaired.salvagedParts.length > 0
              ? `; ${outcome.repaired.salvagedParts.length} damaged part(s) were kept for their Bloom filters (${outcome.repaired.salvagedParts.map((p) => p.name).join(', ')}): lookups there scan their data objects`
              : ''),
        );
      }
    });
    await forEachLimit(completed, concurrency, async (w) => {
      await writeLedgerEntry(
        this.store,
        this.index,
        {
          key: w.listed.key,
          etag: w.listed.etag,
          size: w.listed.size,
          entries: w.entries,
          buckets: [...w.buckets].sort((a, b) => a - b).map((b) => bucketPathOfIndex(b, this.config.granularity)),
          builder: this.builderId,
          at: new Date(this.now()).toISOString(),
        },
        this.signal,
      );
      w.ledgered = true;
      // Done: let go of the claim (overwritten as released; nothing is deleted), so no builder waits on it.
      await releaseClaim(this.store, this.index, w.claim);
    });
    this.report(true);
  }

  /** Sorts a bucket's entries, cuts them into parts, writes each (If-None-Match: *); returns the manifest additions. */
  private async writeParts(bucket: string, entries: EntryBatch, batchObjects: DataObjectRef[]): Promise<ManifestAddition[]> {
    const parts = encodeParts(entries, batchObjects, {
      partEntries: this.config.partEntries,
      bitsPerKey: this.config.bitsPerKey,
      fenceInterval: this.config.fenceInterval,
      conflicts: 'last',
    });
    entries.clear();
    const additions: ManifestAddition[] = [];
    for (const { part, objects } of parts) {
      this.duplicates += part.duplicatesDropped;
      this.conflictsResolved += part.conflictsResolved;
      const id = newPartId(this.now());
      await this.store.put(this.index.bucket, partObjectKey(this.index.key, bucket, id), part.bytes, {
        ifNoneMatch: '*',
        contentType: 'application/octet-stream',
        ...this.sig(),
      });
      additions.push(manifestAddition(part, `${id}.idx`, objects, new Date(this.now()).toISOString(), this.builderId));
      this.progress.partsWritten++;
    }
    return additions;
  }
}

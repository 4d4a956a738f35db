// What an undo has to do, read from audit logs of any size in bounded memory. Per object the latest
// 'tag' line wins; objects the undo run already finished are skipped; objects its own audit log
// shows as started but not finished are marked (their change may have gone through). A small log
// is read at once; a large one is first split by a hash of the object id into bucket files beside
// the runs, and the buckets are then read one at a time: every line of an object lands in the same
// bucket, in the order of the log, so "latest wins" and "already done" stay exact per bucket.

import { appendFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DamagedLines, readJsonl } from './jsonLines';
import { isAuditEntry, objectId, readAudit, type AuditEntry, type DoneEntry, type ObjectOutcome } from './runStore';

/** About this much of the audit log is held in memory at once (a Map entry costs ~2–3× its line). */
export const UNDO_BUCKET_BYTES = 8 * 1024 * 1024;
const MAX_BUCKETS = 4096;
/** Buffered lines per bucket file, across every bucket (then appended). */
const WRITE_BUFFER_BYTES = 16 * 1024 * 1024;

export interface UndoItem {
  entry: AuditEntry;
  /** The undo run wrote an audit line for this object but no done line: its change may have gone through. */
  interrupted: boolean;
}

/** The undo run's own logs: where they are, and the tally of damaged lines for each. */
export interface UndoRunLogs {
  auditPath: string;
  donePath: string;
  damageOf(path: string): DamagedLines;
}

/** FNV-1a over the UTF-16 code units: cheap, and spreads ids evenly over the buckets. */
function bucketOf(id: string, buckets: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) % buckets;
}

/**
 * Lines for many bucket files, buffered and appended a batch at a time (no file handle stays open).
 * The buffers are Buffers, reused: the lines do not linger in the JavaScript heap until a flush.
 */
class BucketFiles {
  private readonly buffers: (Buffer | undefined)[];
  private readonly used: number[];
  private readonly flushAt: number;

  constructor(
    private readonly dir: string,
    private readonly kind: string,
    buckets: number,
  ) {
    this.buffers = new Array<Buffer | undefined>(buckets).fill(undefined);
    this.used = new Array<number>(buckets).fill(0);
    this.flushAt = Math.max(16 * 1024, Math.min(1024 * 1024, Math.floor(WRITE_BUFFER_BYTES / buckets)));
  }

  path(bucket: number): string {
    return join(this.dir, `${this.kind}-${bucket}.jsonl`);
  }

  async add(bucket: number, line: string): Promise<void> {
    const bytes = Buffer.byteLength(line);
    if (bytes > this.flushAt) {
      await this.flush(bucket);
      await appendFile(this.path(bucket), line);
      return;
    }
    if (this.used[bucket]! + bytes > this.flushAt) await this.flush(bucket);
    const buffer = (this.buffers[bucket] ??= Buffer.allocUnsafe(this.flushAt));
    this.used[bucket]! += buffer.write(line, this.used[bucket]!);
  }

  private async flush(bucket: number): Promise<void> {
    const buffer = this.buffers[bucket];
    if (!buffer || this.used[bucket] === 0) return;
    await appendFile(this.path(bucket), buffer.subarray(0, this.used[bucket]));
    this.used[bucket] = 0;
  }

  async flushAll(): Promise<void> {
    for (let b = 0; b < this.buffers.length; b++) await this.flush(b);
    this.buffers.fill(undefined);
  }
}

export class UndoPlan {
  /** The first object's latest line (what the undo's spec is made from when the source has no spec). */
  first: AuditEntry | undefined;
  /** Whether any line names a version. */
  versioned = false;
  private bucketLines: number[];
  private dir: string | undefined;
  /** A small log: the latest line per object, read at once. */
  private single: Map<string, AuditEntry> | undefined;
  private logs: UndoRunLogs | undefined;

  private constructor(private readonly buckets: number) {
    this.bucketLines = new Array<number>(buckets).fill(0);
  }

  /** Objects to look at: exact once every bucket was read, an upper bound (lines) until then. */
  get total(): number {
    return this.bucketLines.reduce((a, b) => a + b, 0);
  }

  /**
   * Reads the audit log once: damaged lines are skipped and counted in `damaged`, a line that is
   * not an audit line is an error (the file is not an audit log). A log over `bucketBytes` is split
   * into bucket files in a new folder under `workRoot` (removed by `dispose`).
   */
  static async scan(auditPath: string, options: { workRoot: string; damaged: DamagedLines; bucketBytes?: number }): Promise<UndoPlan> {
    let size = 0;
    try {
      size = (await stat(auditPath)).size;
    } catch {
      // readAudit says that it does not exist.
    }
    const buckets = Math.min(MAX_BUCKETS, Math.max(1, Math.ceil(size / (options.bucketBytes ?? UNDO_BUCKET_BYTES))));
    const plan = new UndoPlan(buckets);
    if (buckets === 1) {
      const latest = new Map<string, AuditEntry>();
      for await (const entry of readAudit(auditPath, options.damaged)) {
        if (entry.action !== 'tag') continue;
        plan.first ??= entry;
        if (entry.versionId !== null) plan.versioned = true;
        latest.set(objectId(entry.key, entry.versionId), entry);
      }
      plan.single = latest;
      plan.bucketLines[0] = latest.size;
      plan.first = plan.first && latest.get(objectId(plan.first.key, plan.first.versionId));
      return plan;
    }
    plan.dir = await mkdtemp(join(options.workRoot, '.undo-buckets-'));
    try {
      const files = new BucketFiles(plan.dir, 'source', buckets);
      let firstId: string | undefined;
      for await (const entry of readAudit(auditPath, options.damaged)) {
        if (entry.action !== 'tag') continue;
        const id = objectId(entry.key, entry.versionId);
        firstId ??= id;
        if (id === firstId) plan.first = entry;
        if (entry.versionId !== null) plan.versioned = true;
        const bucket = bucketOf(id, buckets);
        plan.bucketLines[bucket]!++;
        await files.add(bucket, JSON.stringify(entry) + '\n');
      }
      await files.flushAll();
    } catch (error) {
      await plan.dispose();
      throw error;
    }
    return plan;
  }

  /**
   * Reads the undo run's own logs (a resumed undo): split into the same buckets, and the outcomes
   * of the objects it already finished (the first line of each counts).
   */
  async attach(logs: UndoRunLogs): Promise<Map<ObjectOutcome, number>> {
    this.logs = logs;
    const outcomes = new Map<ObjectOutcome, number>();
    if (this.dir !== undefined) {
      const done = new BucketFiles(this.dir, 'done', this.buckets);
      const damaged = logs.damageOf(logs.donePath);
      for await (const { record, line } of readJsonl(logs.donePath, { damaged })) {
        if (!isDone(record)) {
          damaged.add(line);
          continue;
        }
        await done.add(bucketOf(objectId(record.key, record.versionId ?? null), this.buckets), JSON.stringify(record) + '\n');
      }
      await done.flushAll();
      const own = new BucketFiles(this.dir, 'own', this.buckets);
      const ownDamage = logs.damageOf(logs.auditPath);
      for await (const { record, line } of readJsonl(logs.auditPath, { damaged: ownDamage })) {
        if (!isAuditEntry(record)) {
          ownDamage.add(line);
          continue;
        }
        await own.add(bucketOf(objectId(record.key, record.versionId), this.buckets), JSON.stringify({ key: record.key, versionId: record.versionId }) + '\n');
      }
      await own.flushAll();
    }
    for (let bucket = 0; bucket < this.buckets; bucket++) {
      const seen = new Set<string>();
      for await (const entry of this.doneOf(bucket)) {
        const id = objectId(entry.key, entry.versionId ?? null);
        if (seen.has(id)) continue;
        seen.add(id);
        outcomes.set(entry.outcome, (outcomes.get(entry.outcome) ?? 0) + 1);
      }
    }
    return outcomes;
  }

  private async *doneOf(bucket: number): AsyncGenerator<DoneEntry> {
    const logs = this.logs!;
    const single = this.dir === undefined;
    // The run's own file was counted for damage already when split; a small one is counted here, once.
    const damaged = single ? (bucket === 0 ? logs.damageOf(logs.donePath) : new DamagedLines(logs.donePath)) : new DamagedLines('');
    for await (const { record, line } of readJsonl(single ? logs.donePath : join(this.dir!, `done-${bucket}.jsonl`), { damaged })) {
      if (isDone(record)) yield record;
      else damaged.add(line);
    }
  }

  private async *ownOf(bucket: number): AsyncGenerator<{ key: string; versionId: string | null }> {
    const logs = this.logs!;
    if (this.dir === undefined) {
      const damaged = logs.damageOf(logs.auditPath);
      for await (const { record, line } of readJsonl(logs.auditPath, { damaged })) {
        if (isAuditEntry(record)) yield record;
        else damaged.add(line);
      }
      return;
    }
    for await (const { record } of readJsonl(join(this.dir, `own-${bucket}.jsonl`), { damaged: new DamagedLines('') }))
      yield record as { key: string; versionId: string | null };
  }

  private async sourceOf(bucket: number): Promise<Map<string, AuditEntry>> {
    if (this.single) {
      const latest = this.single;
      this.single = undefined;
      return latest;
    }
    const latest = new Map<string, AuditEntry>();
    for await (const entry of readAudit(join(this.dir!, `source-${bucket}.jsonl`), new DamagedLines('')))
      latest.set(objectId(entry.key, entry.versionId), entry);
    return latest;
  }

  /** Every object to undo, bucket by bucket, skipping those the undo run finished. Call `attach` first. */
  async *items(): AsyncGenerator<UndoItem> {
    for (let bucket = 0; bucket < this.buckets; bucket++) {
      if (this.bucketLines[bucket] === 0) continue;
      const done = new Set<string>();
      for await (const entry of this.doneOf(bucket)) done.add(objectId(entry.key, entry.versionId ?? null));
      const interrupted = new Set<string>();
      for await (const entry of this.ownOf(bucket)) {
        const id = objectId(entry.key, entry.versionId);
        if (!done.has(id)) interrupted.add(id);
      }
      const latest = await this.sourceOf(bucket);
      this.bucketLines[bucket] = latest.size;
      for (const [id, entry] of latest) {
        if (done.has(id)) continue;
        yield { entry, interrupted: interrupted.has(id) };
      }
    }
  }

  /** Removes the bucket files. */
  async dispose(): Promise<void> {
    if (this.dir !== undefined) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

function isDone(value: unknown): value is DoneEntry {
  const e = value as DoneEntry;
  return (
    typeof e === 'object' && e !== null && typeof e.key === 'string' && (e.versionId === null || e.versionId === undefined || typeof e.versionId === 'string')
  );
}

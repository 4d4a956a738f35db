// Tagging objects for expiration, and undoing it: per object read the tags, merge, write the audit
// line (synced), put the new set, then record the object as done — with bounded concurrency,
// retries, progress, cancellation, and resume from the run's checkpoint.

import type { S3Client } from '@aws-sdk/client-s3';
import { dirname } from 'node:path';
import { BoundedQueue } from '../core/retention/boundedQueue';
import type { TagSpec } from '../core/retention/report';
import {
  createRun,
  DamagedLines,
  objectId,
  type AuditEntry,
  type ObjectFailure,
  type ObjectOutcome,
  type RunHandle,
  type RunState,
  type TaggingCounts,
  type UndoCounts,
} from '../core/retention/runStore';
import { UndoPlan, type UndoItem } from '../core/retention/undoPlan';
import { addedTags, decideTags, hasTag, removeExpirationTag, tagSetsEqual, type Tag, type TagDecision, type TagSkipReason } from '../core/retention/tagSet';
import { isAbortError, type RetryPolicy } from './backoff';
import { ObjectLockPermissionError, openObjectTags, UnexpectedAnswerError, type ObjectHead, type TagTransport } from './objectTags';
import { describeFailure, WorkerPool } from './workerPool';
import { listSelection, resolveObjectLock, resolveVersioned, type ListedObject } from './tagTargets';

export { listTaggingTargets, previewTagging, type TaggingPreview, type TargetSelection } from './tagTargets';

export interface TaggingProgress extends TaggingCounts {
  /** Requests retried, the SDK's own retries included. */
  retries: number;
  /** Objects finished per second, over the last few seconds. */
  objectsPerSecond: number;
  done: boolean;
}

export interface UndoProgress extends UndoCounts {
  /** Objects in the audit log to look at. */
  total: number;
  retries: number;
  objectsPerSecond: number;
  done: boolean;
}

export interface RunOptions<P> {
  /** Objects worked on at once (default 16). The S3 client needs at least as many sockets. */
  concurrency?: number;
  signal?: AbortSignal;
  /** At most every ~200 ms, and once at the end with `done: true`. */
  onProgress?: (progress: P) => void;
  retry?: Partial<RetryPolicy>;
  /** How the per-object requests are sent (objectTags.ts): direct signed requests by default. */
  transport?: TagTransport;
}

export interface TaggingResult {
  runId: string;
  /** 'finished'; 'cancelled' (resumable); 'failed' when some objects failed (resume retries them). */
  state: RunState;
  progress: TaggingProgress;
  /** The first failures, with reasons. */
  failures: ObjectFailure[];
  auditPath: string;
  /** Damaged lines skipped in the run's done.jsonl and audit.jsonl (torn writes); the lines around them were read. */
  damaged: DamagedLines[];
}

export interface UndoResult extends UndoCounts {
  runId: string;
  state: RunState;
  retries: number;
  failures: ObjectFailure[];
  /** The undo's own audit log (action 'untag'). */
  auditPath: string;
  /** Damaged lines skipped in the audit log undone and in the undo's own logs; the lines around them were read. */
  damaged: DamagedLines[];
}

/** The run could not go on as a whole (listing failed, or every request fails); job.json says so too. */
export class TaggingRunError extends Error {
  constructor(
    message: string,
    readonly runId: string,
    override readonly cause: unknown,
  ) {
    super(message);
    this.name = 'TaggingRunError';
  }
}

const PROGRESS_EVERY_MS = 200;
const CHECKPOINT_EVERY_MS = 5_000;

function emptyTaggingCounts(): TaggingCounts {
  return {
    listed: 0,
    tagged: 0,
    skipped: { alreadyTagged: 0, keepTag: 0, tagLimit: 0, conflictingTag: 0, exempt: 0, young: 0, locked: 0, changed: 0 },
    gone: 0,
    failed: 0,
  };
}

/** Under a legal hold, or an Object Lock retention that has not ended: lifecycle cannot delete it, so it is not tagged. */
export function isLocked(head: { ObjectLockLegalHoldStatus?: string; ObjectLockMode?: string; ObjectLockRetainUntilDate?: Date }, now: number): boolean {
  if (head.ObjectLockLegalHoldStatus === 'ON') return true;
  return head.ObjectLockMode !== undefined && head.ObjectLockRetainUntilDate !== undefined && head.ObjectLockRetainUntilDate.getTime() > now;
}

/** How often an object's tags may change under a run's merge before the object is given up (and left for a resume). */
const MAX_MERGES = 3;

/**
 * Whether HeadObject shows the object the listing saw: same ETag and Last-Modified (to the second, as HTTP dates
 * go). What either side lacks is not compared.
 */
export function sameObject(listed: { etag?: string; lastModified?: Date }, head: ObjectHead): boolean {
  const bare = (etag: string) => etag.replace(/^W\//, '').replace(/"/g, '');
  if (listed.etag !== undefined && head.ETag !== undefined && bare(listed.etag) !== bare(head.ETag)) return false;
  const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
  return !(listed.lastModified !== undefined && head.LastModified !== undefined && seconds(listed.lastModified) !== seconds(head.LastModified));
}

function isGone(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NoSuchVersion' || (e?.$metadata?.httpStatusCode === 404 && e?.name !== 'NoSuchBucket');
}

/**
 * Tags the run's objects. A new run starts from nothing; an opened run that stopped (cancelled,
 * crashed, failed) goes on where it stopped: objects in done.jsonl are not requested again.
 * Cancelling leaves the run resumable. Throws TaggingRunError when the run cannot go on as a whole.
 */
export async function runTagging(client: S3Client, run: RunHandle, options: RunOptions<TaggingProgress> = {}): Promise<TaggingResult> {
  const concurrency = Math.max(1, options.concurrency ?? 16);
  const spec = run.spec;
  const engine = new WorkerPool(options.signal, options.retry, Math.max(25, concurrency * 2));
  await run.lock();
  const counts = emptyTaggingCounts();
  const queue = new BoundedQueue<ListedObject>(concurrency * 4);
  const objectTags = openObjectTags(client, { transport: options.transport, maxSockets: concurrency + 8 });
  try {
    const done = await run.readDone();
    for (const [outcome, n] of done.outcomes) addOutcome(counts, outcome, n);
    const interrupted = await run.auditedNotDone(done.ids);
    const versioned = await resolveVersioned(client, spec, { signal: engine.signal, retry: engine.policy });
    // With Object Lock on the bucket, each object's retention and legal hold is looked at before it is tagged.
    const objectLock = await resolveObjectLock(client, spec.bucket, { signal: engine.signal, retry: engine.policy });
    await run.update({ spec: { ...spec, versioned }, state: 'running', error: null, counts, failures: [] });

    const progress = (finished: boolean): TaggingProgress => ({
      ...counts,
      skipped: { ...counts.skipped },
      retries: engine.retries,
      objectsPerSecond: engine.rate(),
      done: finished,
    });
    engine.every(PROGRESS_EVERY_MS, () => options.onProgress?.(progress(false)));
    engine.every(CHECKPOINT_EVERY_MS, () => void run.update({ counts: { ...counts, skipped: { ...counts.skipped } } }).catch(() => undefined));

    const lister = (async () => {
      try {
        for await (const o of listSelection(
          client,
          { ...spec, versioned },
          { signal: engine.signal, retry: engine.policy, onRetry: (n) => (engine.retries += n) },
        )) {
          counts.listed++;
          if (done.ids.size > 0 && done.ids.has(objectId(o.key, o.versionId))) continue;
          if (o.verdict !== 'target') counts.skipped[o.verdict]++;
          else if (!(await queue.push(o))) return;
        }
      } catch (error) {
        if (!engine.signal.aborted) engine.stop(error);
      } finally {
        queue.close();
      }
    })();

    const tagOne = async (o: ListedObject): Promise<ObjectOutcome> => {
      const versionId = o.versionId ?? undefined;
      // Read explicitly: HeadObject hides the lock from callers not allowed to read it; a refusal stops the run.
      if (objectLock && isLocked(await engine.send(() => objectTags.lockState(spec.bucket, o.key, versionId)), Date.now())) return 'locked';
      const before = await engine.send(() => objectTags.getTags(spec.bucket, o.key, versionId));
      const decision = decideTags(before, spec.tag, spec.keepTag ?? undefined);
      // Already tagged by this very run, before it stopped: the put went through, the answer got lost.
      if (decision.action === 'skip') return decision.reason === 'alreadyTagged' && interrupted.has(objectId(o.key, o.versionId)) ? 'tagged' : decision.reason;
      const put = await putMerged(before, decision.after, (tags) => decideTags(tags, spec.tag, spec.keepTag ?? undefined), {
        action: 'tag',
        key: o.key,
        versionId: o.versionId,
      });
      if (put.action === 'skip') return put.reason;
      // An unversioned key may have been overwritten since it was listed, and the put then tagged the new object.
      return o.versionId === null ? checkStillListed(o) : 'tagged';
    };

    /**
     * Write-ahead, then put: the audit line is on disk before the change is sent, so no changed object lacks one.
     * S3 has no conditional tagging, so the tags are read again just before the put: a tag added while the line was
     * written is merged in (a new line, a new decision) instead of being overwritten. What remains is the instant
     * between that read and the put.
     */
    const putMerged = async (
      before: Tag[],
      after: Tag[],
      decide: (tags: Tag[]) => TagDecision,
      what: { action: 'tag' | 'untag'; key: string; versionId: string | null },
    ): Promise<TagDecision> => {
      const versionId = what.versionId ?? undefined;
      for (let attempt = 1; ; attempt++) {
        await writeAhead(run, {
          time: new Date().toISOString(),
          action: what.action,
          bucket: spec.bucket,
          key: what.key,
          versionId: what.versionId,
          before,
          after,
        });
        if (engine.signal.aborted) throw engine.signal.reason;
        const now = await engine.send(() => objectTags.getTags(spec.bucket, what.key, versionId));
        if (tagSetsEqual(now, before)) break;
        if (attempt >= MAX_MERGES)
          throw new Error(`the tags of ${what.key} changed ${attempt} times while the run merged its tag into them; resume the run to try again`);
        const decision = decide(now);
        if (decision.action === 'skip') return decision;
        before = now;
        after = decision.after;
      }
      await engine.send(() =>
        after.length === 0 ? objectTags.deleteTags(spec.bucket, what.key, versionId) : objectTags.putTags(spec.bucket, what.key, versionId, after),
      );
      return { action: 'put', after };
    };

    /**
     * After the put on an unversioned key: if the object is no longer the one listed (ETag, Last-Modified), it was
     * overwritten while we tagged it, and our put may have landed on the new object: the new object loses our tag
     * (an 'untag' audit line) and the key counts as changed, not tagged.
     */
    const checkStillListed = async (o: ListedObject): Promise<ObjectOutcome> => {
      const head = await engine.send(() => objectTags.head(spec.bucket, o.key, undefined));
      if (sameObject(o, head)) return 'tagged';
      const current = await engine.send(() => objectTags.getTags(spec.bucket, o.key, undefined));
      if (!hasTag(current, spec.tag)) return 'changed';
      const untag = (tags: Tag[]): TagDecision =>
        hasTag(tags, spec.tag) ? { action: 'put', after: removeExpirationTag(tags, spec.tag) } : { action: 'skip', reason: 'alreadyTagged' };
      await putMerged(current, removeExpirationTag(current, spec.tag), untag, { action: 'untag', key: o.key, versionId: null });
      return 'changed';
    };

    await engine.runWorkers(concurrency, async () => {
      for (let o = await queue.pull(); o !== undefined && !engine.signal.aborted; o = await queue.pull()) {
        let outcome: ObjectOutcome;
        try {
          outcome = await tagOne(o);
        } catch (error) {
          if (engine.signal.aborted) return;
          if (isGone(error)) outcome = 'gone';
          else if (stopsTheRun(error)) return engine.stop(error);
          else {
            counts.failed++;
            engine.failed(o.key, o.versionId, error);
            continue;
          }
        }
        addOutcome(counts, outcome, 1);
        engine.succeeded();
        await run.appendDone({ key: o.key, versionId: o.versionId, outcome });
      }
    });
    queue.clear();
    await lister;

    const state: RunState = engine.fatal !== undefined ? 'failed' : engine.cancelled ? 'cancelled' : counts.failed > 0 ? 'failed' : 'finished';
    const error =
      engine.fatal !== undefined ? describeFailure(engine.fatal) : counts.failed > 0 ? `${counts.failed} objects failed; resume the run to retry them` : null;
    const final = progress(true);
    await run.update({ state, counts: { ...counts, skipped: { ...counts.skipped } }, failures: engine.failures, error });
    options.onProgress?.(final);
    if (engine.fatal !== undefined) throw new TaggingRunError(`Tagging run ${run.id} stopped: ${describeFailure(engine.fatal)}`, run.id, engine.fatal);
    return { runId: run.id, state, progress: final, failures: engine.failures, auditPath: run.auditPath, damaged: run.damaged };
  } catch (error) {
    if (error instanceof TaggingRunError) throw error;
    queue.clear();
    // Cancelled while preparing (reading the checkpoint, asking whether the bucket is versioned).
    if (engine.cancelled && isAbortError(error)) {
      await run.update({ state: 'cancelled', counts: { ...counts, skipped: { ...counts.skipped } } });
      const progress: TaggingProgress = { ...counts, retries: engine.retries, objectsPerSecond: 0, done: true };
      options.onProgress?.(progress);
      return { runId: run.id, state: 'cancelled', progress, failures: [], auditPath: run.auditPath, damaged: run.damaged };
    }
    await run.update({ state: 'failed', counts, error: describeFailure(error) }).catch(() => undefined);
    throw error;
  } finally {
    engine.dispose();
    objectTags.close();
    await run.close();
  }
}

function addOutcome(counts: TaggingCounts, outcome: ObjectOutcome, n: number): void {
  if (outcome === 'tagged') counts.tagged += n;
  else if (outcome === 'gone') counts.gone += n;
  else if (outcome in counts.skipped) counts.skipped[outcome as TagSkipReason] += n;
}

/** The audit log could not be written (a full disk, say): without its line nothing may change, so the run stops. */
class AuditWriteError extends Error {
  constructor(override readonly cause: unknown) {
    super(`could not write the audit log: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'AuditWriteError';
  }
}

/**
 * Errors after which no object may be changed: the audit log cannot be written, a lock read was refused (a locked
 * object would look unlocked), or the endpoint answers with something that is not S3's document (a proxy's page).
 */
function stopsTheRun(error: unknown): boolean {
  return error instanceof AuditWriteError || error instanceof ObjectLockPermissionError || error instanceof UnexpectedAnswerError;
}

async function writeAhead(run: RunHandle, entry: AuditEntry): Promise<void> {
  try {
    await run.appendAudit(entry);
  } catch (error) {
    throw new AuditWriteError(error);
  }
}

/** Where an undo run goes when not told: beside the run whose audit log it undoes. */
function defaultUndoRoot(source: string | RunHandle): string {
  return typeof source === 'string' ? dirname(dirname(source)) : source.root;
}

/**
 * Undoes a tagging run from its audit log (a run, or an audit.jsonl path). Per object, the latest
 * 'tag' line wins: tags still exactly as we left them get their old set back (no tags: the tag set
 * is deleted); tags changed since keep the change and lose only our tag; tags without ours are left
 * alone. The undo is a run of its own (kind 'untag') with its own audit log and checkpoint;
 * pass `undoRun` to resume one.
 */
export async function undoTagging(
  client: S3Client,
  source: string | RunHandle,
  options: RunOptions<UndoProgress> & { root?: string; undoRun?: RunHandle } = {},
): Promise<UndoResult> {
  const concurrency = Math.max(1, options.concurrency ?? 16);
  const auditPath = typeof source === 'string' ? source : source.auditPath;
  const root = options.root ?? defaultUndoRoot(source);
  // Latest line per object wins (a resumed tagging run may have written one twice), read in bounded memory.
  const sourceDamage = new DamagedLines(auditPath);
  const plan = await UndoPlan.scan(auditPath, { workRoot: root, damaged: sourceDamage });
  try {
    return await undoFromPlan(client, source, plan, sourceDamage, root, concurrency, options);
  } finally {
    await plan.dispose();
  }
}

async function undoFromPlan(
  client: S3Client,
  source: string | RunHandle,
  plan: UndoPlan,
  sourceDamage: DamagedLines,
  root: string,
  concurrency: number,
  options: RunOptions<UndoProgress> & { undoRun?: RunHandle },
): Promise<UndoResult> {
  const sourceSpec = typeof source === 'string' ? undefined : source.spec;
  const first = plan.first;
  const expiration: TagSpec | undefined = sourceSpec?.tag ?? (first ? toSpec(addedTags(first.before, first.after)[0]) : undefined);
  const run =
    options.undoRun ??
    (await createRun(root, {
      kind: 'untag',
      bucket: sourceSpec?.bucket ?? first?.bucket ?? '',
      prefixes: sourceSpec?.prefixes ?? [],
      tag: expiration ?? { key: '', value: '' },
      keepTag: null,
      exemptGlobs: [],
      olderThan: null,
      versioned: plan.versioned,
      lifecycleRule: null,
      sourceAudit: typeof source === 'string' ? source : source.auditPath,
    }));
  const damaged = () => [...(sourceDamage.count > 0 ? [sourceDamage] : []), ...run.damaged];

  const engine = new WorkerPool(options.signal, options.retry, Math.max(25, concurrency * 2));
  const counts: UndoCounts = { restored: 0, alreadyClean: 0, gone: 0, failed: 0 };
  const objectTags = openObjectTags(client, { transport: options.transport, maxSockets: concurrency + 8 });
  const queue = new BoundedQueue<UndoItem>(concurrency * 4);
  await run.lock();
  try {
    const doneOutcomes = await plan.attach(run);
    for (const [outcome, n] of doneOutcomes) if (outcome === 'restored' || outcome === 'alreadyClean' || outcome === 'gone') counts[outcome] += n;
    await run.update({ state: 'running', error: null, counts, failures: [] });
    const progress = (finished: boolean): UndoProgress => ({
      ...counts,
      total: plan.total,
      retries: engine.retries,
      objectsPerSecond: engine.rate(),
      done: finished,
    });
    engine.every(PROGRESS_EVERY_MS, () => options.onProgress?.(progress(false)));
    engine.every(CHECKPOINT_EVERY_MS, () => void run.update({ counts: { ...counts } }).catch(() => undefined));

    const undoOne = async ({ entry, interrupted }: UndoItem): Promise<ObjectOutcome> => {
      const versionId = entry.versionId ?? undefined;
      const current = await engine.send(() => objectTags.getTags(entry.bucket, entry.key, versionId));
      const ours = addedTags(entry.before, entry.after);
      let target: Tag[];
      if (tagSetsEqual(current, entry.after)) target = entry.before;
      else if (ours.some((t) => hasTag(current, { key: t.Key, value: t.Value })))
        target = ours.reduce((tags, t) => removeExpirationTag(tags, { key: t.Key, value: t.Value }), current);
      else return interrupted ? 'restored' : 'alreadyClean';
      await writeAhead(run, {
        time: new Date().toISOString(),
        action: 'untag',
        bucket: entry.bucket,
        key: entry.key,
        versionId: entry.versionId,
        before: current,
        after: target,
      });
      if (engine.signal.aborted) throw engine.signal.reason;
      await engine.send(() =>
        target.length === 0 ? objectTags.deleteTags(entry.bucket, entry.key, versionId) : objectTags.putTags(entry.bucket, entry.key, versionId, target),
      );
      return 'restored';
    };

    // One bucket of the plan in memory at a time; the queue holds the workers' next objects.
    const producer = (async () => {
      try {
        for await (const item of plan.items()) if (engine.signal.aborted || !(await queue.push(item))) return;
      } catch (error) {
        if (!engine.signal.aborted) engine.stop(error);
      } finally {
        queue.close();
      }
    })();

    await engine.runWorkers(concurrency, async () => {
      for (let item = await queue.pull(); item !== undefined && !engine.signal.aborted; item = await queue.pull()) {
        const { entry } = item;
        let outcome: ObjectOutcome;
        try {
          outcome = await undoOne(item);
        } catch (error) {
          if (engine.signal.aborted) return;
          if (isGone(error)) outcome = 'gone';
          else if (stopsTheRun(error)) return engine.stop(error);
          else {
            counts.failed++;
            engine.failed(entry.key, entry.versionId, error);
            continue;
          }
        }
        if (outcome === 'restored' || outcome === 'alreadyClean' || outcome === 'gone') counts[outcome]++;
        engine.succeeded();
        await run.appendDone({ key: entry.key, versionId: entry.versionId, outcome });
      }
    });
    queue.clear();
    await producer;

    const state: RunState = engine.fatal !== undefined ? 'failed' : engine.cancelled ? 'cancelled' : counts.failed > 0 ? 'failed' : 'finished';
    const error =
      engine.fatal !== undefined ? describeFailure(engine.fatal) : counts.failed > 0 ? `${counts.failed} objects failed; resume the undo to retry them` : null;
    await run.update({ state, counts: { ...counts }, failures: engine.failures, error });
    options.onProgress?.(progress(true));
    if (engine.fatal !== undefined) throw new TaggingRunError(`Undo run ${run.id} stopped: ${describeFailure(engine.fatal)}`, run.id, engine.fatal);
    return { runId: run.id, state, ...counts, retries: engine.retries, failures: engine.failures, auditPath: run.auditPath, damaged: damaged() };
  } catch (error) {
    if (error instanceof TaggingRunError) throw error;
    queue.clear();
    if (engine.cancelled && isAbortError(error)) {
      await run.update({ state: 'cancelled', counts: { ...counts } });
      return { runId: run.id, state: 'cancelled', ...counts, retries: engine.retries, failures: [], auditPath: run.auditPath, damaged: damaged() };
    }
    await run.update({ state: 'failed', counts: { ...counts }, error: describeFailure(error) }).catch(() => undefined);
    throw error;
  } finally {
    engine.dispose();
    objectTags.close();
    await run.close();
  }
}

function toSpec(tag: Tag | undefined): TagSpec | undefined {
  return tag ? { key: tag.Key, value: tag.Value } : undefined;
}

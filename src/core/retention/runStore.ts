// The checkpoint and audit log of a tagging run, one folder per run: job.json (what was asked, how
// far it got), audit.jsonl (every change, written and synced before the change is sent) and
// done.jsonl (every finished object, so a resumed run skips it without a request).

import type { LifecycleRule } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { JsonlWriter, readJsonl } from './jsonLines';
import type { TagSpec } from './report';
import type { KeepTag, Tag, TagSkipReason } from './tagSet';

export type RunKind = 'tag' | 'untag';
export type RunState = 'running' | 'finished' | 'cancelled' | 'failed';

export interface TaggingCounts {
  listed: number;
  tagged: number;
  /**
   * `locked`: under Object Lock retention or a legal hold when the run looked (S3 would not delete it anyway).
   * `changed`: an unversioned key overwritten while the run tagged it: the new object is left without our tag.
   */
  skipped: Record<TagSkipReason | 'exempt' | 'young' | 'locked' | 'changed', number>;
  gone: number;
  failed: number;
}

export interface UndoCounts {
  restored: number;
  alreadyClean: number;
  gone: number;
  failed: number;
}

/** What a run was asked to do: enough to resume it without the original command line. */
export interface RunSpec {
  kind: RunKind;
  /** The connection the run talks through (`default`, or a name from s3lifecycle.connections); absent: the default one. */
  connectionId?: string;
  bucket: string;
  /** Analysis prefixes, verbatim (see TargetSelection); '' is the bucket root. */
  prefixes: string[];
  tag: TagSpec;
  keepTag: KeepTag | null;
  exemptGlobs: string[];
  /** ISO-8601; objects last modified at or after it are left alone. */
  olderThan: string | null;
  /** Whether current versions are tagged by version id; found out by the run when not given. */
  versioned?: boolean;
  /** The lifecycle rule to ensure once every object is done; null: none (--no-lifecycle-rule, undo). */
  lifecycleRule?: {
    days: number;
    noncurrentDays: number | null;
    deleteMarkerRule?: boolean;
    /** The lifecycle rules the preview showed: the rule is written only while the bucket still has exactly these. */
    expectBefore?: LifecycleRule[];
  } | null;
  /** Undo only: the audit log being undone. */
  sourceAudit?: string | null;
}

export interface ObjectFailure {
  key: string;
  versionId: string | null;
  reason: string;
}

/** job.json: the spec, and how far the run got. */
export interface RunSummary {
  id: string;
  spec: RunSpec & { createdAt: string };
  state: RunState;
  /** As of `updatedAt`; a run that crashed may have done a little more than they say. */
  counts: TaggingCounts | UndoCounts | null;
  /** Lines this run wrote to its audit log (same caveat). */
  auditLines: number;
  /** The first failures, with reasons (the count is in `counts.failed`). */
  failures: ObjectFailure[];
  /** Why the run stopped, when it failed as a whole. */
  error: string | null;
  updatedAt: string;
}

export interface AuditEntry {
  time: string;
  action: 'tag' | 'untag';
  bucket: string;
  key: string;
  versionId: string | null;
  before: Tag[];
  after: Tag[];
}

export type ObjectOutcome = 'tagged' | TagSkipReason | 'locked' | 'changed' | 'gone' | 'restored' | 'alreadyClean';

export interface DoneEntry {
  key: string;
  versionId: string | null;
  outcome: ObjectOutcome;
}

export class RunStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunStoreError';
  }
}

const JOB = 'job.json';
const AUDIT = 'audit.jsonl';
const DONE = 'done.jsonl';
const LOCK = 'lock';

/** The identity of one object version in done.jsonl and in memory. */
export function objectId(key: string, versionId: string | null): string {
  return versionId === null ? key : `${key}\u0000${versionId}`;
}

/** An open run folder. Writers append whole lines; a line without its newline is a torn write and is dropped. */
export class RunHandle {
  private jobWrite: Promise<void> = Promise.resolve();
  private auditWriter: JsonlWriter | undefined;
  private doneWriter: JsonlWriter | undefined;
  private locked = false;
  private readonly auditLinesAtOpen: number;
  private auditLinesAdded = 0;

  constructor(
    readonly root: string,
    private current: RunSummary,
  ) {
    this.auditLinesAtOpen = current.auditLines;
  }

  get id(): string {
    return this.current.id;
  }
  get spec(): RunSummary['spec'] {
    return this.current.spec;
  }
  /** job.json as last written by this handle. */
  get summary(): RunSummary {
    return this.current;
  }
  get dir(): string {
    return join(this.root, this.current.id);
  }
  get auditPath(): string {
    return join(this.dir, AUDIT);
  }
  get donePath(): string {
    return join(this.dir, DONE);
  }

  /** Writes job.json whole (temp file + rename), one write at a time, so a crash never leaves half of it. */
  update(patch: Partial<Omit<RunSummary, 'id' | 'updatedAt'>>): Promise<void> {
    this.current = { ...this.current, ...patch, auditLines: this.auditLinesAtOpen + this.auditLinesAdded, updatedAt: new Date().toISOString() };
    const text = JSON.stringify(this.current, null, 2) + '\n';
    this.jobWrite = this.jobWrite.then(async () => {
      const temp = join(this.dir, `${JOB}.tmp`);
      await writeFile(temp, text);
      await rename(temp, join(this.dir, JOB));
    });
    return this.jobWrite;
  }

  /**
   * One process at a time works on a run. A lock left by a process that is gone (a crash, a kill)
   * is taken over; one held by a live process is an error that says how to go on.
   */
  async lock(): Promise<void> {
    const path = join(this.dir, LOCK);
    const mine = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await writeFile(path, mine, { flag: 'wx' });
        this.locked = true;
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      let holder: { pid?: number; host?: string; since?: string } = {};
      try {
        holder = JSON.parse(await readFile(path, 'utf8')) as typeof holder;
      } catch {
        // An unreadable lock is a torn write of a crashed process.
      }
      if (holder.host === hostname() && typeof holder.pid === 'number' && holder.pid !== process.pid && processAlive(holder.pid)) {
        throw new RunStoreError(
          `Run ${this.id} is in use by process ${holder.pid} (since ${holder.since ?? 'unknown'}). Wait for it or stop it; if that process is gone, delete ${path}.`,
        );
      }
      if (holder.host !== undefined && holder.host !== hostname()) {
        throw new RunStoreError(`Run ${this.id} is locked by a process on ${holder.host}. If nothing runs it any more, delete ${path}.`);
      }
      await rm(path, { force: true });
    }
    throw new RunStoreError(`Could not lock run ${this.id}: another process took it at the same moment.`);
  }

  /** Appends audit lines and resolves once they are on disk (fdatasync): call before sending the change. */
  appendAudit(entry: AuditEntry): Promise<void> {
    this.auditWriter ??= new JsonlWriter(this.auditPath, true);
    return this.auditWriter.append(entry).then(() => {
      this.auditLinesAdded++;
    });
  }

  /** Appends a finished object; not synced (a lost line costs one repeated, harmless read on resume). */
  appendDone(entry: DoneEntry): Promise<void> {
    this.doneWriter ??= new JsonlWriter(this.donePath, false);
    return this.doneWriter.append(entry);
  }

  /** The objects already finished, and how each ended, from done.jsonl. */
  async readDone(): Promise<{ ids: Set<string>; outcomes: Map<ObjectOutcome, number> }> {
    const ids = new Set<string>();
    const outcomes = new Map<ObjectOutcome, number>();
    for await (const { record } of readJsonl(this.donePath)) {
      const entry = record as DoneEntry;
      const id = objectId(entry.key, entry.versionId ?? null);
      if (ids.has(id)) continue;
      ids.add(id);
      outcomes.set(entry.outcome, (outcomes.get(entry.outcome) ?? 0) + 1);
    }
    return { ids, outcomes };
  }

  /**
   * Objects with an audit line of this run but no done line: their change may have reached S3
   * before the run stopped. A resume that finds one already changed knows the change was its own.
   */
  async auditedNotDone(done: ReadonlySet<string>): Promise<Set<string>> {
    const ids = new Set<string>();
    for await (const { record } of readJsonl(this.auditPath)) {
      const entry = record as AuditEntry;
      const id = objectId(entry.key, entry.versionId ?? null);
      if (!done.has(id)) ids.add(id);
    }
    return ids;
  }

  /** Flushes the logs and lets go of the lock. */
  async close(): Promise<void> {
    const errors: unknown[] = [];
    for (const writer of [this.auditWriter, this.doneWriter]) await writer?.close().catch((e: unknown) => errors.push(e));
    this.auditWriter = undefined;
    this.doneWriter = undefined;
    await this.jobWrite.catch((e: unknown) => errors.push(e));
    if (this.locked) await rm(join(this.dir, LOCK), { force: true });
    this.locked = false;
    if (errors.length) throw errors[0];
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sortable by time: `20260901T101500Z-3fa2c1`. */
function newRunId(now: Date): string {
  return `${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

export async function createRun(root: string, spec: RunSpec): Promise<RunHandle> {
  await mkdir(root, { recursive: true });
  const now = new Date();
  const id = newRunId(now);
  await mkdir(join(root, id));
  const summary: RunSummary = {
    id,
    spec: { ...spec, prefixes: [...spec.prefixes], exemptGlobs: [...spec.exemptGlobs], createdAt: now.toISOString() },
    state: 'running',
    counts: null,
    auditLines: 0,
    failures: [],
    error: null,
    updatedAt: now.toISOString(),
  };
  const run = new RunHandle(root, summary);
  await run.update({});
  return run;
}

export async function openRun(root: string, runId: string): Promise<RunHandle> {
  if (!/^[\w.-]+$/.test(runId)) throw new RunStoreError(`"${runId}" is not a run id; run ids look like 20260901T101500Z-3fa2c1.`);
  const path = join(root, runId, JOB);
  let text;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new RunStoreError(`No run ${runId} in ${root}: check the id, or point --run-dir at the folder that holds it.`);
    throw error;
  }
  return new RunHandle(root, parseSummary(text, path));
}

function parseSummary(text: string, path: string): RunSummary {
  let summary: RunSummary;
  try {
    summary = JSON.parse(text) as RunSummary;
  } catch {
    throw new RunStoreError(`${path} is not valid JSON; the run cannot be resumed from it.`);
  }
  const spec = summary?.spec;
  if (typeof summary?.id !== 'string' || typeof spec?.bucket !== 'string' || !Array.isArray(spec.prefixes) || (spec.kind !== 'tag' && spec.kind !== 'untag')) {
    throw new RunStoreError(`${path} is not a tagging run's job file.`);
  }
  return { ...summary, counts: summary.counts ?? null, auditLines: summary.auditLines ?? 0, failures: summary.failures ?? [], error: summary.error ?? null };
}

/** Every run under `root`, newest first. Folders without a readable job.json are passed over. */
export async function listRuns(root: string): Promise<RunSummary[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const runs: RunSummary[] = [];
  for (const name of names) {
    const path = join(root, name, JOB);
    try {
      runs.push(parseSummary(await readFile(path, 'utf8'), path));
    } catch {
      // Not a run folder, or one being created this instant.
    }
  }
  return runs.sort((a, b) => (a.spec.createdAt < b.spec.createdAt ? 1 : a.spec.createdAt > b.spec.createdAt ? -1 : a.id < b.id ? 1 : -1));
}

/** The newest unfinished tagging run of the same bucket and prefixes (and tag, when given). */
export async function findResumable(root: string, bucket: string, prefixes: readonly string[], tag?: TagSpec): Promise<RunSummary | undefined> {
  const wanted = [...new Set(prefixes)].sort().join('\n');
  return (await listRuns(root)).find(
    ({ spec, state }) =>
      spec.kind === 'tag' &&
      state !== 'finished' &&
      spec.bucket === bucket &&
      [...new Set(spec.prefixes)].sort().join('\n') === wanted &&
      (tag === undefined || (spec.tag.key === tag.key && spec.tag.value === tag.value)),
  );
}

/** The audit lines of a file, in order; a torn last line (a crash mid-write) is dropped. */
export async function* readAudit(path: string): AsyncGenerator<AuditEntry> {
  for await (const { record, line } of readJsonl(path, { mustExist: true })) {
    if (!isAuditEntry(record)) throw new RunStoreError(`Line ${line} of ${path} is not an audit line (time, action, bucket, key, versionId, before, after).`);
    yield record;
  }
}

function isTagList(value: unknown): value is Tag[] {
  return (
    Array.isArray(value) &&
    value.every((t) => typeof t === 'object' && t !== null && typeof (t as Tag).Key === 'string' && typeof (t as Tag).Value === 'string')
  );
}

function isAuditEntry(value: unknown): value is AuditEntry {
  const e = value as AuditEntry;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.time === 'string' &&
    (e.action === 'tag' || e.action === 'untag') &&
    typeof e.bucket === 'string' &&
    typeof e.key === 'string' &&
    (e.versionId === null || typeof e.versionId === 'string') &&
    isTagList(e.before) &&
    isTagList(e.after)
  );
}

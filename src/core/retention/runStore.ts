// The checkpoint and audit log of a tagging run, one folder per run: job.json (what was asked, how
// far it got), audit.jsonl (every change, written and synced before the change is sent) and
// done.jsonl (every finished object, so a resumed run skips it without a request).

import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createFileAtomic, syncDirectory, writeFileAtomic } from './atomicFile';
import { countLines, HashedIdSet } from './idSet';
import { DamagedLines, JsonlWriter, readJsonl } from './jsonLines';
import { isRunId, parseSummary, RunStoreError, specDigest, type RunSpec, type RunSummary } from './runSummary';
import type { TagSpec } from './report';
import type { Tag, TagSkipReason } from './tagSet';

export {
  isRunId,
  RunStoreError,
  type ObjectFailure,
  type RunKind,
  type RunSpec,
  type RunState,
  type RunSummary,
  type TaggingCounts,
  type UndoCounts,
} from './runSummary';
export { DamagedLines } from './jsonLines';

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

const JOB = 'job.json';
const AUDIT = 'audit.jsonl';
const DONE = 'done.jsonl';
const LOCK = 'lock';

/** The identity of one object version in done.jsonl and in memory. */
export function objectId(key: string, versionId: string | null): string {
  return versionId === null ? key : `${key}\u0000${versionId}`;
}

/** Anything that tells whether an object id is done: a HashedIdSet, or a Set in tests. */
export interface IdLookup {
  has(id: string): boolean;
  readonly size: number;
}

/**
 * An open run folder. Writers append whole lines; a line without its newline is a torn write and
 * is dropped. The folder is always `root/<id>`, the id being the folder's own name.
 */
export class RunHandle {
  private jobWrite: Promise<void> = Promise.resolve();
  private auditWriter: JsonlWriter | undefined;
  private doneWriter: JsonlWriter | undefined;
  private locked = false;
  private readonly auditLinesAtOpen: number;
  private auditLinesAdded = 0;
  private readonly damage = new Map<string, DamagedLines>();

  constructor(
    readonly root: string,
    private current: RunSummary,
  ) {
    if (!isRunId(current.id)) throw new RunStoreError(`"${current.id}" is not a run id; run ids look like 20260901T101500Z-3fa2c1.`);
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

  /** The damaged lines skipped so far in the files this handle read (each file once, with its latest count). */
  get damaged(): DamagedLines[] {
    return [...this.damage.values()].filter((d) => d.count > 0);
  }

  /** A fresh tally for a file about to be read again. */
  damageOf(path: string): DamagedLines {
    const tally = new DamagedLines(path);
    this.damage.set(path, tally);
    return tally;
  }

  /**
   * Writes job.json whole, one write at a time (temp file, fsync, rename, fsync of the folder), so a
   * crash never leaves half of it. A new spec gets a new digest: only the run itself changes its spec.
   */
  update(patch: Partial<Omit<RunSummary, 'id' | 'updatedAt' | 'specDigest'>>): Promise<void> {
    const next = { ...this.current, ...patch, auditLines: this.auditLinesAtOpen + this.auditLinesAdded, updatedAt: new Date().toISOString() };
    if (patch.spec) next.specDigest = specDigest(next.id, next.spec);
    this.current = next;
    const text = JSON.stringify(this.current, null, 2) + '\n';
    this.jobWrite = this.jobWrite.then(() => writeFileAtomic(join(this.dir, JOB), text));
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
        await createFileAtomic(path, mine);
        this.locked = true;
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      let holder: { pid?: number; host?: string; since?: string } = {};
      try {
        holder = JSON.parse(await readFile(path, 'utf8')) as typeof holder;
      } catch {
        // An unreadable lock is a torn write of a crashed process (older versions wrote it in place).
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

  /**
   * The objects already finished, and how each ended (the first line of an object counts), from
   * done.jsonl: 16 bytes per object (HashedIdSet), not the ids themselves. Damaged lines are
   * skipped and counted (`damaged`); their objects are simply done again.
   */
  async readDone(): Promise<{ ids: HashedIdSet; outcomes: Map<ObjectOutcome, number> }> {
    const ids = new HashedIdSet(await countLines(this.donePath));
    const outcomes = new Map<ObjectOutcome, number>();
    const damaged = this.damageOf(this.donePath);
    for await (const { record, line } of readJsonl(this.donePath, { damaged })) {
      if (!isDoneEntry(record)) {
        damaged.add(line);
        continue;
      }
      if (!ids.add(objectId(record.key, record.versionId ?? null))) continue;
      outcomes.set(record.outcome, (outcomes.get(record.outcome) ?? 0) + 1);
    }
    return { ids, outcomes };
  }

  /**
   * Objects with an audit line of this run but no done line: their change may have reached S3
   * before the run stopped. A resume that finds one already changed knows the change was its own.
   */
  async auditedNotDone(done: IdLookup): Promise<HashedIdSet> {
    const ids = new HashedIdSet();
    const damaged = this.damageOf(this.auditPath);
    for await (const { record, line } of readJsonl(this.auditPath, { damaged })) {
      if (!isAuditEntry(record)) {
        damaged.add(line);
        continue;
      }
      const id = objectId(record.key, record.versionId ?? null);
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
  await syncDirectory(root);
  const fullSpec: RunSummary['spec'] = { ...spec, prefixes: [...spec.prefixes], exemptGlobs: [...spec.exemptGlobs], createdAt: now.toISOString() };
  const summary: RunSummary = {
    id,
    spec: fullSpec,
    specDigest: specDigest(id, fullSpec),
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

/**
 * Opens `root/<runId>`. Only the store's own ids are accepted, and the job file must pass every
 * check (runSummary.ts): its id is its folder's name and its spec matches the digest written with it.
 */
export async function openRun(root: string, runId: string): Promise<RunHandle> {
  if (!isRunId(runId)) throw new RunStoreError(`"${runId}" is not a run id; run ids look like 20260901T101500Z-3fa2c1.`);
  const path = join(root, runId, JOB);
  let text;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new RunStoreError(`No run ${runId} in ${root}: check the id, or point --run-dir at the folder that holds it.`);
    throw error;
  }
  return new RunHandle(root, parseSummary(text, path, runId));
}

/** Every run under `root`, newest first. Folders that are not runs, or whose job.json fails its checks, are passed over. */
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
    if (!isRunId(name)) continue;
    const path = join(root, name, JOB);
    try {
      runs.push(parseSummary(await readFile(path, 'utf8'), path, name));
    } catch {
      // Not a run folder, one being created this instant, or a job file that fails its checks (openRun says why).
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

/**
 * The audit lines of a file, in order. A torn line (a crash mid-write) is skipped and counted in
 * `damaged`; without it, only a torn last line is skipped and one in the middle is an error.
 */
export async function* readAudit(path: string, damaged?: DamagedLines): AsyncGenerator<AuditEntry> {
  for await (const { record, line } of readJsonl(path, { mustExist: true, ...(damaged ? { damaged } : {}) })) {
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

const OUTCOMES: readonly string[] = ['tagged', 'alreadyTagged', 'keepTag', 'tagLimit', 'conflictingTag', 'locked', 'gone', 'restored', 'alreadyClean'];

function isDoneEntry(value: unknown): value is DoneEntry {
  const e = value as DoneEntry;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.key === 'string' &&
    (e.versionId === null || e.versionId === undefined || typeof e.versionId === 'string') &&
    OUTCOMES.includes(e.outcome)
  );
}

export function isAuditEntry(value: unknown): value is AuditEntry {
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

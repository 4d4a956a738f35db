// job.json, the checkpoint of a tagging run: its types, the check of every field when it is read
// back, and the digest that binds a run to the plan it was created with. A run file is input like
// any other (it may be stale, committed to a repository, edited or planted): nothing in it is
// trusted until it has passed here.

import type { LifecycleRule } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { isRecord } from '../guards';
import { exemptionMatcher } from './exemptions';
import type { TagSpec } from './report';
import { checkTag, type KeepTag, type TagSkipReason } from './tagSet';

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
  /** sha256 of the run id and its spec, written with them: a spec changed since does not match it. */
  specDigest: string;
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

export class RunStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunStoreError';
  }
}

/** The store's own run ids, and nothing else (no '..', no separators): `20260901T101500Z-3fa2c1`. */
const RUN_ID = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;

export function isRunId(value: string): boolean {
  return RUN_ID.test(value);
}

/** JSON with the keys of every object sorted: the same value always gives the same text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The digest that binds a run id to its spec (the plan the user confirmed). */
export function specDigest(id: string, spec: RunSummary['spec']): string {
  return createHash('sha256').update(canonicalJson({ id, spec })).digest('hex');
}

const STATES: readonly string[] = ['running', 'finished', 'cancelled', 'failed'];
const MAX_DAYS = 36_500;

function isIsoTime(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const time = new Date(value);
  return !Number.isNaN(time.getTime()) && time.toISOString() === value;
}

function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isDays(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= MAX_DAYS;
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/** What is wrong with a spec, or undefined when every field is as the store writes it. */
function specProblem(spec: unknown): string | undefined {
  if (!isRecord(spec)) return 'it has no spec';
  const { kind } = spec;
  if (kind !== 'tag' && kind !== 'untag') return `spec.kind is ${JSON.stringify(kind)}, not "tag" or "untag"`;
  const tagging = kind === 'tag';
  if (spec.connectionId !== undefined && (typeof spec.connectionId !== 'string' || spec.connectionId === '')) return 'spec.connectionId is not a name';
  if (typeof spec.bucket !== 'string' || !(/^[A-Za-z0-9._-]{1,255}$/.test(spec.bucket) || (!tagging && spec.bucket === '')))
    return 'spec.bucket is not a bucket name';
  if (!isStringList(spec.prefixes) || (tagging && spec.prefixes.length === 0)) return 'spec.prefixes is not a list of prefixes';
  if (spec.prefixes.some((p) => p.length > 1024)) return 'spec.prefixes has a prefix longer than an S3 key';
  const tag = spec.tag;
  if (!isRecord(tag) || typeof tag.key !== 'string' || typeof tag.value !== 'string') return 'spec.tag is not a tag {key, value}';
  if (tagging || tag.key !== '') {
    try {
      checkTag({ key: tag.key, value: tag.value }, 'spec.tag');
    } catch (error) {
      return (error as Error).message;
    }
  }
  const keep = spec.keepTag;
  if (keep !== null) {
    if (!tagging) return 'spec.keepTag is set on an undo run';
    if (!isRecord(keep) || typeof keep.key !== 'string' || (keep.value !== undefined && typeof keep.value !== 'string'))
      return 'spec.keepTag is not null or a tag {key[, value]}';
    try {
      checkTag({ key: keep.key, ...(keep.value !== undefined ? { value: keep.value as string } : {}) }, 'spec.keepTag');
    } catch (error) {
      return (error as Error).message;
    }
  }
  if (!isStringList(spec.exemptGlobs)) return 'spec.exemptGlobs is not a list of globs';
  try {
    exemptionMatcher(spec.exemptGlobs);
  } catch (error) {
    return `spec.exemptGlobs: ${(error as Error).message}`;
  }
  if (spec.olderThan !== null && !isIsoTime(spec.olderThan)) return 'spec.olderThan is not null or an ISO-8601 time';
  if (spec.versioned !== undefined && typeof spec.versioned !== 'boolean') return 'spec.versioned is not true or false';
  const rule = spec.lifecycleRule;
  if (rule !== undefined && rule !== null) {
    if (!tagging) return 'spec.lifecycleRule is set on an undo run';
    if (!isRecord(rule)) return 'spec.lifecycleRule is not null or a rule';
    if (!isDays(rule.days)) return `spec.lifecycleRule.days is not a whole number of days from 1 to ${MAX_DAYS}`;
    if (rule.noncurrentDays !== null && !isDays(rule.noncurrentDays))
      return `spec.lifecycleRule.noncurrentDays is not null or a whole number of days from 1 to ${MAX_DAYS}`;
    if (rule.deleteMarkerRule !== undefined && typeof rule.deleteMarkerRule !== 'boolean') return 'spec.lifecycleRule.deleteMarkerRule is not true or false';
    if (rule.expectBefore !== undefined && !(Array.isArray(rule.expectBefore) && rule.expectBefore.every(isRecord)))
      return 'spec.lifecycleRule.expectBefore is not a list of lifecycle rules';
  }
  if (spec.sourceAudit !== undefined && spec.sourceAudit !== null && (tagging || typeof spec.sourceAudit !== 'string'))
    return 'spec.sourceAudit is not null or the path of an audit log';
  if (!isIsoTime(spec.createdAt)) return 'spec.createdAt is not an ISO-8601 time';
  return undefined;
}

function countsProblem(counts: unknown): string | undefined {
  if (counts === null) return undefined;
  if (!isRecord(counts)) return 'counts is not null or counts';
  const { skipped, ...rest } = counts;
  if (skipped !== undefined && !(isRecord(skipped) && Object.values(skipped).every(isCount))) return 'counts.skipped is not a set of counts';
  return Object.values(rest).every(isCount) ? undefined : 'counts has a value that is not a count';
}

function summaryProblem(summary: Record<string, unknown>, folderId: string): string | undefined {
  if (summary.id !== folderId)
    return `its id ${JSON.stringify(summary.id)} is not the name of its folder (${folderId}); a run file copied or moved by hand is not trusted`;
  const spec = specProblem(summary.spec);
  if (spec) return spec;
  if (typeof summary.state !== 'string' || !STATES.includes(summary.state)) return `state is ${JSON.stringify(summary.state)}, not one of ${STATES.join(', ')}`;
  const counts = countsProblem(summary.counts);
  if (counts) return counts;
  if (!isCount(summary.auditLines)) return 'auditLines is not a count';
  if (
    !Array.isArray(summary.failures) ||
    !summary.failures.every(
      (f) => isRecord(f) && typeof f.key === 'string' && (f.versionId === null || typeof f.versionId === 'string') && typeof f.reason === 'string',
    )
  )
    return 'failures is not a list of failures';
  if (summary.error !== null && typeof summary.error !== 'string') return 'error is not null or a message';
  if (!isIsoTime(summary.updatedAt)) return 'updatedAt is not an ISO-8601 time';
  return undefined;
}

/**
 * job.json read back, every field checked, and bound to its folder and its digest. `folderId` is the
 * name of the run's folder: the run is always that folder, whatever the file says.
 */
export function parseSummary(text: string, path: string, folderId: string): RunSummary {
  let summary: unknown;
  try {
    summary = JSON.parse(text);
  } catch {
    throw new RunStoreError(`${path} is not valid JSON; the run cannot be resumed from it.`);
  }
  if (!isRecord(summary)) throw new RunStoreError(`${path} is not a tagging run's job file.`);
  const problem = summaryProblem(summary, folderId);
  if (problem) throw new RunStoreError(`${path} is not a tagging run's job file as this tool writes it: ${problem}. The run is not resumed or undone from it.`);
  const run = summary as unknown as RunSummary;
  if (typeof summary.specDigest !== 'string' || summary.specDigest !== specDigest(run.id, run.spec)) {
    throw new RunStoreError(
      `${path}: the run's spec does not match the digest it was created with (the file was edited, copied from another run, or written by an older version), so it is not resumed or undone from it. ` +
        `Start a new run of the same prefixes instead (objects already tagged are skipped), or undo what the run did from its audit log: s3-lifecycle tag-expire --undo ${path.replace(/job\.json$/, 'audit.jsonl')}`,
    );
  }
  return run;
}

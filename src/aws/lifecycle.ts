// Reads and writes a bucket's lifecycle configuration with our rules in it. PutBucketLifecycleConfiguration
// replaces the whole configuration, so every write is read → merge → write → read back and verify.

import {
  DeleteBucketLifecycleCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketVersioningCommand,
  PutBucketLifecycleConfigurationCommand,
  type LifecycleRule,
  type S3Client,
  type TransitionDefaultMinimumObjectSize,
} from '@aws-sdk/client-s3';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DELETE_MARKER_RULE_ID,
  EXPIRATION_RULE_ID,
  deleteMarkerRule,
  placeExpirationRule,
  describeLifecycleDiff,
  expirationRule,
  mergeRules,
  overallChange,
  removeRules,
  ruleListsEqual,
  rulesEqual,
  type LifecycleRuleChange,
} from '../core/retention/lifecycleRule';
import type { TagSpec } from '../core/retention/report';

export interface LifecycleConfiguration {
  rules: LifecycleRule[];
  /** A configuration-wide setting that a write without it would reset to S3's default; kept as read. */
  transitionDefaultMinimumObjectSize?: TransitionDefaultMinimumObjectSize;
}

/** The bucket's lifecycle configuration; no rules when it has none. */
export async function readLifecycleConfiguration(client: S3Client, bucket: string, signal?: AbortSignal): Promise<LifecycleConfiguration> {
  try {
    const out = await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }), { abortSignal: signal });
    return {
      rules: out.Rules ?? [],
      ...(out.TransitionDefaultMinimumObjectSize ? { transitionDefaultMinimumObjectSize: out.TransitionDefaultMinimumObjectSize } : {}),
    };
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchLifecycleConfiguration') return { rules: [] };
    throw error;
  }
}

export async function readLifecycleRules(client: S3Client, bucket: string, signal?: AbortSignal): Promise<LifecycleRule[]> {
  return (await readLifecycleConfiguration(client, bucket, signal)).rules;
}

/** Whether the bucket keeps versions: Enabled, or Suspended (it may still hold noncurrent versions). */
export async function isVersioned(client: S3Client, bucket: string, signal?: AbortSignal): Promise<boolean> {
  const out = await client.send(new GetBucketVersioningCommand({ Bucket: bucket }), { abortSignal: signal });
  return out.Status === 'Enabled' || out.Status === 'Suspended';
}

/** The configuration on the server is not what we wrote: someone else wrote it meanwhile. */
export class LifecycleConflictError extends Error {
  constructor(
    message: string,
    readonly differences: string[],
  ) {
    super(message);
    this.name = 'LifecycleConflictError';
  }
}

export interface EnsureExpirationRuleOptions {
  tag: TagSpec;
  days: number;
  /** Versioned buckets only; defaults to `days`. */
  noncurrentDays?: number;
  /** Also add the rule that removes expired delete markers (see DELETE_MARKER_EXPLANATION). */
  deleteMarkerRule?: boolean;
  /** Defaults to expirationRuleId(tag, days): one rule per tag. */
  ruleId?: string;
  dryRun: boolean;
  /**
   * The rules the user saw in the preview. When given and the bucket's rules differ now, nothing is
   * written: the user confirmed a diff that is no longer the one that would be applied.
   */
  expectBefore?: LifecycleRule[];
  /** Pauses before each read-back (ms); the default allows for AWS's propagation delay. */
  readBackDelaysMs?: readonly number[];
  signal?: AbortSignal;
}

export interface LifecycleChangeResult {
  /** The ID of the rule that expires the tag: ours as added, or the one found in place (a legacy shared ID too). */
  ruleId: string;
  before: LifecycleRule[];
  after: LifecycleRule[];
  /** Over all our rules: 'unchanged' if every one already was as wanted. */
  change: LifecycleRuleChange;
  /** Per rule of ours. */
  changes: { id: string; change: LifecycleRuleChange }[];
  diff: string;
  /** The server holds `after`: read back after our write, or already so when nothing needed writing. */
  verified: boolean;
  versioned: boolean;
  /** Whether a PutBucketLifecycleConfiguration was sent. */
  written: boolean;
}

// Lifecycle configuration is eventually consistent on AWS: a read right after a write may still show the
// old one. Poll a few times before calling a difference a conflict.
const READ_BACK_DELAYS_MS: readonly number[] = [0, 250, 500, 1000, 2000, 4000];

/** Differences between what we expect on the server and what is there, matching rules by ID (or position when there is none). */
function configurationDifferences(expected: readonly LifecycleRule[], actual: readonly LifecycleRule[], ourIds: ReadonlySet<string>): string[] {
  const keyed = (rules: readonly LifecycleRule[]) => {
    let withoutId = 0;
    return new Map(rules.map((rule) => [rule.ID !== undefined ? `id:${rule.ID}` : `#${withoutId++}`, rule] as const));
  };
  const label = (key: string) => {
    if (key.startsWith('#')) return `rule no. ${Number(key.slice(1)) + 1} of those without an ID`;
    const id = key.slice(3);
    return `${ourIds.has(id) ? 'our' : 'the other'} rule "${id}"`;
  };
  const expectedByKey = keyed(expected);
  const actualByKey = keyed(actual);
  const differences: string[] = [];
  for (const [key, rule] of expectedByKey) {
    const found = actualByKey.get(key);
    if (!found) differences.push(`${label(key)} is missing`);
    else if (!rulesEqual(rule, found)) differences.push(`${label(key)} differs from what we wrote`);
  }
  for (const key of actualByKey.keys()) if (!expectedByKey.has(key)) differences.push(`${label(key)} appeared, and we did not write it`);
  return differences;
}

async function readBackAndVerify(
  client: S3Client,
  bucket: string,
  expected: readonly LifecycleRule[],
  ourIds: ReadonlySet<string>,
  delays: readonly number[] = READ_BACK_DELAYS_MS,
  signal?: AbortSignal,
): Promise<void> {
  let differences: string[] = [];
  for (const delay of delays.length > 0 ? delays : [0]) {
    if (delay > 0) await sleep(delay, undefined, { signal });
    const actual = await readLifecycleRules(client, bucket, signal);
    differences = configurationDifferences(expected, actual, ourIds);
    if (differences.length === 0) return;
  }
  throw new LifecycleConflictError(
    `The lifecycle configuration of bucket "${bucket}" read back after our write is not what we wrote: ${differences.join('; ')}. ` +
      'Someone else probably changed it at the same time. Run the command again: it re-reads the configuration and changes only our rules.',
    differences,
  );
}

/** What changed from one read of a configuration to the next, rule by rule (by ID, or position among those without one). */
function changesBetween(before: readonly LifecycleRule[], after: readonly LifecycleRule[]): string[] {
  const keyed = (rules: readonly LifecycleRule[]) => {
    let withoutId = 0;
    return new Map(rules.map((rule) => [rule.ID !== undefined ? `rule "${rule.ID}"` : `rule no. ${++withoutId} without an ID`, rule] as const));
  };
  const was = keyed(before);
  const now = keyed(after);
  const changes: string[] = [];
  for (const [label, rule] of was) {
    const found = now.get(label);
    if (!found) changes.push(`${label} was removed`);
    else if (!rulesEqual(rule, found)) changes.push(`${label} was changed`);
  }
  for (const label of now.keys()) if (!was.has(label)) changes.push(`${label} was added`);
  if (changes.length === 0 && !ruleListsEqual(before, after)) changes.push('the rules were reordered');
  return changes;
}

function refuseIfChangedSincePreview(bucket: string, expectBefore: LifecycleRule[] | undefined, current: LifecycleRule[]): void {
  if (expectBefore === undefined || ruleListsEqual(expectBefore, current)) return;
  const changes = changesBetween(expectBefore, current);
  throw new LifecycleConflictError(
    `The lifecycle configuration of bucket "${bucket}" changed since the preview (${changes.join('; ')}), so nothing was written. Open the preview again to see the new diff, then confirm.`,
    changes,
  );
}

/**
 * Writes a configuration computed from `read`, only if the bucket still has `read`: S3 has no
 * conditional PutBucketLifecycleConfiguration, so the configuration is read again right before the
 * write and compared. A write by someone else between that read and ours is still lost — the
 * read-back after our write catches only one that lands after it.
 */
async function writeRules(client: S3Client, bucket: string, rules: LifecycleRule[], read: LifecycleConfiguration, signal?: AbortSignal): Promise<void> {
  const now = await readLifecycleConfiguration(client, bucket, signal);
  const changes = changesBetween(read.rules, now.rules);
  if (now.transitionDefaultMinimumObjectSize !== read.transitionDefaultMinimumObjectSize) changes.push('TransitionDefaultMinimumObjectSize was changed');
  if (changes.length > 0)
    throw new LifecycleConflictError(
      `The lifecycle configuration of bucket "${bucket}" changed while our change was being prepared (${changes.join('; ')}), so nothing was written. ` +
        'Run the command again: it re-reads the configuration and changes only our rules.',
      changes,
    );
  if (rules.length === 0) {
    await client.send(new DeleteBucketLifecycleCommand({ Bucket: bucket }), { abortSignal: signal });
    return;
  }
  // The SDK adds the checksum S3 requires for this call (flexible checksums, CRC32 by default).
  await client.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: bucket,
      LifecycleConfiguration: { Rules: rules },
      ...(read.transitionDefaultMinimumObjectSize ? { TransitionDefaultMinimumObjectSize: read.transitionDefaultMinimumObjectSize } : {}),
    }),
    { abortSignal: signal },
  );
}

/**
 * Adds or updates our expiration rule (and, if asked, the delete-marker rule), keeps every other rule
 * exactly, and verifies the result on the server. A dry run, or a bucket that already has our rules as
 * wanted, writes nothing.
 */
export async function ensureExpirationRule(client: S3Client, bucket: string, options: EnsureExpirationRuleOptions): Promise<LifecycleChangeResult> {
  const { signal } = options;
  const [versioned, read] = await Promise.all([isVersioned(client, bucket, signal), readLifecycleConfiguration(client, bucket, signal)]);
  const wanted = expirationRule({
    ...(options.ruleId !== undefined ? { id: options.ruleId } : {}),
    tag: options.tag,
    days: options.days,
    noncurrentDays: options.noncurrentDays,
    versioned,
  });
  refuseIfChangedSincePreview(bucket, options.expectBefore, read.rules);
  // One tag, one rule: the rule in place for the tag when it says the same (whatever its ID), else ours, added; a different one refuses.
  const placed = placeExpirationRule(read.rules, wanted);
  const ours = [...(placed.inPlace ? [] : [wanted]), ...(options.deleteMarkerRule ? [deleteMarkerRule()] : [])];
  const merged = mergeRules(read.rules, ours);
  const { rules } = merged;
  const changes = placed.inPlace ? [{ id: placed.rule.ID ?? '(rule without ID)', change: 'unchanged' as const }, ...merged.changes] : merged.changes;
  const change = overallChange(changes);
  const result: LifecycleChangeResult = {
    ruleId: placed.rule.ID ?? '(rule without ID)',
    before: read.rules,
    after: rules,
    change,
    changes,
    diff: describeLifecycleDiff(read.rules, rules),
    verified: change === 'unchanged',
    versioned,
    written: false,
  };
  if (options.dryRun || change === 'unchanged') return result;
  await writeRules(client, bucket, rules, read, signal);
  await readBackAndVerify(client, bucket, rules, new Set(ours.map((rule) => rule.ID!)), options.readBackDelaysMs, signal);
  return { ...result, verified: true, written: true };
}

export interface RemoveExpirationRuleOptions {
  /** Defaults to the legacy shared expiration rule ID and the delete-marker rule's; a run's undo names its own (ownExpirationRuleIds). */
  ruleIds?: string[];
  /** Defaults to false: taking our rules out is the undo, and the preview is optional. */
  dryRun?: boolean;
  expectBefore?: LifecycleRule[];
  readBackDelaysMs?: readonly number[];
  signal?: AbortSignal;
}

export interface LifecycleRemovalResult {
  before: LifecycleRule[];
  after: LifecycleRule[];
  /** The IDs of the rules taken out (empty when none of ours was there). */
  removed: string[];
  diff: string;
  verified: boolean;
  written: boolean;
}

/** Takes our rules out and keeps every other rule; with none left, deletes the configuration (S3 refuses an empty one). */
export async function removeExpirationRule(client: S3Client, bucket: string, options: RemoveExpirationRuleOptions): Promise<LifecycleRemovalResult> {
  const { signal } = options;
  const ruleIds = options.ruleIds ?? [EXPIRATION_RULE_ID, DELETE_MARKER_RULE_ID];
  const read = await readLifecycleConfiguration(client, bucket, signal);
  refuseIfChangedSincePreview(bucket, options.expectBefore, read.rules);
  const { rules, removed } = removeRules(read.rules, ruleIds);
  const result: LifecycleRemovalResult = {
    before: read.rules,
    after: rules,
    removed,
    diff: describeLifecycleDiff(read.rules, rules),
    verified: removed.length === 0,
    written: false,
  };
  if (options.dryRun || removed.length === 0) return result;
  await writeRules(client, bucket, rules, read, signal);
  await readBackAndVerify(client, bucket, rules, new Set(ruleIds), options.readBackDelaysMs, signal);
  return { ...result, verified: true, written: true };
}

// Our lifecycle rules — expire what carries the expiration tag, and remove expired delete markers —
// and how they are merged into a bucket's configuration without touching anyone else's rules.

import type { LifecycleRule, Tag } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { formatCount } from '../format';
import type { TagSpec } from './report';

/**
 * The ID every run's expiration rule had before rules were per tag (a later run rewrote it for all):
 * still read as the rule of whatever tag it filters on, and the start of every expiration rule ID of ours.
 */
export const EXPIRATION_RULE_ID = 's3-lifecycle-studio-expire';
export const DELETE_MARKER_RULE_ID = 's3-lifecycle-studio-delete-markers';
/** S3 refuses a lifecycle configuration with more rules than this. */
export const MAX_LIFECYCLE_RULES = 1000;

/** Shown in the preview beside the offer of the delete-marker rule. */
export const DELETE_MARKER_EXPLANATION =
  'Expired delete markers need a rule of their own. In a versioned bucket, expiring an object only adds a delete marker; ' +
  'once the noncurrent version behind it has expired too, the marker is left pointing at nothing, and it still shows in ' +
  'version listings and slows them down. S3 removes such markers only with Expiration { ExpiredObjectDeleteMarker: true }, ' +
  'and it refuses that setting in a rule with a tag filter — delete markers carry no tags — so it has to be a separate rule ' +
  'without a tag filter. It applies to the whole bucket, but it removes only delete markers with no versions left behind ' +
  'them: it never removes data.';

export type LifecycleRuleChange = 'added' | 'updated' | 'unchanged';

/** S3's limit on a rule ID. */
const MAX_RULE_ID_LENGTH = 255;

/**
 * The ID of the rule that expires objects tagged `tag` after `days` days: one rule per tag, so a run
 * never rewrites the expiration of another tag's objects. `s3-lifecycle-studio-expire:30d:key=value`;
 * a tag too long for S3's 255 characters is named by a hash of it instead.
 */
export function expirationRuleId(tag: TagSpec, days: number): string {
  const readable = `${EXPIRATION_RULE_ID}:${days}d:${tag.key}=${tag.value}`;
  if (readable.length <= MAX_RULE_ID_LENGTH) return readable;
  const digest = createHash('sha256').update(`${tag.key}\u0000${tag.value}`).digest('hex').slice(0, 32);
  return `${EXPIRATION_RULE_ID}:${days}d:sha256=${digest}`;
}

/** Whether a rule ID is one of our expiration rules: the legacy shared ID, or a per-tag one. */
export function isOurExpirationRuleId(id: string | undefined): boolean {
  return id === EXPIRATION_RULE_ID || (id !== undefined && id.startsWith(`${EXPIRATION_RULE_ID}:`));
}

/** The one tag a rule's filter selects by, when that is all it filters on (no prefix, no size, no other tag). */
export function ruleFilterTag(rule: LifecycleRule): TagSpec | undefined {
  const filter = rule.Filter;
  const only = (t: Tag | undefined) => (t?.Key === undefined ? undefined : { key: t.Key, value: t.Value ?? '' });
  if (filter?.Tag && filter.Prefix === undefined && !filter.And && filter.ObjectSizeGreaterThan === undefined && filter.ObjectSizeLessThan === undefined)
    return only(filter.Tag);
  const and = filter?.And;
  if (
    and &&
    !filter.Tag &&
    (and.Prefix === undefined || and.Prefix === '') &&
    and.Tags?.length === 1 &&
    and.ObjectSizeGreaterThan === undefined &&
    and.ObjectSizeLessThan === undefined
  )
    return only(and.Tags[0]);
  return undefined;
}

/** The rules that decide when objects carrying `tag` expire: every rule whose filter is that tag alone, ours or not. */
export function rulesForTag(rules: readonly LifecycleRule[], tag: TagSpec): LifecycleRule[] {
  return rules.filter((rule) => {
    const t = ruleFilterTag(rule);
    return t !== undefined && t.key === tag.key && t.value === tag.value;
  });
}

/** The tag already expires under another rule than the one a run would write: writing ours would change its objects' expiration. */
export class ExpirationRuleConflictError extends Error {
  constructor(
    message: string,
    readonly ruleId: string | undefined,
  ) {
    super(message);
    this.name = 'ExpirationRuleConflictError';
  }
}

/**
 * Where a run's expiration rule goes in a configuration: the rule already there for its tag when it
 * says the same (whatever its ID — the legacy shared ID included), else `wanted`, added. When the tag
 * is governed by a rule that says something else, nothing may be written: the objects of earlier runs
 * carry the same tag, and their expiration would change too.
 */
export function placeExpirationRule(existing: readonly LifecycleRule[], wanted: LifecycleRule): { rule: LifecycleRule; inPlace: boolean } {
  const tag = ruleFilterTag(wanted)!;
  const governing = rulesForTag(existing, tag);
  const other = governing.find((rule) => !rulesEqual({ ...rule, ID: wanted.ID }, wanted));
  if (other) throw new ExpirationRuleConflictError(describeRuleConflict(other, wanted, tag), other.ID);
  return governing.length > 0 ? { rule: governing[0]!, inPlace: true } : { rule: wanted, inPlace: false };
}

function describeRuleConflict(found: LifecycleRule, wanted: LifecycleRule, tag: TagSpec): string {
  const name = found.ID === undefined ? 'a rule without an ID' : `rule "${found.ID}"`;
  const t = `${tag.key}=${tag.value}`;
  const days = found.Expiration?.Days;
  const noncurrent = found.NoncurrentVersionExpiration?.NoncurrentDays;
  const wantedNoncurrent = wanted.NoncurrentVersionExpiration?.NoncurrentDays;
  let what: string;
  let use = 'another tag value (--tag, or the setting s3lifecycle.expiration.tag)';
  if (found.Status !== 'Enabled') what = `tag ${t} is governed by ${name}, which is ${found.Status ?? 'not enabled'}`;
  else if (days !== wanted.Expiration?.Days) {
    what =
      days === undefined
        ? `tag ${t} is governed by ${name}, which does not expire objects after a number of days`
        : `tag ${t} already expires after ${days} days under ${name}`;
    if (days !== undefined) use = `that many days (--days ${days}, or the setting s3lifecycle.expiration.days) or ${use}`;
  } else if (noncurrent !== wantedNoncurrent) {
    what = `under ${name}, the noncurrent versions of objects tagged ${t} ${noncurrent === undefined ? 'never expire' : `expire ${noncurrent} days after they become noncurrent`}, not ${wantedNoncurrent === undefined ? 'never' : `after ${wantedNoncurrent} days`}`;
    if (noncurrent !== undefined) use = `--noncurrent-days ${noncurrent} (or the setting s3lifecycle.expiration.noncurrentDays) or ${use}`;
  } else what = `tag ${t} is governed by ${name}, which differs from the rule this run would write (changed by hand?)`;
  return (
    `${what[0]!.toUpperCase()}${what.slice(1)}; use ${use}. Nothing was written: one tag has one rule, so that a run never changes ` +
    'the expiration of the objects an earlier run tagged.'
  );
}

/** The IDs of our expiration rules that a run with this tag and days wrote (or found in place): what its undo may remove. */
export function ownExpirationRuleIds(rules: readonly LifecycleRule[], tag: TagSpec, days: number): string[] {
  return rulesForTag(rules, tag)
    .filter((rule) => isOurExpirationRuleId(rule.ID) && rule.Expiration?.Days === days)
    .map((rule) => rule.ID!);
}

export interface ExpirationRuleOptions {
  /** Defaults to expirationRuleId(tag, days). */
  id?: string;
  tag: TagSpec;
  /** Current versions expire this many days after they were created. */
  days: number;
  /** Noncurrent versions expire this many days after they became noncurrent; defaults to `days`. Versioned buckets only. */
  noncurrentDays?: number;
  versioned: boolean;
}

export class LifecycleRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LifecycleRuleError';
  }
}

function requireWholeDays(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new LifecycleRuleError(`${what} must be a whole number of days, 1 or more (got ${value}).`);
  }
}

function requireRuleId(id: string): void {
  // S3's limit on a rule ID.
  if (id.length === 0 || id.length > MAX_RULE_ID_LENGTH) throw new LifecycleRuleError(`A lifecycle rule ID must have 1–255 characters (got ${id.length}).`);
}

/**
 * The rule that expires objects carrying the expiration tag. In a versioned bucket expiring the current
 * version only adds a delete marker, so the tagged version, now noncurrent, needs NoncurrentVersionExpiration
 * to be removed; the default of `days` keeps it recoverable for as long again.
 */
export function expirationRule(options: ExpirationRuleOptions): LifecycleRule {
  requireWholeDays(options.days, 'The expiration');
  const id = options.id ?? expirationRuleId(options.tag, options.days);
  requireRuleId(id);
  const { key, value } = options.tag;
  if (key.length === 0 || key.length > 128) throw new LifecycleRuleError(`The expiration tag key must have 1–128 characters (got "${key}").`);
  if (value.length > 256) throw new LifecycleRuleError(`The expiration tag value must have at most 256 characters (got ${value.length}).`);
  const rule: LifecycleRule = {
    ID: id,
    Status: 'Enabled',
    Filter: { Tag: { Key: key, Value: value } },
    Expiration: { Days: options.days },
  };
  if (options.versioned) {
    const noncurrentDays = options.noncurrentDays ?? options.days;
    requireWholeDays(noncurrentDays, 'The noncurrent-version expiration');
    rule.NoncurrentVersionExpiration = { NoncurrentDays: noncurrentDays };
  }
  return rule;
}

/** The rule that removes expired delete markers: no tag filter, because S3 refuses one beside ExpiredObjectDeleteMarker. */
export function deleteMarkerRule(options: { id?: string } = {}): LifecycleRule {
  const id = options.id ?? DELETE_MARKER_RULE_ID;
  requireRuleId(id);
  return { ID: id, Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { ExpiredObjectDeleteMarker: true } };
}

/** A stable form for comparing and printing: keys sorted, undefined fields dropped, dates as ISO strings. */
function canonical(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const field = (value as Record<string, unknown>)[key];
      if (field !== undefined) out[key] = canonical(field);
    }
    return out;
  }
  return value;
}

// S3 has no tag without a value: an empty value is the same tag. Servers disagree on how they send it
// back (moto turns <Value></Value> into no element, and no element into <Value/>), so compare it as ''.
function withTagValues(rule: LifecycleRule): LifecycleRule {
  const filter = rule.Filter;
  if (!filter?.Tag && !filter?.And?.Tags) return rule;
  const tag = (t: Tag): Tag => ({ ...t, Value: t.Value ?? '' });
  return {
    ...rule,
    Filter: {
      ...filter,
      ...(filter.Tag ? { Tag: tag(filter.Tag) } : {}),
      ...(filter.And?.Tags ? { And: { ...filter.And, Tags: filter.And.Tags.map(tag) } } : {}),
    },
  };
}

/** Whether two rules say the same, whatever the key order, undefined fields, Date-vs-string dates or a missing empty tag value. */
export function rulesEqual(a: LifecycleRule, b: LifecycleRule): boolean {
  return JSON.stringify(canonical(withTagValues(a))) === JSON.stringify(canonical(withTagValues(b)));
}

export function ruleListsEqual(a: readonly LifecycleRule[], b: readonly LifecycleRule[]): boolean {
  return a.length === b.length && a.every((rule, i) => rulesEqual(rule, b[i]!));
}

export interface LifecycleMerge {
  rules: LifecycleRule[];
  changes: { id: string; change: LifecycleRuleChange }[];
}

/**
 * Puts our rules into an existing configuration: a rule with one of our IDs is replaced in place, a missing
 * one is appended, and every other rule — including one without an ID — is kept as the same object, in
 * the same order. Merging the result again changes nothing.
 */
export function mergeRules(existing: readonly LifecycleRule[], ours: readonly LifecycleRule[]): LifecycleMerge {
  const ourById = new Map<string, LifecycleRule>();
  for (const rule of ours) {
    if (rule.ID === undefined) throw new LifecycleRuleError('Our lifecycle rules need an ID: it is how they are found again.');
    if (ourById.has(rule.ID)) throw new LifecycleRuleError(`Two of our lifecycle rules share the ID "${rule.ID}".`);
    ourById.set(rule.ID, rule);
  }
  const changeById = new Map<string, LifecycleRuleChange>();
  const rules: LifecycleRule[] = [];
  for (const rule of existing) {
    const ourRule = rule.ID === undefined ? undefined : ourById.get(rule.ID);
    if (!ourRule) {
      rules.push(rule);
    } else if (changeById.has(rule.ID!)) {
      // S3 refuses duplicate IDs, so this is a hand-made input; keep ours once.
      changeById.set(rule.ID!, 'updated');
    } else if (rulesEqual(rule, ourRule)) {
      rules.push(rule);
      changeById.set(rule.ID!, 'unchanged');
    } else {
      rules.push(ourRule);
      changeById.set(rule.ID!, 'updated');
    }
  }
  for (const rule of ours) {
    if (!changeById.has(rule.ID!)) {
      rules.push(rule);
      changeById.set(rule.ID!, 'added');
    }
  }
  if (rules.length > MAX_LIFECYCLE_RULES) {
    throw new LifecycleRuleError(
      `The bucket has ${existing.length} lifecycle rules; adding ours would make ${rules.length}, above S3's limit of ` +
        `${formatCount(MAX_LIFECYCLE_RULES)}. Remove or combine rules that are no longer needed, then try again.`,
    );
  }
  return { rules, changes: ours.map((rule) => ({ id: rule.ID!, change: changeById.get(rule.ID!)! })) };
}

/** Takes out the rules with the given IDs and keeps every other rule as it is. */
export function removeRules(existing: readonly LifecycleRule[], ids: readonly string[]): { rules: LifecycleRule[]; removed: string[] } {
  const wanted = new Set(ids);
  const removed = new Set<string>();
  const rules = existing.filter((rule) => {
    if (rule.ID === undefined || !wanted.has(rule.ID)) return true;
    removed.add(rule.ID);
    return false;
  });
  return { rules, removed: [...removed] };
}

/** The summary of several rule changes: unchanged only if all are; added if nothing existing was touched. */
export function overallChange(changes: readonly { change: LifecycleRuleChange }[]): LifecycleRuleChange {
  if (changes.every((c) => c.change === 'unchanged')) return 'unchanged';
  return changes.some((c) => c.change === 'updated') ? 'updated' : 'added';
}

const FIELD_ORDER = [
  'ID',
  'Status',
  'Filter',
  'Prefix',
  'Expiration',
  'Transitions',
  'NoncurrentVersionExpiration',
  'NoncurrentVersionTransitions',
  'AbortIncompleteMultipartUpload',
];

/** The rule as indented JSON, its fields in the order people read them in the S3 documentation. */
export function ruleJson(rule: LifecycleRule): string {
  const sorted = canonical(rule) as Record<string, unknown>;
  const ordered: Record<string, unknown> = {};
  for (const key of FIELD_ORDER) if (key in sorted) ordered[key] = sorted[key];
  for (const key of Object.keys(sorted)) if (!(key in ordered)) ordered[key] = sorted[key];
  return JSON.stringify(ordered, null, 2);
}

/** Identifies rules across two configurations: by ID, or by position among the rules without one. */
function ruleKeys(rules: readonly LifecycleRule[]): string[] {
  let withoutId = 0;
  return rules.map((rule) => (rule.ID !== undefined ? `id:${rule.ID}` : `#${withoutId++}`));
}

function ruleLabel(rule: LifecycleRule, key: string): string {
  return rule.ID !== undefined ? `rule "${rule.ID}"` : `rule without ID (${key.slice(1)})`;
}

/** A line diff by longest common subsequence; rules are a few dozen lines, so the quadratic table is fine. */
function lineDiff(before: string[], after: string[]): string[] {
  const n = before.length;
  const m = after.length;
  const common: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      common[i]![j] = before[i] === after[j] ? common[i + 1]![j + 1]! + 1 : Math.max(common[i + 1]![j]!, common[i]![j + 1]!);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      out.push(`      ${before[i++]}`);
      j++;
    } else if (i < n && (j === m || common[i + 1]![j]! >= common[i]![j + 1]!)) {
      out.push(`-     ${before[i++]}`);
    } else {
      out.push(`+     ${after[j++]}`);
    }
  }
  return out;
}

/**
 * The preview of a lifecycle change: one line per rule, and for added, removed and updated rules their
 * JSON with '+'/'-' lines, so the user sees exactly what will be written and that nothing else moves.
 */
export function describeLifecycleDiff(before: readonly LifecycleRule[], after: readonly LifecycleRule[]): string {
  const beforeKeys = ruleKeys(before);
  const afterKeys = ruleKeys(after);
  const beforeByKey = new Map(beforeKeys.map((key, i) => [key, before[i]!]));
  const afterKeySet = new Set(afterKeys);
  const counts = { added: 0, updated: 0, removed: 0, unchanged: 0 };
  const body: string[] = [];
  after.forEach((rule, i) => {
    const key = afterKeys[i]!;
    const previous = beforeByKey.get(key);
    const label = ruleLabel(rule, key);
    if (!previous) {
      counts.added++;
      body.push(
        `+ ${label}: added`,
        ...ruleJson(rule)
          .split('\n')
          .map((line) => `+     ${line}`),
      );
    } else if (rulesEqual(previous, rule)) {
      counts.unchanged++;
      body.push(`  ${label}: unchanged`);
    } else {
      counts.updated++;
      body.push(`~ ${label}: updated`, ...lineDiff(ruleJson(previous).split('\n'), ruleJson(rule).split('\n')));
    }
  });
  before.forEach((rule, i) => {
    const key = beforeKeys[i]!;
    if (afterKeySet.has(key)) return;
    counts.removed++;
    body.push(
      `- ${ruleLabel(rule, key)}: removed`,
      ...ruleJson(rule)
        .split('\n')
        .map((line) => `-     ${line}`),
    );
  });
  const plural = (n: number) => `${n} rule${n === 1 ? '' : 's'}`;
  const header =
    `Lifecycle configuration: ${plural(before.length)} before, ${plural(after.length)} after ` +
    `(${counts.added} added, ${counts.updated} updated, ${counts.removed} removed, ${counts.unchanged} unchanged)`;
  return [header, ...body].join('\n');
}

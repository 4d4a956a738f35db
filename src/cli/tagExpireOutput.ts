// What \`s3-lifecycle tag-expire\` prints: the dry run, progress lines, counts and hints. Printing only:
// the flow is app/tagForExpiration.ts, the arguments and hooks cli/tagExpire.ts.

import type { LifecycleChangeResult } from '../aws/lifecycle';
import type { TaggingPreview, TaggingProgress } from '../aws/tagging';
import { formatBytes, formatCount as n, formatUsd as usd } from '../core/format';
import { DELETE_MARKER_EXPLANATION } from '../core/retention/lifecycleRule';
import type { RunSpec } from '../core/retention/runStore';
import { formatTag, type KeepTag } from '../core/retention/tagSet';
import type { CliIo } from './framework';

/** Which objects are old enough to tag: `olderThan` null means any age; `describe` says why, for the preview. */
export interface AgeLimit {
  olderThan: string | null;
  describe: string;
}

export function describeKeepTag(keepTag: KeepTag | null): string {
  if (keepTag === null) return 'none (--no-keep-tag): objects are tagged whatever tags they have';
  return `objects tagged ${keepTag.key}${keepTag.value === undefined ? ' (any value)' : `=${keepTag.value}`} are never tagged`;
}

/** The keep tag as the JSON output gives it, in the same shape as the run's spec. */
export function keepTagJson(keepTag: KeepTag | null): KeepTag | null {
  return keepTag === null ? null : { key: keepTag.key, ...(keepTag.value === undefined ? {} : { value: keepTag.value }) };
}

export function describeCounts(p: TaggingProgress): string {
  const s = p.skipped;
  const skipped = [
    [s.alreadyTagged, 'already tagged'],
    [s.keepTag, 'keep tag'],
    [s.tagLimit, 'at the 10-tag limit'],
    [s.conflictingTag, 'expiration key with another value'],
    [s.exempt, 'exempt'],
    [s.young, 'young'],
    [s.locked ?? 0, 'under Object Lock retention or legal hold'],
    [s.changed ?? 0, 'overwritten while being tagged (left without the tag)'],
  ]
    .filter(([count]) => (count as number) > 0)
    .map(([count, what]) => `${n(count as number)} ${what}`);
  return `tagged ${n(p.tagged)}; skipped ${skipped.length ? skipped.join(', ') : '0'}; gone ${n(p.gone)}; failed ${n(p.failed)}`;
}

export function printPreview(
  io: CliIo,
  preview: TaggingPreview,
  spec: Pick<RunSpec, 'tag' | 'olderThan' | 'keepTag'>,
  age: AgeLimit,
  rule: LifecycleChangeResult | Error | null,
): void {
  io.out(
    `Dry run for s3://${preview.bucket}${preview.versioned ? ' (versioned: current versions, by version id)' : ''}: tag ${formatTag(spec.tag)}, keeping every tag the objects have.\n`,
  );
  io.out(
    `Keep tag: ${describeKeepTag(spec.keepTag)}${spec.keepTag === null ? '' : " (the run reads each object's tags; the counts below still include them)"}.\n`,
  );
  io.out(`Age: ${age.describe}.\n`);
  const width = Math.max(8, ...preview.byPrefix.map((p) => (p.prefix || '(root)').length));
  io.out(`  ${'prefix'.padEnd(width)}  ${'objects'.padStart(12)}  ${'bytes'.padStart(10)}\n`);
  for (const p of preview.byPrefix) io.out(`  ${(p.prefix || '(root)').padEnd(width)}  ${n(p.objects).padStart(12)}  ${formatBytes(p.bytes).padStart(10)}\n`);
  io.out(`  ${'total'.padEnd(width)}  ${n(preview.objects).padStart(12)}  ${formatBytes(preview.bytes).padStart(10)}\n`);
  if (preview.young + preview.exempt > 0)
    io.out(`Left alone: ${n(preview.young)} modified on or after ${spec.olderThan?.slice(0, 10) ?? '-'}, ${n(preview.exempt)} exempt by glob.\n`);
  const r = preview.requests;
  const heads = r.headObject > 0 ? ` + ${n(r.headObject)} HeadObject (after each put: is it still the object listed?)` : '';
  const locks =
    r.objectLockReads > 0 ? ` + ${n(r.objectLockReads)} GetObjectRetention/GetObjectLegalHold (Object Lock is on: locked objects are not tagged)` : '';
  io.out(
    `Requests: up to ${n(r.getTagging)} GetObjectTagging (a read, and a read again before each put)${locks} + up to ${n(r.putTagging)} PutObjectTagging${heads} + about ${n(preview.listRequests)} list requests ` +
      `≈ ${usd(preview.requestCostUsd)} (${preview.requestPriceSource}).\n`,
  );
  io.out(`${concurrentChangesNote(preview.versioned)}\n`);
  io.out(`Tag storage: ≈ ${usd(preview.tagStorageUsdPerMonth)} a month while the objects last.\n`);
  if (rule === null) io.out('Lifecycle rule: not touched (--no-lifecycle-rule).\n');
  else if (rule instanceof Error) io.out(`Lifecycle rule: could not be previewed: ${rule.message}\n`);
  else {
    io.out(
      `Lifecycle rule "${rule.ruleId}": ${rule.change === 'unchanged' ? 'already in place' : `would be ${rule.change}; every other rule stays as it is`}.\n`,
    );
    if (rule.change !== 'unchanged') io.out(`${rule.diff.trimEnd()}\n`);
  }
  if (preview.versioned) io.out(`Note: ${DELETE_MARKER_EXPLANATION} Add it with --delete-marker-rule.\n`);
}

/** What S3 cannot guarantee a run, and what the run does about it (the extension says the same). */
export function concurrentChangesNote(versioned: boolean): string {
  return (
    "S3 has no conditional tagging: a tag someone adds to an object in the instant between the run's last read of its tags and its write can be lost. " +
    (versioned
      ? 'Objects are tagged by version id, so a key overwritten during the run keeps its new version untagged.'
      : 'An object overwritten during the run is found (its ETag and date are checked after the put) and left without the tag.')
  );
}

/** A line on stderr every second: when stderr is a terminal, or --progress asks for it. */
export function progressPrinter<P extends { objectsPerSecond: number; retries: number; done: boolean }>(
  io: CliIo,
  enabled: boolean,
  describe: (p: P) => string,
): (p: P) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (!enabled || p.done || now - last < 1000) return;
    last = now;
    io.err(`${describe(p)}; ${n(Math.round(p.objectsPerSecond))} objects/s; ${n(p.retries)} retries\n`);
  };
}

export function youngHint(young: number | undefined, olderThan: string | null): string {
  const what = young === undefined ? 'Objects' : `${n(young)} object${young === 1 ? '' : 's'}`;
  const verb = young === undefined ? 'are' : young === 1 ? 'was' : 'were';
  return `${what} modified on or after ${olderThan?.slice(0, 10) ?? '-'} ${verb} left alone as young; pass --all-ages, a smaller --window-days or a later --older-than date to include ${young === 1 ? 'it' : 'them'}.`;
}

/** `--prefix logs/` selected nothing, but `logs` would have: the prefixes are taken verbatim, so say which means what. */
export function trailingSlashHint(given: string, without: string, example: string): string {
  return (
    `--prefix '${given}' is the analysis prefix of keys such as ${given}/x (an empty segment after ${given}) and selects nothing to tag here; ` +
    `--prefix '${without}' would select the keys immediately under ${without}/, such as ${example}. Prefixes are taken exactly as the analysis reports them (see --help).`
  );
}

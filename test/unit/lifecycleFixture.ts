// Random lifecycle configurations, as people write them, for the merge property tests (unit and moto).

import type { LifecycleRule, LifecycleRuleFilter, Tag, TransitionStorageClass } from '@aws-sdk/client-s3';
import { Random } from '../../src/core/random';

const STORAGE_CLASSES: TransitionStorageClass[] = ['STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'GLACIER_IR', 'DEEP_ARCHIVE'];

function randomTags(random: Random, count: number): Tag[] {
  return Array.from({ length: count }, (_, i) => ({ Key: `team-${i}-${random.hex(2)}`, Value: random.pick(['keep', 'expire', 'a b+c', 'ü', '']) }));
}

function randomFilter(random: Random): { filter?: LifecycleRuleFilter; legacyPrefix?: string; hasTag: boolean } {
  const prefix = () => random.pick(['', 'logs/', 'tmp/', `tenant-${random.int(100)}/`, 'dt=2024-01-01/a b+c%/']);
  switch (random.int(7)) {
    case 0:
      return { legacyPrefix: prefix(), hasTag: false };
    case 1:
      return { filter: { Prefix: prefix() }, hasTag: false };
    case 2:
      return { filter: { Tag: randomTags(random, 1)[0]! }, hasTag: true };
    case 3: {
      const tags = randomTags(random, 1 + random.int(3));
      return {
        filter: {
          And: {
            ...(random.chance(0.6) ? { Prefix: prefix() } : {}),
            Tags: tags,
            ...(random.chance(0.3) ? { ObjectSizeGreaterThan: 128 * 1024 } : {}),
            ...(random.chance(0.3) ? { ObjectSizeLessThan: 1024 * 1024 * 1024 } : {}),
          },
        },
        hasTag: true,
      };
    }
    case 4:
      return { filter: { ObjectSizeGreaterThan: 1 + random.int(1_000_000) }, hasTag: false };
    case 5:
      return { filter: { And: { Prefix: prefix(), ObjectSizeLessThan: 1 + random.int(1_000_000) } }, hasTag: false };
    default:
      return { filter: {}, hasTag: false };
  }
}

/** One rule with a random filter and one to four random actions. */
export function randomRule(random: Random, id: string | undefined): LifecycleRule {
  const { filter, legacyPrefix, hasTag } = randomFilter(random);
  const rule: LifecycleRule = { Status: random.chance(0.8) ? 'Enabled' : 'Disabled' };
  if (id !== undefined) rule.ID = id;
  if (filter) rule.Filter = filter;
  if (legacyPrefix !== undefined) rule.Prefix = legacyPrefix;
  const transitionDays = 30 * (1 + random.int(4));
  let actions = 0;
  if (random.chance(0.6)) {
    const kind = random.int(hasTag ? 2 : 3);
    rule.Expiration =
      kind === 0
        ? { Days: transitionDays + 1 + random.int(700) }
        : kind === 1
          ? { Date: new Date(Date.UTC(2030 + random.int(5), random.int(12), 1 + random.int(28))) }
          : { ExpiredObjectDeleteMarker: true };
    actions++;
  }
  if (random.chance(0.4)) {
    rule.Transitions = [{ Days: transitionDays, StorageClass: random.pick(STORAGE_CLASSES) }];
    if (random.chance(0.4)) rule.Transitions.push({ Days: transitionDays + 90, StorageClass: 'DEEP_ARCHIVE' });
    actions++;
  }
  if (random.chance(0.4)) {
    rule.NoncurrentVersionExpiration = { NoncurrentDays: 1 + random.int(365), ...(random.chance(0.3) ? { NewerNoncurrentVersions: 1 + random.int(5) } : {}) };
    actions++;
  }
  if (random.chance(0.3)) {
    rule.NoncurrentVersionTransitions = [
      { NoncurrentDays: 30 + random.int(60), StorageClass: random.pick(STORAGE_CLASSES), ...(random.chance(0.3) ? { NewerNoncurrentVersions: 2 } : {}) },
    ];
    actions++;
  }
  if (!hasTag && (random.chance(0.3) || actions === 0)) {
    rule.AbortIncompleteMultipartUpload = { DaysAfterInitiation: 1 + random.int(30) };
    actions++;
  }
  if (actions === 0) rule.Expiration = { Days: 1 + random.int(365) };
  return rule;
}

export interface RandomConfigurationOptions {
  maxRules: number;
  /** IDs of ours that may turn up in the configuration (as a user edited it, or from an earlier run). */
  ourIds: string[];
  /** Allow rules without an ID (S3 assigns one, but some servers keep none). */
  allowMissingIds: boolean;
}

/** 0–maxRules rules with unique IDs; sometimes one of them carries one of our IDs with different content. */
export function randomConfiguration(random: Random, options: RandomConfigurationOptions): LifecycleRule[] {
  const count = random.int(options.maxRules + 1);
  const rules: LifecycleRule[] = [];
  const ourIds = [...options.ourIds];
  for (let i = 0; i < count; i++) {
    let id: string | undefined = `rule-${i}-${random.hex(3)}`;
    if (ourIds.length > 0 && random.chance(0.08)) id = ourIds.splice(random.int(ourIds.length), 1)[0];
    else if (options.allowMissingIds && random.chance(0.1)) id = undefined;
    rules.push(randomRule(random, id));
  }
  return rules;
}

// Our lifecycle rules and the merge into a bucket's configuration: foreign rules never change, ours is
// there exactly once, merging again changes nothing — over many random configurations.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { LifecycleRule, Tag } from '@aws-sdk/client-s3';
import { Random } from '../../src/core/random';
import {
  DELETE_MARKER_EXPLANATION,
  DELETE_MARKER_RULE_ID,
  EXPIRATION_RULE_ID,
  ExpirationRuleConflictError,
  LifecycleRuleError,
  MAX_LIFECYCLE_RULES,
  deleteMarkerRule,
  describeLifecycleDiff,
  expirationRule,
  expirationRuleId,
  isOurExpirationRuleId,
  mergeRules,
  ownExpirationRuleIds,
  placeExpirationRule,
  overallChange,
  removeRules,
  rulesEqual,
} from '../../src/core/retention/lifecycleRule';
import { randomConfiguration, randomRule } from './lifecycleFixture';

const TAG = { key: 's3-lifecycle-studio', value: 'expire' };

function foreignOf(rules: readonly LifecycleRule[], ourIds: ReadonlySet<string>): LifecycleRule[] {
  return rules.filter((rule) => rule.ID === undefined || !ourIds.has(rule.ID));
}

/** The same rule with its keys in reverse order, as a server might return it. */
function reordered(rule: LifecycleRule): LifecycleRule {
  return Object.fromEntries(Object.entries(rule).reverse()) as unknown as LifecycleRule;
}

describe('expirationRule', () => {
  it('filters on the expiration tag and expires after the given days', () => {
    assert.deepEqual(expirationRule({ tag: TAG, days: 7, versioned: false }), {
      ID: 's3-lifecycle-studio-expire:7d:s3-lifecycle-studio=expire',
      Status: 'Enabled',
      Filter: { Tag: { Key: 's3-lifecycle-studio', Value: 'expire' } },
      Expiration: { Days: 7 },
    });
  });

  it('expires noncurrent versions too in a versioned bucket, after `days` unless told otherwise', () => {
    assert.deepEqual(expirationRule({ tag: TAG, days: 7, versioned: true }).NoncurrentVersionExpiration, { NoncurrentDays: 7 });
    assert.deepEqual(expirationRule({ id: 'mine', tag: TAG, days: 7, noncurrentDays: 2, versioned: true }), {
      ID: 'mine',
      Status: 'Enabled',
      Filter: { Tag: { Key: 's3-lifecycle-studio', Value: 'expire' } },
      Expiration: { Days: 7 },
      NoncurrentVersionExpiration: { NoncurrentDays: 2 },
    });
  });

  it('refuses days that S3 would refuse, saying what is allowed', () => {
    assert.throws(() => expirationRule({ tag: TAG, days: 0, versioned: false }), /whole number of days, 1 or more \(got 0\)/);
    assert.throws(() => expirationRule({ tag: TAG, days: 1.5, versioned: false }), LifecycleRuleError);
    assert.throws(() => expirationRule({ tag: TAG, days: 3, noncurrentDays: -1, versioned: true }), /noncurrent-version expiration/);
    assert.throws(() => expirationRule({ tag: { key: '', value: 'x' }, days: 3, versioned: false }), /tag key/);
  });
});

describe('one rule per tag (expirationRuleId, placeExpirationRule)', () => {
  const other = { key: 'team', value: 'gone' };
  const legacy = (tag: { key: string; value: string }, days: number): LifecycleRule => ({
    ...expirationRule({ tag, days, versioned: false }),
    ID: EXPIRATION_RULE_ID,
  });

  it("names the rule by its tag and days, within S3's 255 characters, and tells our IDs from others", () => {
    assert.equal(expirationRuleId(TAG, 30), 's3-lifecycle-studio-expire:30d:s3-lifecycle-studio=expire');
    assert.notEqual(expirationRuleId(TAG, 30), expirationRuleId(other, 30));
    assert.notEqual(expirationRuleId(TAG, 30), expirationRuleId(TAG, 31));
    const long = { key: 'k'.repeat(128), value: 'v'.repeat(256) };
    const longOther = { key: 'k'.repeat(128), value: `${'v'.repeat(255)}w` };
    assert.ok(expirationRuleId(long, 36500).length <= 255);
    assert.match(expirationRuleId(long, 7), /^s3-lifecycle-studio-expire:7d:sha256=[0-9a-f]{32}$/);
    assert.notEqual(expirationRuleId(long, 7), expirationRuleId(longOther, 7));
    assert.equal(expirationRule({ tag: long, days: 7, versioned: false }).ID, expirationRuleId(long, 7));
    assert.ok(isOurExpirationRuleId(EXPIRATION_RULE_ID) && isOurExpirationRuleId(expirationRuleId(TAG, 3)));
    assert.ok(!isOurExpirationRuleId('logs') && !isOurExpirationRuleId(DELETE_MARKER_RULE_ID) && !isOurExpirationRuleId(undefined));
  });

  it("adds a second tag's rule beside the first, never rewriting it", () => {
    const first = expirationRule({ tag: TAG, days: 30, versioned: false });
    const second = expirationRule({ tag: other, days: 7, versioned: false });
    assert.deepEqual(placeExpirationRule([first], second), { rule: second, inPlace: false });
    const merged = mergeRules([first], [second]);
    assert.deepEqual(merged.rules, [first, second]);
  });

  it('refuses another days for a tag that already has its rule, saying which rule and what to do', () => {
    const first = expirationRule({ tag: TAG, days: 30, versioned: false });
    assert.throws(
      () => placeExpirationRule([first], expirationRule({ tag: TAG, days: 7, versioned: false })),
      (e: unknown) =>
        e instanceof ExpirationRuleConflictError &&
        e.ruleId === first.ID &&
        e.message.includes(`Tag s3-lifecycle-studio=expire already expires after 30 days under rule "${first.ID}"`) &&
        /use that many days \(--days 30/.test(e.message) &&
        /another tag value/.test(e.message),
    );
    // Other noncurrent days in a versioned bucket change the earlier objects too.
    assert.throws(
      () =>
        placeExpirationRule(
          [expirationRule({ tag: TAG, days: 30, versioned: true })],
          expirationRule({ tag: TAG, days: 30, noncurrentDays: 5, versioned: true }),
        ),
      (e: unknown) => e instanceof ExpirationRuleConflictError && /--noncurrent-days 30/.test(e.message),
    );
    // A foreign rule filtering on the tag alone governs it as well.
    assert.throws(
      () => placeExpirationRule([{ ...first, ID: 'team-rule', Status: 'Disabled' }], expirationRule({ tag: TAG, days: 30, versioned: false })),
      (e: unknown) => e instanceof ExpirationRuleConflictError && /"team-rule", which is Disabled/.test(e.message),
    );
  });

  it('reads the legacy shared ID as the rule of its own tag and days', () => {
    const wanted = expirationRule({ tag: TAG, days: 30, versioned: false });
    const old = legacy(TAG, 30);
    assert.deepEqual(placeExpirationRule([old], wanted), { rule: old, inPlace: true });
    // Written by a run with another tag: it stays that tag's rule, and this tag gets its own.
    assert.deepEqual(placeExpirationRule([legacy(other, 7)], wanted), { rule: wanted, inPlace: false });
    assert.throws(() => placeExpirationRule([legacy(TAG, 7)], wanted), /already expires after 7 days under rule "s3-lifecycle-studio-expire"/);
    assert.deepEqual(ownExpirationRuleIds([legacy(other, 7), old], TAG, 30), [EXPIRATION_RULE_ID]);
    assert.deepEqual(ownExpirationRuleIds([legacy(other, 7), wanted, { ...wanted, ID: 'team-rule' }], TAG, 30), [wanted.ID]);
    assert.deepEqual(ownExpirationRuleIds([legacy(TAG, 7)], TAG, 30), [], "another days' rule is not this run's");
  });
});

describe('deleteMarkerRule', () => {
  it('removes expired delete markers with no tag filter, which S3 refuses beside ExpiredObjectDeleteMarker', () => {
    const rule = deleteMarkerRule();
    assert.deepEqual(rule, { ID: DELETE_MARKER_RULE_ID, Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { ExpiredObjectDeleteMarker: true } });
    assert.equal(JSON.stringify(rule).includes('Tag'), false);
  });

  it('comes with an explanation of why it is a separate rule', () => {
    assert.match(DELETE_MARKER_EXPLANATION, /ExpiredObjectDeleteMarker/);
    assert.match(DELETE_MARKER_EXPLANATION, /tag filter/);
    assert.match(DELETE_MARKER_EXPLANATION, /never removes data/);
  });
});

describe('rulesEqual', () => {
  it('ignores key order, undefined fields and whether a date is a Date or its ISO text', () => {
    const rule: LifecycleRule = { ID: 'a', Status: 'Enabled', Filter: { Prefix: 'x/' }, Expiration: { Date: new Date('2030-01-01T00:00:00Z') } };
    assert.ok(rulesEqual(rule, reordered({ ...rule, Transitions: undefined })));
    assert.ok(rulesEqual(rule, { ...rule, Expiration: { Date: '2030-01-01T00:00:00.000Z' as unknown as Date } }));
  });

  it('reads a tag without a value as the empty value, as S3 does', () => {
    // The SDK's type requires a value; servers still send tags without one.
    const valueless = (key: string) => ({ Key: key }) as Tag;
    const rule: LifecycleRule = {
      ID: 'a',
      Status: 'Enabled',
      Filter: {
        And: {
          Prefix: 'x/',
          Tags: [
            { Key: 'k', Value: '' },
            { Key: 'j', Value: 'v' },
          ],
        },
      },
      Expiration: { Days: 3 },
    };
    assert.ok(rulesEqual(rule, { ...rule, Filter: { And: { Prefix: 'x/', Tags: [valueless('k'), { Key: 'j', Value: 'v' }] } } }));
    assert.ok(rulesEqual({ ...rule, Filter: { Tag: { Key: 'k', Value: '' } } }, { ...rule, Filter: { Tag: valueless('k') } }));
    assert.ok(!rulesEqual({ ...rule, Filter: { Tag: { Key: 'k', Value: 'v' } } }, { ...rule, Filter: { Tag: valueless('k') } }));
  });

  it('tells rules apart that differ anywhere, however deep', () => {
    const rule: LifecycleRule = { ID: 'a', Status: 'Enabled', Filter: { And: { Tags: [{ Key: 'k', Value: 'v' }] } }, Expiration: { Days: 3 } };
    assert.ok(!rulesEqual(rule, { ...rule, Status: 'Disabled' }));
    assert.ok(!rulesEqual(rule, { ...rule, Filter: { And: { Tags: [{ Key: 'k', Value: 'w' }] } } }));
    assert.ok(!rulesEqual(rule, { ...rule, Expiration: { Days: 3, ExpiredObjectDeleteMarker: false } }));
  });
});

describe('mergeRules', () => {
  const ours = (versioned: boolean, days: number, withMarkers: boolean) => [
    expirationRule({ id: EXPIRATION_RULE_ID, tag: TAG, days, versioned }),
    ...(withMarkers ? [deleteMarkerRule()] : []),
  ];

  it('over 500 random configurations: foreign rules never change, ours is there once, merging again changes nothing', () => {
    for (let seed = 0; seed < 500; seed++) {
      const random = new Random(seed, 0x11fec);
      const days = 1 + random.int(400);
      const wanted = ours(random.chance(0.5), days, random.chance(0.5));
      const ourIds = new Set(wanted.map((rule) => rule.ID!));
      const existing = randomConfiguration(random, { maxRules: 30, ourIds: [...ourIds], allowMissingIds: true });
      // Sometimes the bucket already has our rule exactly as wanted (keys in another order, as read back).
      const ourIndex = existing.findIndex((rule) => rule.ID === EXPIRATION_RULE_ID);
      if (ourIndex >= 0 && random.chance(0.4)) existing[ourIndex] = reordered(wanted[0]!);
      const snapshot = structuredClone(existing);

      const merged = mergeRules(existing, wanted);
      const context = `seed ${seed}`;

      assert.deepEqual(existing, snapshot, `${context}: the input is not modified`);
      const foreignBefore = foreignOf(existing, ourIds);
      const foreignAfter = foreignOf(merged.rules, ourIds);
      assert.equal(foreignAfter.length, foreignBefore.length, context);
      foreignBefore.forEach((rule, i) => assert.equal(foreignAfter[i], rule, `${context}: foreign rule ${i} is the same object, in the same order`));
      assert.deepEqual(
        foreignAfter,
        snapshot.filter((rule) => rule.ID === undefined || !ourIds.has(rule.ID)),
        context,
      );
      assert.equal(merged.rules.length, foreignBefore.length + wanted.length, context);

      for (const rule of wanted) {
        const found = merged.rules.filter((r) => r.ID === rule.ID);
        assert.equal(found.length, 1, `${context}: ${rule.ID} is there exactly once`);
        assert.ok(rulesEqual(found[0]!, rule), `${context}: ${rule.ID} is what we want`);
        const at = existing.findIndex((r) => r.ID === rule.ID);
        const expected = at < 0 ? 'added' : rulesEqual(existing[at]!, rule) ? 'unchanged' : 'updated';
        assert.deepEqual(
          merged.changes.find((c) => c.id === rule.ID),
          { id: rule.ID, change: expected },
          context,
        );
        if (at >= 0) assert.equal(merged.rules[at]!.ID, rule.ID, `${context}: ${rule.ID} is replaced in place`);
      }

      const again = mergeRules(merged.rules, wanted);
      assert.deepEqual(again.rules, merged.rules, `${context}: merging twice changes nothing`);
      assert.equal(overallChange(again.changes), 'unchanged', context);
    }
  });

  it('updates our rule in place when the days change, and reports each rule', () => {
    const before = [
      { ID: 'logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 30 } },
      expirationRule({ id: EXPIRATION_RULE_ID, tag: TAG, days: 30, versioned: false }),
      { ID: 'tmp', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 1 } },
    ] satisfies LifecycleRule[];
    const merged = mergeRules(before, [expirationRule({ id: EXPIRATION_RULE_ID, tag: TAG, days: 60, versioned: false }), deleteMarkerRule()]);
    assert.deepEqual(
      merged.rules.map((r) => r.ID),
      ['logs', EXPIRATION_RULE_ID, 'tmp', DELETE_MARKER_RULE_ID],
    );
    assert.deepEqual(merged.rules[1]!.Expiration, { Days: 60 });
    assert.deepEqual(merged.changes, [
      { id: EXPIRATION_RULE_ID, change: 'updated' },
      { id: DELETE_MARKER_RULE_ID, change: 'added' },
    ]);
    assert.equal(overallChange(merged.changes), 'updated');
  });

  it('keeps a foreign rule without an ID as it is', () => {
    const anonymous: LifecycleRule = { Status: 'Enabled', Filter: { Prefix: 'a/' }, Expiration: { Days: 5 } };
    const merged = mergeRules([anonymous], [expirationRule({ id: EXPIRATION_RULE_ID, tag: TAG, days: 3, versioned: false })]);
    assert.equal(merged.rules[0], anonymous);
    assert.equal(merged.rules.length, 2);
  });

  it('fills the configuration up to 1,000 rules and refuses beyond, saying what to do', () => {
    const random = new Random(7);
    const rules = (n: number) => Array.from({ length: n }, (_, i) => randomRule(random, `rule-${i}`));
    assert.equal(
      mergeRules(rules(MAX_LIFECYCLE_RULES - 1), [expirationRule({ id: EXPIRATION_RULE_ID, tag: TAG, days: 3, versioned: false })]).rules.length,
      MAX_LIFECYCLE_RULES,
    );
    assert.throws(
      () => mergeRules(rules(MAX_LIFECYCLE_RULES), [expirationRule({ id: EXPIRATION_RULE_ID, tag: TAG, days: 3, versioned: false })]),
      (e: unknown) => e instanceof LifecycleRuleError && /1,000/.test(e.message) && /Remove or combine/.test(e.message),
    );
    // Replacing ours in a full configuration adds nothing, so it is allowed.
    const full = [...rules(MAX_LIFECYCLE_RULES - 1), expirationRule({ id: EXPIRATION_RULE_ID, tag: TAG, days: 3, versioned: false })];
    assert.equal(mergeRules(full, [expirationRule({ id: EXPIRATION_RULE_ID, tag: TAG, days: 9, versioned: false })]).rules.length, MAX_LIFECYCLE_RULES);
  });

  it('refuses rules of ours without an ID or with the same ID twice', () => {
    assert.throws(() => mergeRules([], [{ Status: 'Enabled', Expiration: { Days: 1 } }]), /need an ID/);
    assert.throws(() => mergeRules([], [deleteMarkerRule(), deleteMarkerRule()]), /share the ID/);
  });
});

describe('removeRules', () => {
  it('takes out only our rules and keeps the rest in order', () => {
    const logs: LifecycleRule = { ID: 'logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 30 } };
    const anonymous: LifecycleRule = { Status: 'Enabled', Filter: { Prefix: 'a/' }, Expiration: { Days: 5 } };
    const { rules, removed } = removeRules(
      [logs, expirationRule({ id: EXPIRATION_RULE_ID, tag: TAG, days: 3, versioned: false }), anonymous, deleteMarkerRule()],
      [EXPIRATION_RULE_ID, DELETE_MARKER_RULE_ID],
    );
    assert.deepEqual(rules, [logs, anonymous]);
    assert.deepEqual(removed, [EXPIRATION_RULE_ID, DELETE_MARKER_RULE_ID]);
    assert.deepEqual(removeRules([logs], [EXPIRATION_RULE_ID]), { rules: [logs], removed: [] });
  });
});

describe('describeLifecycleDiff', () => {
  const logs: LifecycleRule = { ID: 'logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 30 } };

  it('shows an added rule in full and the others as unchanged', () => {
    const after = [logs, expirationRule({ id: EXPIRATION_RULE_ID, tag: TAG, days: 7, versioned: false })];
    const diff = describeLifecycleDiff([logs], after);
    const lines = diff.split('\n');
    assert.equal(lines[0], 'Lifecycle configuration: 1 rule before, 2 rules after (1 added, 0 updated, 0 removed, 1 unchanged)');
    assert.equal(lines[1], '  rule "logs": unchanged');
    assert.equal(lines[2], `+ rule "${EXPIRATION_RULE_ID}": added`);
    assert.ok(lines.slice(3).every((line) => line.startsWith('+     ')));
    assert.ok(lines.includes('+       "ID": "s3-lifecycle-studio-expire",'), diff);
    assert.ok(lines.includes('+         "Days": 7'), diff);
  });

  it('shows only the changed lines of an updated rule as -/+', () => {
    const diff = describeLifecycleDiff(
      [expirationRule({ id: EXPIRATION_RULE_ID, tag: TAG, days: 7, versioned: false })],
      [expirationRule({ id: EXPIRATION_RULE_ID, tag: TAG, days: 30, versioned: false })],
    );
    const lines = diff.split('\n');
    assert.equal(lines[1], `~ rule "${EXPIRATION_RULE_ID}": updated`);
    assert.deepEqual(
      lines.filter((l) => l.startsWith('-')),
      ['-         "Days": 7'],
    );
    assert.deepEqual(
      lines.filter((l) => l.startsWith('+')),
      ['+         "Days": 30'],
    );
    assert.ok(lines.includes('        "Status": "Enabled",'), diff);
  });

  it('shows removed rules and rules without an ID', () => {
    const anonymous: LifecycleRule = { Status: 'Enabled', Filter: { Prefix: 'a/' }, Expiration: { Days: 5 } };
    const diff = describeLifecycleDiff([anonymous, logs, deleteMarkerRule()], [anonymous, logs]);
    assert.match(diff, /^ {2}rule without ID \(0\): unchanged$/m);
    assert.match(diff, new RegExp(`^- rule "${DELETE_MARKER_RULE_ID}": removed$`, 'm'));
    assert.match(diff, /^-\s+"ExpiredObjectDeleteMarker": true$/m);
    assert.match(diff, /\(0 added, 0 updated, 1 removed, 2 unchanged\)/);
  });
});

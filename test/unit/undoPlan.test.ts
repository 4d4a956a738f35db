// The bounded-memory structures of undo and resume give what the in-memory ones gave: per object the
// latest audit line wins, duplicates count once, finished objects are skipped, interrupted ones are
// marked, torn lines are skipped with their neighbours read — whether the log is read at once or
// split into bucket files. (Their memory is measured by `npm run bench -- runMemory`, not here.)

import { afterEach, beforeEach, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HashedIdSet } from '../../src/core/retention/idSet';
import { DamagedLines } from '../../src/core/retention/jsonLines';
import { objectId, type AuditEntry } from '../../src/core/retention/runStore';
import { UndoPlan } from '../../src/core/retention/undoPlan';

const EXPIRE = { Key: 's3-lifecycle-studio:expire', Value: 'true' };

function line(key: string, versionId: string | null, owner: string, action: 'tag' | 'untag' = 'tag'): AuditEntry {
  return {
    time: '2026-09-01T10:00:00.000Z',
    action,
    bucket: 'estate',
    key,
    versionId,
    before: [{ Key: 'owner', Value: owner }],
    after: [{ Key: 'owner', Value: owner }, EXPIRE],
  };
}

describe('HashedIdSet', () => {
  it('answers like a Set: duplicates once, versions apart, through growth', () => {
    const set = new HashedIdSet(4);
    const reference = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const id = i % 3 === 0 ? objectId(`k/${i % 1000}`, `v${i % 7}`) : `k/${i % 2500}\n"quoted"`;
      assert.equal(set.add(id), !reference.has(id), id);
      reference.add(id);
    }
    assert.equal(set.size, reference.size);
    for (const id of reference) assert.ok(set.has(id), id);
    for (let i = 0; i < 2000; i++) assert.equal(set.has(`other/${i}`), false);
    assert.equal(set.has('k/1'), false, 'a key is not any of its versions');
    assert.equal(new HashedIdSet().has(''), false);
  });
});

describe('UndoPlan', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 's3ls-undoplan-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** The old in-memory reading: every line in a Map, the latest per object wins. */
  function reference(lines: AuditEntry[], done: Set<string>): AuditEntry[] {
    const latest = new Map<string, AuditEntry>();
    for (const e of lines) if (e.action === 'tag') latest.set(objectId(e.key, e.versionId), e);
    return [...latest.entries()].filter(([id]) => !done.has(id)).map(([, e]) => e);
  }

  async function items(plan: UndoPlan): Promise<{ key: string; versionId: string | null; owner: string; interrupted: boolean }[]> {
    const out = [];
    for await (const { entry, interrupted } of plan.items())
      out.push({ key: entry.key, versionId: entry.versionId, owner: entry.before[0]!.Value, interrupted });
    return out.sort((a, b) => (objectId(a.key, a.versionId) < objectId(b.key, b.versionId) ? -1 : 1));
  }

  for (const [mode, bucketBytes] of [
    ['read at once', undefined],
    ['split into bucket files', 2048],
  ] as const) {
    it(`${mode}: the latest line per object wins, finished objects are skipped, interrupted ones marked, torn lines skipped`, async () => {
      const source = join(root, 'audit.jsonl');
      const lines: AuditEntry[] = [];
      for (let i = 0; i < 300; i++) lines.push(line(`k/${i % 120}`, i % 5 === 0 ? `v${i % 3}` : null, `team-${i}`));
      lines.push(line('k/untag-only', null, 'x', 'untag'));
      // Duplicates, a torn line in the middle with its neighbour glued behind it, and a torn last line.
      const text = lines.map((l) => JSON.stringify(l) + '\n');
      text.splice(150, 0, JSON.stringify(line('k/torn', null, 'torn')).slice(0, 40));
      writeFileSync(source, text.join('') + JSON.stringify(line('k/tail', null, 'tail')).slice(0, 30));

      const runDir = join(root, 'undo-run');
      mkdirSync(runDir);
      const logs = { auditPath: join(runDir, 'audit.jsonl'), donePath: join(runDir, 'done.jsonl'), tallies: new Map<string, DamagedLines>() };
      const finished = ['k/3', 'k/4', objectId('k/5', 'v2'), 'k/119'];
      writeFileSync(
        logs.donePath,
        finished.map((id) => JSON.stringify({ key: id.split('\u0000')[0], versionId: id.split('\u0000')[1] ?? null, outcome: 'restored' }) + '\n').join(''),
      );
      appendFileSync(logs.donePath, '{"key":"k/6","vers\n' + JSON.stringify({ key: 'k/3', versionId: null, outcome: 'alreadyClean' }) + '\n');
      writeFileSync(
        logs.auditPath,
        [line('k/3', null, 'a'), line('k/7', null, 'b'), line('k/8', null, 'c')].map((l) => JSON.stringify({ ...l, action: 'untag' }) + '\n').join(''),
      );

      const damaged = new DamagedLines(source);
      const plan = await UndoPlan.scan(source, { workRoot: root, damaged, ...(bucketBytes ? { bucketBytes } : {}) });
      try {
        if (bucketBytes)
          assert.ok(
            readdirSync(root).some((n) => n.startsWith('.undo-buckets-')),
            'a large log is split into bucket files',
          );
        assert.equal(plan.versioned, true);
        assert.equal(plan.first?.key, 'k/0');
        assert.equal(plan.first?.before[0]!.Value, 'team-240', 'the first object as its latest line has it');
        const outcomes = await plan.attach({
          auditPath: logs.auditPath,
          donePath: logs.donePath,
          damageOf: (path) => {
            const tally = new DamagedLines(path);
            logs.tallies.set(path, tally);
            return tally;
          },
        });
        assert.deepEqual([...outcomes], [['restored', 4]], 'each finished object counts once, with its first outcome');
        const got = await items(plan);
        const expected = reference(lines, new Set(finished)).map((e) => ({
          key: e.key,
          versionId: e.versionId,
          owner: e.before[0]!.Value,
          interrupted: e.key === 'k/7' || e.key === 'k/8',
        }));
        assert.deepEqual(
          got,
          expected.sort((a, b) => (objectId(a.key, a.versionId) < objectId(b.key, b.versionId) ? -1 : 1)),
          'the torn line is skipped, the line glued behind it read',
        );
        assert.equal(plan.total, got.length + finished.length, 'the total is exact once every bucket was read');
        assert.deepEqual({ count: damaged.count, lines: damaged.lines }, { count: 2, lines: [151, 302] }, 'the torn line in the middle and the torn tail');
        assert.equal(logs.tallies.get(logs.donePath)?.count, 1);
      } finally {
        await plan.dispose();
      }
      assert.deepEqual(
        readdirSync(root).filter((n) => n.startsWith('.undo-buckets-')),
        [],
        'the bucket files are removed',
      );
    });
  }
});

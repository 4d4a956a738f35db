// S3 has no conditional tagging: someone else may change an object while a run reads and writes its
// tags. A loopback proxy in front of moto makes that change for real in the worst instant — after the
// server answered the run's read and before the run hears the answer — and the run must neither lose
// the other tag nor leave an overwritten key's new object tagged. Both transports.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, PutObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { runTagging } from '../../src/aws/tagging';
import { createRun } from '../../src/core/retention/runStore';
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from './faultProxy';
import { motoEndpoint, uniqueBucketName } from './moto';
import { auditLines, createBucket, doneLines, EXPIRE, motoClient, putTagged, tagsOf } from './taggingFixtures';

const EXPIRED = `${EXPIRE.key}=${EXPIRE.value}`;

/** Someone else's change, made once, when the run's `nth` GetObjectTagging of `key` has been answered. */
interface Interference {
  key: string;
  nth: number;
  change: (client: S3Client, bucket: string) => Promise<void>;
}

async function proxyWith(client: S3Client, bucket: string, interferences: Interference[]): Promise<FaultProxy> {
  const reads = new Map<string, number>();
  return startFaultProxy(motoEndpoint(), {
    afterUpstream: async (r: ProxiedRequest) => {
      if (r.operation !== 'GetObjectTagging') return;
      const n = (reads.get(r.key) ?? 0) + 1;
      reads.set(r.key, n);
      for (const i of interferences) if (i.key === r.key && i.nth === n) await i.change(client, bucket);
    },
  });
}

const overwrite = (key: string, tagging: string) => async (client: S3Client, bucket: string) => {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `a new ${key}`, Tagging: tagging }));
};

for (const transport of ['direct', 'sdk'] as const)
  describe(`tagging while someone else changes the objects (${transport} requests)`, () => {
    let client: S3Client;
    let root: string;
    const proxies: FaultProxy[] = [];
    const clients: S3Client[] = [];

    before(() => {
      client = motoClient();
      root = mkdtempSync(join(tmpdir(), 's3ls-concurrent-'));
    });
    after(async () => {
      for (const c of clients) c.destroy();
      for (const p of proxies) await p.close();
      client?.destroy();
      rmSync(root, { recursive: true, force: true });
    });

    async function runThrough(bucket: string, interferences: Interference[], versioned = false) {
      const proxy = await proxyWith(client, bucket, interferences);
      proxies.push(proxy);
      const proxied = motoClient(proxy.endpoint);
      clients.push(proxied);
      const run = await createRun(root, { kind: 'tag', bucket, prefixes: ['p'], tag: EXPIRE, keepTag: null, exemptGlobs: [], olderThan: null, versioned });
      const result = await runTagging(proxied, run, { concurrency: 2, transport });
      return { result, run, proxy };
    }

    it('keeps a tag someone adds between the run reading the tags and writing them', async () => {
      const bucket = uniqueBucketName('race-tag');
      await createBucket(client, bucket);
      await putTagged(client, bucket, 'p/shared.txt', { team: 'data' });
      await putTagged(client, bucket, 'p/quiet.txt', { team: 'ml' });
      const { result, run } = await runThrough(bucket, [
        {
          key: 'p/shared.txt',
          nth: 1,
          change: async (c, b) => {
            await c.send(
              new PutObjectTaggingCommand({
                Bucket: b,
                Key: 'p/shared.txt',
                Tagging: {
                  TagSet: [
                    { Key: 'team', Value: 'data' },
                    { Key: 'owner', Value: 'alice' },
                  ],
                },
              }),
            );
          },
        },
      ]);
      assert.equal(result.state, 'finished');
      assert.equal(result.progress.tagged, 2);
      assert.deepEqual(await tagsOf(client, bucket, 'p/shared.txt'), { team: 'data', owner: 'alice', [EXPIRE.key]: EXPIRE.value });
      assert.deepEqual(await tagsOf(client, bucket, 'p/quiet.txt'), { team: 'ml', [EXPIRE.key]: EXPIRE.value });
      // The audit log's last line for the object says what was really put: undo restores alice's tag too.
      const last = auditLines(run.auditPath)
        .filter((l) => l.key === 'p/shared.txt')
        .at(-1)!;
      assert.deepEqual(last.before.map((t) => `${t.Key}=${t.Value}`).sort(), ['owner=alice', 'team=data']);
    });

    it('leaves an unversioned key overwritten before its tags were read untagged, and counts it as changed', async () => {
      const bucket = uniqueBucketName('race-new');
      await createBucket(client, bucket);
      await putTagged(client, bucket, 'p/rewritten.txt', { team: 'old' });
      await putTagged(client, bucket, 'p/steady.txt', { team: 'ml' });
      // The listing saw the old object; the new one arrives as the run reads the tags.
      const { result, run } = await runThrough(bucket, [{ key: 'p/rewritten.txt', nth: 1, change: overwrite('p/rewritten.txt', 'fresh=yes') }]);
      assert.equal(result.state, 'finished');
      assert.deepEqual(await tagsOf(client, bucket, 'p/rewritten.txt'), { fresh: 'yes' }, 'the new object keeps its own tags and gets no expiration tag');
      assert.deepEqual(await tagsOf(client, bucket, 'p/steady.txt'), { team: 'ml', [EXPIRE.key]: EXPIRE.value });
      assert.equal(result.progress.tagged, 1);
      assert.equal(result.progress.skipped.changed, 1);
      assert.deepEqual(
        doneLines(run.donePath)
          .map((d) => `${d.key}:${d.outcome}`)
          .sort(),
        ['p/rewritten.txt:changed', 'p/steady.txt:tagged'],
      );
    });

    it('takes our tag off a new object that arrived between the last read and the put', async () => {
      const bucket = uniqueBucketName('race-put');
      await createBucket(client, bucket);
      await putTagged(client, bucket, 'p/rewritten.txt', { team: 'old' });
      // The second read is the one just before the put: the overwrite lands in the window no read can close.
      const { result, run } = await runThrough(bucket, [{ key: 'p/rewritten.txt', nth: 2, change: overwrite('p/rewritten.txt', 'fresh=yes') }]);
      assert.equal(result.state, 'finished');
      const tags = await tagsOf(client, bucket, 'p/rewritten.txt');
      assert.equal(tags[EXPIRE.key], undefined, `the new object is not left tagged: ${JSON.stringify(tags)}`);
      assert.equal(result.progress.tagged, 0);
      assert.equal(result.progress.skipped.changed, 1);
      const actions = auditLines(run.auditPath).map((l) => l.action);
      assert.deepEqual(actions, ['tag', 'untag'], 'the put and its correction are both in the audit log');
    });

    it('in a versioned bucket tags the version it listed, never the new one', async () => {
      const bucket = uniqueBucketName('race-ver');
      await createBucket(client, bucket, { versioned: true });
      const listed = await putTagged(client, bucket, 'p/rewritten.txt', { team: 'old' });
      let newer: string | undefined;
      const { result } = await runThrough(
        bucket,
        [
          {
            key: 'p/rewritten.txt',
            nth: 1,
            change: async (c, b) => {
              newer = (await c.send(new PutObjectCommand({ Bucket: b, Key: 'p/rewritten.txt', Body: 'new', Tagging: 'fresh=yes' }))).VersionId;
            },
          },
        ],
        true,
      );
      assert.equal(result.progress.tagged, 1);
      assert.deepEqual(await tagsOf(client, bucket, 'p/rewritten.txt', listed), { team: 'old', [EXPIRE.key]: EXPIRE.value });
      assert.deepEqual(await tagsOf(client, bucket, 'p/rewritten.txt', newer), { fresh: 'yes' });
      assert.ok(!Object.keys(await tagsOf(client, bucket, 'p/rewritten.txt')).includes(EXPIRED.split('=')[0]!));
    });
  });

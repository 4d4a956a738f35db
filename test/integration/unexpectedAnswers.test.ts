// A 2xx that is not S3's document is not a tag set: a proxy's HTML page, or a server that ignores the
// ?tagging sub-resource (and sends the object itself), must stop the run with what came back — never
// read as "no tags", after which the put would replace the object's real tags. Both transports, a
// loopback proxy in front of moto.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { openObjectTags } from '../../src/aws/objectTags';
import { runTagging, TaggingRunError, undoTagging } from '../../src/aws/tagging';
import { createRun } from '../../src/core/retention/runStore';
import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from './faultProxy';
import { motoEndpoint, uniqueBucketName } from './moto';
import { auditLines, createBucket, EXPIRE, motoClient, putAllTagged, snapshotTags, type TagMap } from './taggingFixtures';

const PORTAL_PAGE = '<!DOCTYPE html><html><head><title>Sign in</title></head><body><p>Please sign in to continue.</p></body></html>';

const misbehaviours: { name: string; options: FaultProxyOptions; says: RegExp }[] = [
  {
    name: 'a proxy answering 200 with an HTML page',
    options: {
      answer: (r) =>
        r.operation === 'GetObjectTagging' ? { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: PORTAL_PAGE } : undefined,
    },
    says: /HTML page|could not read|without a TagSet/,
  },
  {
    name: 'a server that ignores ?tagging and sends the object',
    options: { rewriteUrl: (r, url) => (r.operation === 'GetObjectTagging' ? url.replace(/([?&])tagging(=[^&]*)?(&|$)/, '$1').replace(/[?&]$/, '') : url) },
    says: /not XML|could not read|without a TagSet/,
  },
];

for (const transport of ['direct', 'sdk'] as const)
  for (const misbehaviour of misbehaviours)
    describe(`${misbehaviour.name} (${transport} requests)`, () => {
      const bucket = uniqueBucketName('answers');
      const objects: [string, TagMap][] = [
        ['p/one.txt', { team: 'data', owner: 'alice' }],
        ['p/two.txt', { team: 'ml' }],
        ['p/three.txt', {}],
      ];
      const keys = objects.map(([k]) => k);
      let client: S3Client;
      let proxy: FaultProxy;
      let proxied: S3Client;
      let root: string;

      before(async () => {
        client = motoClient();
        root = mkdtempSync(join(tmpdir(), 's3ls-answers-'));
        await createBucket(client, bucket);
        await putAllTagged(client, bucket, objects);
        proxy = await startFaultProxy(motoEndpoint(), misbehaviour.options);
        proxied = motoClient(proxy.endpoint);
      });
      after(async () => {
        proxied?.destroy();
        client?.destroy();
        await proxy?.close();
        rmSync(root, { recursive: true, force: true });
      });

      it('reading tags is an error naming what came back, not an empty tag set', async () => {
        const api = openObjectTags(proxied, { transport, maxSockets: 2 });
        try {
          await assert.rejects(api.getTags(bucket, 'p/one.txt', undefined), (error: Error) => {
            assert.equal(error.name, 'UnexpectedAnswer');
            assert.match(error.message, misbehaviour.says);
            assert.match(error.message, /instead of a Tagging document: check the endpoint and any proxy/);
            return true;
          });
        } finally {
          api.close();
        }
      });

      it('a tagging run stops with that message, having changed no tag', async () => {
        const before = await snapshotTags(client, bucket, keys);
        const run = await createRun(root, { kind: 'tag', bucket, prefixes: ['p'], tag: EXPIRE, keepTag: null, exemptGlobs: [], olderThan: null });
        await assert.rejects(runTagging(proxied, run, { concurrency: 2, transport }), (error: Error) => {
          assert.ok(error instanceof TaggingRunError, String(error));
          assert.match(error.message, /instead of a Tagging document/);
          return true;
        });
        assert.deepEqual(await snapshotTags(client, bucket, keys), before);
        assert.equal(proxy.count('PutObjectTagging'), 0, 'nothing was put');
        assert.deepEqual(auditLines(run.auditPath), []);
      });

      it('an undo stops the same way, restoring nothing from an answer it cannot read', async () => {
        // A real run straight to moto, then its undo through the misbehaving endpoint.
        const run = await createRun(root, { kind: 'tag', bucket, prefixes: ['p'], tag: EXPIRE, keepTag: null, exemptGlobs: [], olderThan: null });
        await runTagging(client, run, { concurrency: 2, transport });
        const tagged = await snapshotTags(client, bucket, keys);
        await assert.rejects(undoTagging(proxied, run.auditPath, { concurrency: 2, transport, root }), /instead of a Tagging document/);
        assert.deepEqual(await snapshotTags(client, bucket, keys), tagged);
      });
    });

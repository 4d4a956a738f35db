// Objects under Object Lock retention or a legal hold are never tagged for expiration: S3 would not
// delete them, and tagging them would promise what cannot happen. Against versitygw, which answers
// GetObjectRetention and GetObjectLegalHold and enforces bucket policies (moto answers those reads with
// the object itself), and both servers for a bucket without Object Lock, which must not trip the check.
// A caller not allowed to read the locks stops the run: HeadObject would show it every object unlocked.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { isLocked, previewTagging, runTagging, TaggingRunError } from '../../src/aws/tagging';
import { resolveObjectLock } from '../../src/aws/tagTargets';
import { createRun } from '../../src/core/retention/runStore';
import { startFaultProxy, type FaultProxy } from './faultProxy';
import { s3Servers, uniqueBucketName, versitygwDeniedUser } from './moto';
import { createBucket, EXPIRE, tagsOf } from './taggingFixtures';

function versitygwClient(credentials = s3Servers().find((s) => s.name === 'versitygw')!.credentials, endpoint?: string): S3Client {
  const server = s3Servers().find((s) => s.name === 'versitygw')!;
  return new S3Client({ endpoint: endpoint ?? server.endpoint, forcePathStyle: true, region: 'us-east-1', credentials });
}

describe('tagging a bucket with Object Lock', () => {
  const bucket = uniqueBucketName('lock');
  let client: S3Client;
  let root: string;
  const versions: Record<string, string> = {};

  before(async () => {
    client = versitygwClient();
    root = mkdtempSync(join(tmpdir(), 's3ls-lock-runs-'));
    await client.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    for (const key of ['old/plain.txt', 'old/held.txt', 'old/retained.txt']) {
      const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key, Tagging: 'team=data' }));
      versions[key] = put.VersionId!;
    }
    await client.send(new PutObjectLegalHoldCommand({ Bucket: bucket, Key: 'old/held.txt', VersionId: versions['old/held.txt'], LegalHold: { Status: 'ON' } }));
    await client.send(
      new PutObjectRetentionCommand({
        Bucket: bucket,
        Key: 'old/retained.txt',
        VersionId: versions['old/retained.txt'],
        Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date(Date.now() + 86_400_000) },
      }),
    );
  });
  after(() => {
    client?.destroy();
    rmSync(root, { recursive: true, force: true });
  });

  it('says in the preview that each object is looked at first, and prices the HeadObject requests', async () => {
    const preview = await previewTagging(client, { bucket, prefixes: ['old'], exemptGlobs: [], olderThan: null });
    assert.equal(preview.objectLock, true);
    assert.equal(preview.objects, 3);
    assert.deepEqual(preview.requests, { getTagging: 6, putTagging: 3, headObject: 0, objectLockReads: 6 });
  });

  for (const transport of ['direct', 'sdk'] as const)
    it(`stops before tagging anything when the locks may not be read, naming the permissions (${transport} requests)`, async () => {
      // The run's identity may list, read and write tags, but not read retention or legal holds. Behind a proxy
      // that does what S3 does for such a caller: HeadObject answers without the lock headers.
      const policy = {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: [versitygwDeniedUser().accessKeyId] },
            Action: [
              's3:ListBucket',
              's3:ListBucketVersions',
              's3:GetBucketVersioning',
              's3:GetBucketObjectLockConfiguration',
              's3:GetObject',
              's3:GetObjectVersion',
              's3:GetObjectTagging',
              's3:GetObjectVersionTagging',
              's3:PutObjectTagging',
              's3:PutObjectVersionTagging',
            ],
            Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
          },
        ],
      };
      await client.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
      let proxy: FaultProxy | undefined;
      let denied: S3Client | undefined;
      try {
        proxy = await startFaultProxy(s3Servers().find((s) => s.name === 'versitygw')!.endpoint, {
          responseHeaders: (r, headers) =>
            r.operation === 'HeadObject' ? Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith('x-amz-object-lock-'))) : headers,
        });
        denied = versitygwClient(versitygwDeniedUser(), proxy.endpoint);
        const before = await Promise.all(Object.entries(versions).map(([key, v]) => tagsOf(client, bucket, key, v)));
        const run = await createRun(root, { kind: 'tag', bucket, prefixes: ['old'], tag: EXPIRE, keepTag: null, exemptGlobs: [], olderThan: null });
        await assert.rejects(runTagging(denied, run, { concurrency: 4, transport }), (error: Error) => {
          assert.ok(error instanceof TaggingRunError, String(error));
          assert.match(error.message, /s3:GetObjectRetention/);
          assert.match(error.message, /s3:GetObjectLegalHold/);
          return true;
        });
        assert.equal(proxy.count('PutObjectTagging'), 0, 'nothing was put');
        assert.deepEqual(await Promise.all(Object.entries(versions).map(([key, v]) => tagsOf(client, bucket, key, v))), before);
      } finally {
        denied?.destroy();
        await proxy?.close();
      }
    });

  it('tags only the object that is neither held nor retained, and counts the others as locked', async () => {
    const run = await createRun(root, { kind: 'tag', bucket, prefixes: ['old'], tag: EXPIRE, keepTag: null, exemptGlobs: [], olderThan: null });
    const result = await runTagging(client, run, { concurrency: 4 });
    assert.equal(result.state, 'finished');
    assert.equal(result.progress.tagged, 1);
    assert.equal(result.progress.skipped.locked, 2);
    assert.deepEqual(await tagsOf(client, bucket, 'old/plain.txt', versions['old/plain.txt']), { team: 'data', [EXPIRE.key]: EXPIRE.value });
    assert.deepEqual(await tagsOf(client, bucket, 'old/held.txt', versions['old/held.txt']), { team: 'data' });
    assert.deepEqual(await tagsOf(client, bucket, 'old/retained.txt', versions['old/retained.txt']), { team: 'data' });
  });

  it('reads a retention that has ended as no lock', () => {
    const now = Date.parse('2026-10-01T00:00:00Z');
    assert.equal(isLocked({ ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: new Date('2026-09-30T00:00:00Z') }, now), false);
    assert.equal(isLocked({ ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: new Date('2026-10-02T00:00:00Z') }, now), true);
    assert.equal(isLocked({ ObjectLockLegalHoldStatus: 'OFF' }, now), false);
    assert.equal(isLocked({ ObjectLockLegalHoldStatus: 'ON' }, now), true);
  });

  for (const server of s3Servers()) {
    it(`finds no Object Lock on a plain bucket of ${server.name}`, async () => {
      const plain = new S3Client({ endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: server.credentials });
      try {
        const name = uniqueBucketName('nolock');
        await createBucket(plain, name);
        assert.equal(await resolveObjectLock(plain, name), false);
      } finally {
        plain.destroy();
      }
    });
  }
});

// The S3 service against real S3 APIs on loopback (moto and versitygw): buckets, one level at a
// time, paging past S3's 1,000-key page, keys that need URL-encoding, filtering by prefix, and
// errors a user can act on.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describeS3Error } from '../../src/aws/errors';
import { S3Service, type ListingPage } from '../../src/aws/s3Service';
import { putObjects, s3Servers, uniqueBucketName, versitygwDeniedUser } from './moto';

const BIG_PREFIX_KEYS = 1205;

for (const server of s3Servers())
  describe(`S3Service against ${server.name}`, () => {
    const endpoint = server.endpoint;
    const bucket = uniqueBucketName('listing');
    let client: S3Client;
    let s3: S3Service;

    const oddKeys = ['odd keys/a b+c%d=e/ü-€.json', 'odd keys/plus+sign.txt', 'odd keys/dt=2024-01-01/part-0001.parquet', 'odd keys/~tilde&amp;.csv'];
    const deepKey = 'deep/a/b/c/d/e/f/g/leaf.bin';

    before(async () => {
      client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: server.credentials, maxAttempts: 5 });
      s3 = new S3Service(client);
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      const keys = [
        ...Array.from({ length: BIG_PREFIX_KEYS }, (_, i) => `big/${String(i).padStart(5, '0')}.json`),
        ...oddKeys,
        deepKey,
        'deep/a/folder-marker/',
        'root-object.txt',
      ];
      await putObjects(client, bucket, keys);
    });

    after(() => client?.destroy());

    async function collect(pages: AsyncIterable<ListingPage>) {
      const all = { pages: 0, prefixes: [] as string[], keys: [] as string[] };
      for await (const page of pages) {
        all.pages++;
        all.prefixes.push(...page.prefixes);
        all.keys.push(...page.objects.map((o) => o.key));
      }
      return all;
    }

    it('lists the buckets', async () => {
      const buckets = await s3.listBuckets();
      const ours = buckets.find((b) => b.name === bucket);
      assert.ok(ours, `${bucket} is listed`);
      assert.ok(ours.createdAt instanceof Date);
    });

    it('pages past 1,000 keys with the continuation token, in key order, without duplicates', async () => {
      const listed = await collect(s3.listPages(bucket, { prefix: 'big/' }));
      assert.equal(listed.pages, 2);
      assert.equal(listed.keys.length, BIG_PREFIX_KEYS);
      assert.equal(new Set(listed.keys).size, BIG_PREFIX_KEYS);
      assert.deepEqual(listed.keys, [...listed.keys].sort());
      assert.equal(listed.keys[0], 'big/00000.json');
      assert.equal(listed.keys.at(-1), `big/${String(BIG_PREFIX_KEYS - 1).padStart(5, '0')}.json`);
    });

    it('honours a smaller page size and resumes from a saved token', async () => {
      const first = await s3.listPage(bucket, { prefix: 'big/', pageSize: 250 });
      assert.equal(first.objects.length, 250);
      assert.ok(first.nextContinuationToken);
      const second = await s3.listPage(bucket, { prefix: 'big/', pageSize: 250, continuationToken: first.nextContinuationToken });
      assert.equal(second.objects[0]!.key, 'big/00250.json');
      const listed = await collect(s3.listPages(bucket, { prefix: 'big/', pageSize: 250 }));
      assert.equal(listed.pages, Math.ceil(BIG_PREFIX_KEYS / 250));
    });

    it('lists one level with the / delimiter at the root and at depth', async () => {
      const root = await collect(s3.listPages(bucket, {}));
      assert.deepEqual(root.prefixes, ['big/', 'deep/', 'odd keys/']);
      assert.deepEqual(root.keys, ['root-object.txt']);

      const depth2 = await collect(s3.listPages(bucket, { prefix: 'deep/a/' }));
      assert.deepEqual(depth2.prefixes, ['deep/a/b/', 'deep/a/folder-marker/']);
      assert.deepEqual(depth2.keys, []);

      const marker = await collect(s3.listPages(bucket, { prefix: 'deep/a/folder-marker/' }));
      assert.deepEqual(marker.keys, ['deep/a/folder-marker/']);

      const leaf = await collect(s3.listPages(bucket, { prefix: 'deep/a/b/c/d/e/f/g/' }));
      assert.deepEqual(leaf.keys, [deepKey]);
    });

    it('returns keys that need URL-encoding exactly as they were written', async () => {
      const level = await collect(s3.listPages(bucket, { prefix: 'odd keys/', delimiter: '' }));
      assert.deepEqual(level.keys.sort(), [...oddKeys].sort());
    });

    it('reports object size, storage class and last-modified', async () => {
      const page = await s3.listPage(bucket, { prefix: 'root-object.txt' });
      const [object] = page.objects;
      assert.equal(object!.size, 'root-object.txt'.length);
      assert.equal(object!.storageClass, 'STANDARD');
      assert.ok(object!.lastModified instanceof Date);
    });

    it('stops when the signal is aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(
        s3.listPage(bucket, { prefix: 'big/', signal: controller.signal }),
        (e: unknown) => describeS3Error(e, { endpoint }).kind === 'cancelled',
      );
    });

    it('filters by a key prefix on the server', async () => {
      const listed = await collect(s3.listPages(bucket, { prefix: 'big/001' }));
      assert.equal(listed.keys.length, 100);
      assert.ok(listed.keys.every((k) => k.startsWith('big/001')));
    });

    it('says a bucket does not exist in words a user can act on', async () => {
      const error = await s3.listPage('no-such-bucket-s3ls').then(
        () => undefined,
        (e: unknown) => e,
      );
      const described = describeS3Error(error, { endpoint, bucket: 'no-such-bucket-s3ls' });
      assert.equal(described.kind, 'notFound');
      assert.match(described.message, /bucket "no-such-bucket-s3ls" does not exist at http:\/\/127\.0\.0\.1:\d+/);
    });
  });

describe('a bucket the credentials may not list (versitygw with IAM)', () => {
  const [, versitygw] = s3Servers();
  const bucket = uniqueBucketName('private');
  let owner: S3Client;
  let stranger: S3Service;

  before(async () => {
    owner = new S3Client({ endpoint: versitygw!.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: versitygw!.credentials });
    await owner.send(new CreateBucketCommand({ Bucket: bucket }));
    await owner.send(new PutObjectCommand({ Bucket: bucket, Key: 'secret/plan.txt', Body: 'x' }));
    stranger = new S3Service(new S3Client({ endpoint: versitygw!.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: versitygwDeniedUser() }));
  });

  after(() => owner?.destroy());

  it('is denied, and the error says so without exposing credentials', async () => {
    const error = await stranger.listPage(bucket).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error, 'the listing was refused');
    const described = describeS3Error(error, { endpoint: versitygw!.endpoint, bucket });
    assert.equal(described.kind, 'accessDenied');
    assert.match(described.message, new RegExp(`Access denied to bucket "${bucket}"`));
    assert.doesNotMatch(described.message, /vgwnobody|secret/);
  });
});

// The direct transport of tagging runs against both servers: what it reads and writes equals what
// the SDK reads and writes, for awkward keys, version ids and tag values; its errors carry the
// names and statuses the runs decide on; a wrong secret is refused, not retried.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { CreateBucketCommand, GetObjectTaggingCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { isTransientError } from '../../src/aws/backoff';
import { DirectObjectTags, openObjectTags, SdkObjectTags, type ObjectTagApi } from '../../src/aws/objectTags';
import { s3Servers, uniqueBucketName } from './moto';

function clientFor(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }): S3Client {
  return new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials });
}

const KEYS = ['plain.txt', 'with space/a b.txt', 'plus+and%percent.txt', 'unicode/ü日本😀.txt', "sub/!'()*~.txt", 'eq=amp&q?hash#.txt', 'folder/'];

for (const server of s3Servers()) {
  describe(`direct object tagging against ${server.name}`, () => {
    const bucket = uniqueBucketName('direct');
    let client: S3Client;
    let direct: ObjectTagApi;
    let sdk: ObjectTagApi;

    before(async () => {
      client = clientFor(server.endpoint, server.credentials);
      direct = openObjectTags(client, { transport: 'direct', maxSockets: 8 });
      sdk = new SdkObjectTags(client);
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      for (const [i, key] of KEYS.entries()) {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: key.endsWith('/') ? '' : key,
            Tagging: new URLSearchParams({ n: String(i), team: 'data science' }).toString(),
          }),
        );
      }
    });
    after(() => {
      direct?.close();
      client?.destroy();
    });

    it('goes direct to the endpoint the SDK resolves', async () => {
      assert.ok(direct instanceof DirectObjectTags);
      assert.equal(await direct.transportFor(bucket), 'direct');
    });

    it('reads the tag sets the SDK reads, for every awkward key', async () => {
      for (const [i, key] of KEYS.entries()) {
        const ours = await direct.getTags(bucket, key, undefined);
        assert.deepEqual(sortTags(ours), sortTags(await sdk.getTags(bucket, key, undefined)), key);
        assert.deepEqual(
          sortTags(ours),
          sortTags([
            { Key: 'n', Value: String(i) },
            { Key: 'team', Value: 'data science' },
          ]),
          key,
        );
      }
    });

    it('writes tag sets the SDK reads back exactly, then deletes them', async () => {
      const tags = [
        { Key: 'team', Value: 'data science' },
        { Key: 's3-lifecycle-studio:expire', Value: 'true' },
        { Key: 'path', Value: 'a/b+c=d:e@f' },
        { Key: 'empty', Value: '' },
      ];
      for (const key of KEYS) {
        await direct.putTags(bucket, key, undefined, tags);
        const read = (await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }))).TagSet ?? [];
        assert.deepEqual(sortTags(read.map((t) => ({ Key: t.Key!, Value: t.Value ?? '' }))), sortTags(tags), key);
      }
      await direct.deleteTags(bucket, KEYS[0]!, undefined);
      assert.deepEqual(await sdk.getTags(bucket, KEYS[0]!, undefined), []);
    });

    it('reads no lock on an object without one', async () => {
      const head = await direct.head(bucket, KEYS[1]!, undefined);
      assert.equal(head.ObjectLockLegalHoldStatus, undefined);
      assert.equal(head.ObjectLockRetainUntilDate, undefined);
    });

    it('answers a missing key as the SDK does: NoSuchKey (404), not worth a retry', async () => {
      const error = await direct.getTags(bucket, 'no/such/key.txt', undefined).then(
        () => undefined,
        (e: unknown) => e as { name: string; $metadata: { httpStatusCode: number } },
      );
      assert.ok(error, 'an error');
      assert.equal(error.$metadata.httpStatusCode, 404);
      assert.equal(error.name, 'NoSuchKey');
      assert.ok(!isTransientError(error));
      const head = await direct.head(bucket, 'no/such/key.txt', undefined).then(
        () => undefined,
        (e: unknown) => e as { name: string; $metadata: { httpStatusCode: number } },
      );
      assert.equal(head?.$metadata.httpStatusCode, 404);
    });

    // moto takes any signature; versitygw checks them, so there every request above was also a check of ours.
    if (server.name === 'versitygw')
      it('is refused with a wrong secret, and does not retry that', async () => {
        const wrong = clientFor(server.endpoint, { accessKeyId: server.credentials.accessKeyId, secretAccessKey: 'not-the-secret' });
        const api = openObjectTags(wrong, { transport: 'direct', maxSockets: 2 });
        try {
          const error = await api.getTags(bucket, KEYS[1]!, undefined).then(
            () => undefined,
            (e: unknown) => e as { name: string; $metadata: { httpStatusCode: number } },
          );
          assert.ok(error, 'refused');
          assert.equal(error.$metadata.httpStatusCode, 403);
          assert.equal(error.name, 'SignatureDoesNotMatch');
          assert.ok(!isTransientError(error));
        } finally {
          api.close();
          wrong.destroy();
        }
      });
  });
}

describe('direct object tagging of versions (moto)', () => {
  const server = s3Servers().find((s) => s.name === 'moto')!;
  const bucket = uniqueBucketName('direct-versions');
  let client: S3Client;
  let direct: ObjectTagApi;
  const versions: string[] = [];

  before(async () => {
    client = clientFor(server.endpoint, server.credentials);
    direct = openObjectTags(client, { transport: 'direct', maxSockets: 4 });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await client.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    for (const body of ['old', 'new'])
      versions.push((await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'v/object.txt', Body: body, Tagging: `body=${body}` }))).VersionId!);
  });
  after(() => {
    direct?.close();
    client?.destroy();
  });

  it('reads and writes the version it names, and only that one', async () => {
    const [oldest, newest] = versions as [string, string];
    assert.deepEqual(await direct.getTags(bucket, 'v/object.txt', oldest), [{ Key: 'body', Value: 'old' }]);
    await direct.putTags(bucket, 'v/object.txt', oldest, [
      { Key: 'body', Value: 'old' },
      { Key: 'x', Value: '1' },
    ]);
    const tagsOf = async (versionId: string) =>
      ((await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'v/object.txt', VersionId: versionId }))).TagSet ?? [])
        .map((t) => `${t.Key}=${t.Value}`)
        .sort();
    assert.deepEqual(await tagsOf(oldest), ['body=old', 'x=1']);
    assert.deepEqual(await tagsOf(newest), ['body=new']);
  });
});

function sortTags(tags: { Key: string; Value: string }[]): { Key: string; Value: string }[] {
  return [...tags].sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0));
}

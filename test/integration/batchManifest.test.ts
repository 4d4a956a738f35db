// The S3 Batch Operations manifest: rows as AWS documents them (URL-encoded keys, '/' kept), and the
// manifest streamed to a real S3 API (moto on loopback) — in one PUT or in multipart parts — and read back.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  BATCH_OPERATIONS_TAGGING_WARNING,
  BatchManifestError,
  batchManifestLine,
  batchManifestLines,
  manifestKey,
  writeBatchManifest,
  type BatchManifestTarget,
} from '../../src/aws/batchManifest';
import { motoEndpoint, uniqueBucketName } from './moto';

const ODD_KEYS = [
  'plain/key.json',
  'with spaces/a b.txt',
  'unicode/ü-€-日本.csv',
  'plus/a+b.txt',
  'percent/100%/x%20y.txt',
  'comma/a,b.csv',
  'quotes/"quoted" and \'single\'.txt',
  'mixed/a b+c%d=e&f?g#h.json',
  'trailing-slash-folder/',
];

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

describe('batch manifest rows', () => {
  it('URL-encodes keys as AWS documents (object%20key%20with%20spaces), keeping "/" between segments', () => {
    assert.equal(manifestKey('object key with spaces'), 'object%20key%20with%20spaces');
    assert.equal(manifestKey('photos/jpgs/newjersey/objectkey5'), 'photos/jpgs/newjersey/objectkey5');
    assert.equal(manifestKey('plus/a+b.txt'), 'plus/a%2Bb.txt');
    assert.equal(manifestKey('percent/100%/x%20y.txt'), 'percent/100%25/x%2520y.txt');
    assert.equal(manifestKey('comma/a,b.csv'), 'comma/a%2Cb.csv');
    assert.equal(manifestKey('quotes/"q"'), 'quotes/%22q%22');
    assert.equal(manifestKey('unicode/ü'), 'unicode/%C3%BC');
  });

  it('gives each key back exactly when decoded, and no row has a stray comma or quote', () => {
    for (const key of ODD_KEYS) {
      const line = batchManifestLine({ bucket: 'amzn-s3-demo-bucket1', key });
      const fields = line.split(',');
      assert.equal(fields.length, 2, line);
      assert.equal(fields[0], 'amzn-s3-demo-bucket1');
      assert.equal(decodeURIComponent(fields[1]!), key);
      assert.ok(!/["\s]/.test(line), line);
    }
  });

  it('adds the version ID as a third column', () => {
    assert.equal(batchManifestLine({ bucket: 'b-1', key: 'a b', versionId: 'PZ9ibn9D5lP6p298B7S9_ceqx1n5EJ0p' }), 'b-1,a%20b,PZ9ibn9D5lP6p298B7S9_ceqx1n5EJ0p');
  });

  it('refuses a manifest that mixes rows with and without version IDs, as AWS requires', async () => {
    await assert.rejects(
      collect(
        batchManifestLines([
          { bucket: 'b-1', key: 'a', versionId: 'v1' },
          { bucket: 'b-1', key: 'b' },
        ]),
      ),
      /version ID on every row of a manifest or on none/,
    );
    await assert.rejects(
      collect(
        batchManifestLines([
          { bucket: 'b-1', key: 'a' },
          { bucket: 'b-1', key: 'b', versionId: 'v1' },
        ]),
      ),
      BatchManifestError,
    );
  });

  it('refuses rows it cannot write faithfully', () => {
    assert.throws(() => batchManifestLine({ bucket: 'b-1', key: 'a', versionId: 'v,1' }), /cannot be written/);
    assert.throws(() => batchManifestLine({ bucket: 'not,a bucket', key: 'a' }), /not a bucket name/);
    assert.throws(() => batchManifestLine({ bucket: 'b-1', key: '\ud800' }), /not valid Unicode/);
  });

  it('warns that Batch Operations tagging replaces tag sets', () => {
    assert.match(BATCH_OPERATIONS_TAGGING_WARNING, /REPLACES/);
    assert.match(BATCH_OPERATIONS_TAGGING_WARNING, /tag the objects had|tag the objects already/);
    assert.match(BATCH_OPERATIONS_TAGGING_WARNING, /keeps the existing tags/);
  });
});

describe('writing a batch manifest to moto', () => {
  const endpoint = motoEndpoint();
  let client: S3Client;
  const sourceBucket = uniqueBucketName('bm-source');
  const manifestBucket = uniqueBucketName('bm-manifests');

  const commands: string[] = [];

  before(async () => {
    client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    client.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(context.commandName ?? '');
        return next(args);
      },
      { step: 'initialize', name: 'recordCommands' },
    );
    await client.send(new CreateBucketCommand({ Bucket: sourceBucket }));
    await client.send(new PutBucketVersioningCommand({ Bucket: sourceBucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await client.send(new CreateBucketCommand({ Bucket: manifestBucket }));
    for (const key of ODD_KEYS) {
      await client.send(new PutObjectCommand({ Bucket: sourceBucket, Key: key, Body: 'old' }));
      await client.send(new PutObjectCommand({ Bucket: sourceBucket, Key: key, Body: 'current' }));
    }
  });
  after(() => client?.destroy());

  async function readText(key: string): Promise<string> {
    const out = await client.send(new GetObjectCommand({ Bucket: manifestBucket, Key: key }));
    return out.Body!.transformToString('utf8');
  }

  async function* currentVersions(): AsyncGenerator<BatchManifestTarget> {
    const out = await client.send(new ListObjectVersionsCommand({ Bucket: sourceBucket }));
    for (const version of out.Versions ?? []) if (version.IsLatest) yield { bucket: sourceBucket, key: version.Key!, versionId: version.VersionId! };
  }

  it('writes the current versions of odd keys; every row leads back to its object version', async () => {
    const result = await writeBatchManifest(client, currentVersions(), `s3://${manifestBucket}/manifests/versions.csv`);
    assert.equal(result.objects, ODD_KEYS.length);
    assert.deepEqual(result.fields, ['Bucket', 'Key', 'VersionId']);
    assert.equal(result.format, 'S3BatchOperations_CSV_20180820');
    const text = await readText('manifests/versions.csv');
    assert.equal(Buffer.byteLength(text), result.bytes);
    assert.ok(text.endsWith('\n'));
    const rows = text.slice(0, -1).split('\n');
    assert.equal(rows.length, ODD_KEYS.length);
    const seen = new Set<string>();
    for (const row of rows) {
      const [bucket, encodedKey, versionId, ...rest] = row.split(',');
      assert.equal(rest.length, 0, row);
      assert.equal(bucket, sourceBucket);
      const key = decodeURIComponent(encodedKey!);
      seen.add(key);
      const head = await client.send(new HeadObjectCommand({ Bucket: sourceBucket, Key: key, VersionId: versionId }));
      assert.equal(head.ContentLength, 'current'.length, `${key} is the current version`);
    }
    assert.deepEqual([...seen].sort(), [...ODD_KEYS].sort());
    const head = await client.send(new HeadObjectCommand({ Bucket: manifestBucket, Key: 'manifests/versions.csv' }));
    assert.equal(result.etag, head.ETag!.replace(/"/g, ''));
    assert.ok(!result.etag.includes('"'));
  });

  it('streams a large manifest in multipart parts and reads back byte for byte', async () => {
    const count = 160_000;
    const key = (i: number) => `tenant-${i % 97}/2023/07/part ${String(i).padStart(7, '0')}+x.json`;
    async function* many(): AsyncGenerator<BatchManifestTarget> {
      for (let i = 0; i < count; i++) yield { bucket: sourceBucket, key: key(i) };
    }
    const from = commands.length;
    const result = await writeBatchManifest(client, many(), `s3://${manifestBucket}/manifests/large.csv`, undefined, { partSizeBytes: 5 * 1024 * 1024 });
    assert.deepEqual(
      commands.slice(from).filter((c) => c !== 'HeadObjectCommand'),
      ['CreateMultipartUploadCommand', 'UploadPartCommand', 'UploadPartCommand', 'UploadPartCommand', 'CompleteMultipartUploadCommand'],
    );
    assert.equal(result.objects, count);
    assert.ok(result.bytes > 10 * 1024 * 1024, `${result.bytes} bytes need three parts`);
    assert.match(result.etag, /-3$/, 'a multipart ETag names its part count');
    const text = await readText('manifests/large.csv');
    const expected = Array.from({ length: count }, (_, i) => `${sourceBucket},${manifestKey(key(i))}\n`).join('');
    assert.equal(text.length, expected.length);
    assert.ok(text === expected, 'the manifest reads back exactly');
    assert.deepEqual(result.fields, ['Bucket', 'Key']);
  });

  it('does not replace an existing object unless told to', async () => {
    const location = `s3://${manifestBucket}/manifests/once.csv`;
    await writeBatchManifest(client, [{ bucket: sourceBucket, key: 'a' }], location);
    await assert.rejects(writeBatchManifest(client, [{ bucket: sourceBucket, key: 'b' }], location), /already exists at s3:\/\/.*once\.csv/);
    assert.equal(await readText('manifests/once.csv'), `${sourceBucket},a\n`);
    await writeBatchManifest(client, [{ bucket: sourceBucket, key: 'b' }], location, undefined, { overwrite: true });
    assert.equal(await readText('manifests/once.csv'), `${sourceBucket},b\n`);
  });

  it('refuses an empty manifest and a folder as the location, writing nothing', async () => {
    await assert.rejects(writeBatchManifest(client, [], `s3://${manifestBucket}/manifests/empty.csv`), /no objects/);
    await assert.rejects(client.send(new HeadObjectCommand({ Bucket: manifestBucket, Key: 'manifests/empty.csv' })), { name: 'NotFound' });
    await assert.rejects(writeBatchManifest(client, [{ bucket: sourceBucket, key: 'a' }], `s3://${manifestBucket}/manifests/`), /is a folder/);
  });

  it('aborts the multipart upload when cancelled, leaving no manifest and no parts behind', async () => {
    const controller = new AbortController();
    async function* endless(): AsyncGenerator<BatchManifestTarget> {
      for (let i = 0; ; i++) {
        // Cancel once two parts' worth of rows have been produced, so a multipart upload is under way.
        if (i === 250_000) controller.abort();
        yield { bucket: sourceBucket, key: `endless/${String(i).padStart(9, '0')}.json` };
      }
    }
    const from = commands.length;
    await assert.rejects(
      writeBatchManifest(client, endless(), `s3://${manifestBucket}/manifests/cancelled.csv`, controller.signal, { partSizeBytes: 5 * 1024 * 1024 }),
      (e: unknown) => (e as Error).name === 'AbortError',
    );
    const sent = commands.slice(from);
    assert.equal(sent.filter((c) => c === 'UploadPartCommand').length, 2, sent.join(', '));
    assert.deepEqual(
      sent.filter((c) => c.includes('Multipart')),
      ['CreateMultipartUploadCommand', 'AbortMultipartUploadCommand'],
    );
    await assert.rejects(client.send(new HeadObjectCommand({ Bucket: manifestBucket, Key: 'manifests/cancelled.csv' })), { name: 'NotFound' });
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: manifestBucket }));
    assert.deepEqual(uploads.Uploads ?? [], []);
  });
});

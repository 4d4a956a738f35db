// `s3-lifecycle generate --endpoint …` puts the estate on a real S3 API (moto): the inventory and
// the logs in their own buckets, and real objects, versions and delete markers for a subset.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetBucketVersioningCommand, GetObjectCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/aws/s3Client';
import { S3Service } from '../../src/aws/s3Service';
import { motoEndpoint, uniqueBucketName } from './moto';

const run = promisify(execFile);
const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');

describe('generate --endpoint against moto', () => {
  const bucket = uniqueBucketName('estate');
  const out = mkdtempSync(join(tmpdir(), 's3ls-upload-'));
  let client: S3Client;
  let s3: S3Service;
  let summary: {
    upload: { inventoryFiles: number; logFiles: number; objects: number; versions: number; deleteMarkers: number };
    manifest: string;
    logFiles: number;
  };

  before(async () => {
    const { stdout } = await run(
      process.execPath,
      [CLI, 'generate', '--out', out, '--objects', '2500', '--days', '4', '--bucket', bucket, '--upload-objects', '400', '--format', 'json'],
      {
        env: { ...process.env, S3LIFECYCLE_ENDPOINT: motoEndpoint(), S3LIFECYCLE_FORCE_PATH_STYLE: 'true' },
      },
    );
    summary = JSON.parse(stdout);
    client = createS3Client({ profile: '', region: 'us-east-1', endpoint: motoEndpoint(), forcePathStyle: true });
    s3 = new S3Service(client);
  });

  after(() => {
    client?.destroy();
    rmSync(out, { recursive: true, force: true });
  });

  it('creates the three buckets', async () => {
    const names = (await s3.listBuckets()).map((b) => b.name);
    for (const name of [bucket, `${bucket}-inventory`, `${bucket}-logs`]) assert.ok(names.includes(name), name);
  });

  it('puts the inventory report where its manifest says, byte for byte', async () => {
    const response = await client.send(new GetObjectCommand({ Bucket: `${bucket}-inventory`, Key: summary.manifest }));
    const manifest = JSON.parse(await response.Body!.transformToString());
    assert.equal(manifest.sourceBucket, bucket);
    for (const f of manifest.files as { key: string; size: number }[]) {
      const data = await client.send(new GetObjectCommand({ Bucket: `${bucket}-inventory`, Key: f.key }));
      assert.equal((await data.Body!.transformToByteArray()).length, f.size);
    }
  });

  it('puts every log object in the log bucket under the same keys', async () => {
    let count = 0;
    for await (const page of s3.listPages(`${bucket}-logs`, { prefix: 'logs/', delimiter: '' })) count += page.objects.length;
    assert.equal(count, summary.logFiles);
    assert.equal(summary.upload.logFiles, summary.logFiles);
  });

  it('creates real objects for a subset of the keys, in every top-level part of the tree', async () => {
    assert.equal(summary.upload.objects, 400);
    const root = await s3.listPage(bucket, {});
    assert.ok(root.prefixes.length >= 4, `top-level prefixes: ${root.prefixes.join(', ')}`);
    let keys = 0;
    for await (const page of s3.listPages(bucket, { delimiter: '' })) keys += page.objects.length;
    assert.equal(keys, 400 - summary.upload.deleteMarkers, 'keys whose current version is a delete marker are hidden');
  });

  it('enables versioning and writes noncurrent versions and delete markers', async () => {
    const versioning = await client.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    assert.equal(versioning.Status, 'Enabled');
    const versions = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1000 }));
    assert.ok((versions.DeleteMarkers ?? []).length > 0, 'delete markers');
    assert.ok(
      (versions.Versions ?? []).some((v) => v.IsLatest === false),
      'noncurrent versions',
    );
  });

  it('keeps the truth of the folder it uploaded', () => {
    const truth = JSON.parse(readFileSync(join(out, 'truth.json'), 'utf8'));
    assert.equal(truth.generator.bucket, bucket);
    assert.ok(truth.unusedPrefixes.length > 0);
  });
});

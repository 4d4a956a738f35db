// The built CLI (dist/cli.js) as a user runs it, against moto.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/aws/s3Client';
import { motoEndpoint, putObjects, uniqueBucketName } from './moto';

const run = promisify(execFile);
const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, S3LIFECYCLE_ENDPOINT: motoEndpoint(), S3LIFECYCLE_FORCE_PATH_STYLE: 'true' },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('s3-lifecycle ls against moto', () => {
  const bucket = uniqueBucketName('cli');
  let client: S3Client;

  before(async () => {
    client = createS3Client({ profile: '', region: 'us-east-1', endpoint: motoEndpoint(), forcePathStyle: true });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await putObjects(client, bucket, [
      ...Array.from({ length: 1010 }, (_, i) => `logs/2024/${String(i).padStart(4, '0')}.log`),
      'logs/readme.txt',
      'tenant-042/a b.json',
    ]);
  });

  after(() => client?.destroy());

  it('lists the buckets as JSON', async () => {
    const { code, stdout } = await cli(['ls', '--format', 'json']);
    assert.equal(code, 0);
    assert.ok((JSON.parse(stdout) as { name: string }[]).some((b) => b.name === bucket));
  });

  it('lists one level as text, prefixes first', async () => {
    const { code, stdout, stderr } = await cli(['ls', `s3://${bucket}/`]);
    assert.equal(code, 0, stderr);
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /PRE\s+logs\/$/);
    assert.match(lines[1]!, /PRE\s+tenant-042\/$/);
  });

  it('lists every key under a prefix across pages as JSON', async () => {
    const { code, stdout } = await cli(['ls', `s3://${bucket}/logs/`, '--recursive', '--page-size', '300', '--format', 'json']);
    assert.equal(code, 0);
    const entries = JSON.parse(stdout) as { type: string; key: string; size: number }[];
    assert.equal(entries.length, 1011);
    assert.ok(entries.every((e) => e.type === 'object' && e.key.startsWith('logs/')));
    assert.equal(entries.find((e) => e.key === 'logs/readme.txt')?.size, 'logs/readme.txt'.length);
  });

  it('stops at --limit', async () => {
    const { code, stdout } = await cli(['ls', `s3://${bucket}/logs/2024/`, '--limit', '5', '--format', 'json']);
    assert.equal(code, 0);
    assert.equal((JSON.parse(stdout) as unknown[]).length, 5);
  });

  it('exits 1 and names the bucket when it does not exist', async () => {
    const { code, stderr } = await cli(['ls', 's3://no-such-bucket-s3ls/']);
    assert.equal(code, 1);
    assert.match(stderr, /bucket "no-such-bucket-s3ls" does not exist/);
  });
});

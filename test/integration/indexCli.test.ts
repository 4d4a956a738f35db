// `s3-lifecycle generate --append-only-data` and `s3-lifecycle index build|lookup|status` as a user runs
// them (the built dist/cli.js), against moto and versitygw: the records they print are the truth's,
// and re-read straight from S3; mistakes are usage errors (exit 2), a missing index a failure (exit 1).

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { S3Client } from '@aws-sdk/client-s3';
import type { AppendOnlyTruth } from '../../src/core/estate/appendOnly';
import { recordAt, s3Client } from './indexFixture';
import { s3Servers, uniqueBucketName } from './moto';

const run = promisify(execFile);
const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');

for (const server of s3Servers())
  describe(`s3-lifecycle index against ${server.name}`, () => {
    const bucket = uniqueBucketName('idxcli');
    const out = mkdtempSync(join(tmpdir(), 's3ls-idxcli-'));
    let truth: AppendOnlyTruth;
    let client: S3Client;

    async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
      try {
        const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
          env: {
            ...process.env,
            S3LIFECYCLE_ENDPOINT: server.endpoint,
            S3LIFECYCLE_FORCE_PATH_STYLE: 'true',
            S3LIFECYCLE_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
            AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
          },
          maxBuffer: 64 * 1024 * 1024,
        });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    }

    before(async () => {
      client = s3Client(server);
      // With the endpoint set, generate puts the estate and the data files on the server.
      const generated = await cli([
        'generate',
        '--out',
        out,
        '--objects',
        '50',
        '--days',
        '1',
        '--bucket',
        bucket,
        '--upload-objects',
        '5',
        '--append-only-data',
        '--data-files',
        '6',
        '--data-lines',
        '800',
        '--data-samples',
        '30',
        '--format',
        'json',
      ]);
      assert.equal(generated.code, 0, generated.stderr);
      truth = JSON.parse(readFileSync(join(out, 'append-only-truth.json'), 'utf8'));
      assert.equal(JSON.parse(generated.stdout).upload.dataFiles, truth.files.length);
    });
    after(() => {
      client?.destroy();
      rmSync(out, { recursive: true, force: true });
    });

    it('builds an index and reports what it indexed as JSON', async () => {
      const { code, stdout, stderr } = await cli([
        'index',
        'build',
        '--data',
        `s3://${bucket}/data/`,
        '--index',
        `s3://${bucket}/_index/data/`,
        '--format',
        'json',
      ]);
      assert.equal(code, 0, stderr);
      const result = JSON.parse(stdout);
      assert.equal(result.created, true);
      assert.equal(result.objects.indexed, truth.files.length);
      assert.equal(result.entries, truth.records);
      assert.equal(result.config.granularity, 'hour');
      assert.ok(result.keysPerSecond > 0 && result.peakRssMb > 0);
      const again = await cli(['index', 'build', '--data', `s3://${bucket}/data/`, '--index', `s3://${bucket}/_index/data/`]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /Extended the index .*: 0 data objects indexed/);
      assert.match(again.stdout, new RegExp(`${truth.files.length} already indexed`));
    });

    it('looks keys up: per key the record (absent when not found), requests, bytes and time', async () => {
      const present = truth.samples.slice(0, 4);
      const absent = truth.absent.slice(0, 2);
      const { code, stdout, stderr } = await cli([
        'index',
        'lookup',
        '--index',
        `s3://${bucket}/_index/data/`,
        ...present.map((s) => s.key),
        ...absent,
        '--format',
        'json',
      ]);
      assert.equal(code, 0, stderr);
      const result = JSON.parse(stdout);
      assert.equal(result.open.requests, 1);
      assert.equal(result.keys.length, 6);
      for (const [i, sample] of present.entries()) {
        const k = result.keys[i];
        assert.equal(k.key, sample.key);
        assert.equal(k.status, 'found');
        assert.equal(k.record, sample.record);
        assert.equal(await recordAt(client, bucket, k.location), sample.record);
        assert.ok(k.requests <= (i === 0 ? 3 : 2) + k.falsePositiveReads, `key ${i}: ${k.requests} requests`);
        assert.ok(k.bytes > 0 && k.time >= 0);
      }
      for (const k of result.keys.slice(4)) {
        assert.equal(k.status, 'absent');
        assert.equal('record' in k, false);
      }
      assert.equal(
        result.requests,
        result.keys.reduce((n: number, k: { requests: number }) => n + k.requests, 0),
      );
    });

    it('prints records as text, reads keys from a file, and batches them on --batch', async () => {
      const keysFile = join(out, 'keys.txt');
      writeFileSync(keysFile, truth.samples.map((s) => s.key).join('\n') + '\n');
      const text = await cli(['index', 'lookup', '--index', `s3://${bucket}/_index/data/`, '--keys-file', keysFile, '--batch']);
      assert.equal(text.code, 0, text.stderr);
      for (const s of truth.samples) assert.ok(text.stdout.includes(`  ${s.record}\n`), s.key);
      assert.match(text.stdout, new RegExp(`${truth.samples.length} of ${truth.samples.length} found`));
      const status = await cli(['index', 'status', '--index', `s3://${bucket}/_index/data/`, '--format', 'json']);
      assert.equal(status.code, 0, status.stderr);
      assert.deepEqual(JSON.parse(status.stdout).unindexedObjects, 0);
    });

    it('says what to do on mistakes: usage errors exit 2, a missing index exits 1', async () => {
      const noAction = await cli(['index']);
      assert.equal(noAction.code, 2);
      assert.match(noAction.stderr, /index takes an action: build, lookup, status/);
      const noData = await cli(['index', 'build', '--index', `s3://${bucket}/i/`]);
      assert.equal(noData.code, 2);
      assert.match(noData.stderr, /--data s3:\/\/BUCKET\/PREFIX is required/);
      const badGranularity = await cli(['index', 'build', '--data', `s3://${bucket}/data/`, '--index', `s3://${bucket}/i/`, '--granularity', 'weekly']);
      assert.equal(badGranularity.code, 2);
      assert.match(badGranularity.stderr, /--granularity must be one of second, minute, hour, day/);
      const stray = await cli(['index', 'lookup', '--index', `s3://${bucket}/_index/data/`, '--data', `s3://${bucket}/data/`, 'k-1683832386']);
      assert.equal(stray.code, 2);
      assert.match(stray.stderr, /index lookup does not take --data/);
      const noKeys = await cli(['index', 'lookup', '--index', `s3://${bucket}/_index/data/`]);
      assert.equal(noKeys.code, 2);
      const missing = await cli(['index', 'lookup', '--index', `s3://${bucket}/nothing/`, 'k-1683832386']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /There is no index at s3:\/\/.*\/nothing\/ .*index build/);
      const contradicting = await cli(['index', 'build', '--data', `s3://${bucket}/data/`, '--index', `s3://${bucket}/_index/data/`, '--part-entries', '10']);
      assert.equal(contradicting.code, 1);
      assert.match(contradicting.stderr, /was built with part entries 65536 \(asked: 10\)/);
    });
  });

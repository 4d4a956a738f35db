// The local engine reading its sources from a real S3 API (moto): the inventory through its
// manifest and the logs by listing, both downloaded once and then served from the ETag cache.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/aws/s3Client';
import { formatLogTime } from '../../src/core/time';
import { encodeLogKey } from '../../src/core/s3keys';
import type { EstateTruth } from '../../src/core/estate/generate';
import { collectRows } from '../../src/engines/engine';
import { LocalEngine } from '../../src/engines/local';
import { TemplateRunner } from '../../src/engines/runner';
import { TemplateCatalog } from '../../src/sql/catalog';
import { motoEndpoint, uniqueBucketName } from './moto';

const run = promisify(execFile);
const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');

describe('the local engine with sources on S3 (moto)', () => {
  const bucket = uniqueBucketName('sql');
  const out = mkdtempSync(join(tmpdir(), 's3ls-sql-s3-'));
  const cacheDir = mkdtempSync(join(tmpdir(), 's3ls-sql-cache-'));
  const catalog = TemplateCatalog.load();
  let client: S3Client;
  let truth: EstateTruth;

  const unusedPrefixes = async () => {
    const engine = new LocalEngine({ cacheDir, s3: () => client, threads: 1 });
    try {
      const runner = new TemplateRunner(catalog, engine, {
        inventory: `s3://${bucket}-inventory/inventory/${bucket}/daily-full/hive/`,
        logs: `s3://${bucket}-logs/logs/`,
      });
      return await collectRows(
        await runner.run({ template: catalog.resolve('unused_prefixes').template, values: { as_of: truth.window.end, days: String(truth.window.days) } }),
      );
    } finally {
      await engine.dispose();
    }
  };

  before(async () => {
    await run(
      process.execPath,
      [CLI, 'generate', '--out', out, '--objects', '1500', '--days', '5', '--bucket', bucket, '--upload-objects', '50', '--format', 'json'],
      {
        env: { ...process.env, S3LIFECYCLE_ENDPOINT: motoEndpoint(), S3LIFECYCLE_FORCE_PATH_STYLE: 'true' },
      },
    );
    truth = JSON.parse(readFileSync(join(out, 'truth.json'), 'utf8')) as EstateTruth;
    client = createS3Client({ profile: '', region: 'us-east-1', endpoint: motoEndpoint(), forcePathStyle: true });
  });

  after(() => {
    client?.destroy();
    rmSync(out, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it("finds truth.json's unused prefixes from the inventory and logs on S3", async () => {
    const { rows, statistics } = await unusedPrefixes();
    assert.deepEqual(
      rows.map((r) => r[0]),
      truth.unusedPrefixes.map((u) => u.prefix),
    );
    assert.ok(statistics.bytesScanned > 0);
  });

  it('downloads nothing the second time, and again what changed (new ETag)', async () => {
    const before = await unusedPrefixes();
    assert.deepEqual(
      before.rows.map((r) => r[0]),
      truth.unusedPrefixes.map((u) => u.prefix),
    );
    const downloads = before.statistics.notes.filter((n) => / downloaded, /.test(n));
    assert.equal(downloads.length, 2, before.statistics.notes.join('\n'));
    for (const note of downloads) assert.match(note, /: 0 B downloaded, /);
    // A log line that reads the first unused prefix, delivered as a new version of an existing file.
    const first = truth.unusedPrefixes[0]!.prefix;
    const logKey = readdirSync(join(out, 'logs'), { recursive: true, withFileTypes: true }).find((e) => e.isFile())!;
    const path = join(logKey.parentPath, logKey.name);
    const key = path.slice(out.length + 1);
    const owner = readFileSync(path, 'utf8').split(' ')[0];
    const noon = Date.parse(`${truth.window.end}T12:00:00Z`);
    const line = `${owner} ${bucket} ${formatLogTime(noon)} 192.0.2.1 arn:aws:iam::1:user/reader REQ-NEW-1 REST.GET.OBJECT ${encodeLogKey(`${first}/x`, 'REST.GET.OBJECT')} "GET /${bucket}/x HTTP/1.1" 200 - 10 10 1 1 "-" "test" - HOSTID SigV4 TLS_AES_128_GCM_SHA256 AuthHeader host TLSv1.3 - -\n`;
    await client.send(new PutObjectCommand({ Bucket: `${bucket}-logs`, Key: key, Body: readFileSync(path, 'utf8') + line }));
    const after = await unusedPrefixes();
    assert.deepEqual(
      after.rows.map((r) => r[0]),
      truth.unusedPrefixes.slice(1).map((u) => u.prefix),
      'the changed file was read again',
    );
    assert.ok(
      after.statistics.notes.some((n) => /s3_access_logs_source: [1-9][\d.]* (B|KiB) downloaded/.test(n)),
      after.statistics.notes.join('\n'),
    );
    assert.ok(after.statistics.notes.some((n) => /s3_inventory_source: 0 B downloaded/.test(n)));
  });
});

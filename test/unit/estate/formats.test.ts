// The generated estate is exactly as AWS writes it: access-log lines parse with the AWS-documented
// regex, inventory files match their manifest, keys round-trip through URL-encoding, and the same
// seed gives the same bytes.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { InventoryManifest } from '../../../src/core/inventory/inventoryCsv';
import { DEFAULT_INVENTORY_FIELDS } from '../../../src/core/inventory/schema';
import { EstatePlan } from '../../../src/core/estate/plan';
import { decodeLogKey, decodeS3Key } from '../../../src/core/s3keys';
import { generateInto, listFiles, readInventoryCsv, readLogRows, sha256, smallEstateOptions, type LogRow } from './fixture';

describe('a generated estate, as AWS writes it', () => {
  let dir: string;
  let manifest: InventoryManifest;
  let manifestPath: string;
  let rows: LogRow[];

  before(async () => {
    ({ dir } = await generateInto(smallEstateOptions()));
    manifestPath = listFiles(dir).find((f) => f.endsWith('/manifest.json'))!;
    manifest = JSON.parse(readFileSync(join(dir, manifestPath), 'utf8'));
    rows = readLogRows(dir);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lays the inventory out as S3 does: dated manifest, checksum, data/ files, hive symlink', () => {
    assert.match(manifestPath, /^inventory\/test-estate\/daily-full\/\d{4}-\d{2}-\d{2}T\d{2}-\d{2}Z\/manifest\.json$/);
    const files = listFiles(dir);
    assert.ok(files.includes(manifestPath.replace('manifest.json', 'manifest.checksum')));
    assert.ok(files.some((f) => /^inventory\/test-estate\/daily-full\/hive\/dt=\d{4}-\d{2}-\d{2}-\d{2}-\d{2}\/symlink\.txt$/.test(f)));
    assert.ok(manifest.files.length >= 3, 'several data files at 1,500 rows per file');
    for (const f of manifest.files) assert.match(f.key, /^inventory\/test-estate\/daily-full\/data\/[0-9a-f-]{36}\.csv\.gz$/);
    assert.equal(manifest.sourceBucket, 'test-estate');
    assert.equal(manifest.destinationBucket, 'arn:aws:s3:::test-estate-inventory');
    assert.equal(manifest.fileFormat, 'CSV');
  });

  it('matches the manifest: checksum file, data file sizes and MD5s', () => {
    const checksum = readFileSync(join(dir, manifestPath.replace('manifest.json', 'manifest.checksum')), 'utf8').trim();
    assert.equal(
      checksum,
      createHash('md5')
        .update(readFileSync(join(dir, manifestPath)))
        .digest('hex'),
    );
    for (const f of manifest.files) {
      const bytes = readFileSync(join(dir, f.key));
      assert.equal(f.size, bytes.length, f.key);
      assert.equal(f.MD5checksum, createHash('md5').update(bytes).digest('hex'), f.key);
    }
  });

  it('writes every CSV row with exactly the fields the fileSchema names, each quoted', () => {
    const schema = manifest.fileSchema.split(',').map((s) => s.trim());
    assert.deepEqual(schema, [...DEFAULT_INVENTORY_FIELDS]);
    const csv = readInventoryCsv(dir, manifest);
    assert.ok(csv.length > 4000, 'current versions plus noncurrent versions and delete markers');
    for (const row of csv) {
      assert.equal(row.length, schema.length);
      assert.equal(row[0], 'test-estate');
      assert.match(row[3]!, /^(true|false)$/);
      assert.match(row[4]!, /^(true|false)$/);
      assert.match(row[6]!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      if (row[4] === 'true') assert.deepEqual([row[5], row[7], row[8]], ['', '', '']);
      else assert.match(row[8]!, /^(STANDARD|STANDARD_IA|GLACIER_IR|INTELLIGENT_TIERING)$/);
    }
    // A versioned part: noncurrent versions and delete markers are there.
    assert.ok(csv.some((r) => r[3] === 'false' && r[4] === 'false'));
    assert.ok(csv.some((r) => r[3] === 'true' && r[4] === 'true'));
    // Legal holds and object locks are there.
    assert.ok(csv.some((r) => r[14] === 'ON'));
    assert.ok(csv.some((r) => r[13] === 'COMPLIANCE'));
  });

  it('URL-encodes keys in the CSV, and they decode to the key shapes an estate has', () => {
    const keys = readInventoryCsv(dir, manifest).map((r) => r[1]!);
    // S3 writes a space as `+` (see s3keys.ts); nothing else that would need quoting stays raw.
    for (const encoded of keys) assert.doesNotMatch(encoded, /[ "\t]/, encoded);
    assert.ok(
      keys.some((k) => k.includes('+')),
      'a space written as +',
    );
    const decoded = keys.map(decodeS3Key);
    assert.ok(
      decoded.some((k) => /^tenant-\d{3}\/\d{4}\/\d{2}\/\d{2}\/[0-9a-f-]{36}\.json$/.test(k)),
      'tenant/date/uuid keys',
    );
    assert.ok(
      decoded.some((k) => /^warehouse\/\w+\/dt=\d{4}-\d{2}-\d{2}\/part-\d{5}/.test(k)),
      'data-lake partitions',
    );
    assert.ok(
      decoded.some((k) => k.endsWith('/')),
      'folder keys',
    );
    assert.ok(
      decoded.some((k) => k.includes(' ') && k.includes('+') && k.includes('%') && k.includes('=')),
      'keys that need encoding',
    );
    assert.ok(
      decoded.some((k) => /[^\x00-\x7f]/.test(k)),
      'unicode keys',
    );
    assert.ok(
      decoded.some((k) => !k.includes('/')),
      'keys at the bucket root',
    );
    assert.ok(
      decoded.some((k) => k.split('/').length >= 8),
      'deep keys',
    );
  });

  it('writes access-log lines that all parse with the AWS-documented regex, 26 fields and more', () => {
    assert.ok(rows.length > 1000);
    for (const row of rows) {
      assert.match(row.requestdatetime!, /^\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
      assert.match(row.requestid!, /^[0-9A-F]{16}$/);
      assert.match(row.httpstatus!, /^(-|\d{3})$/);
      assert.notEqual(row.aclrequired, undefined, `the trailing optional fields matched: ${row.line}`);
      assert.equal(row.line.split(' ').length >= 27, true);
    }
  });

  it('logs reads, writes, listings, errors, batch deletes and lifecycle work', () => {
    const operations = new Set(rows.map((r) => r.operation));
    for (const op of [
      'REST.GET.OBJECT',
      'REST.HEAD.OBJECT',
      'REST.COPY.OBJECT_GET',
      'REST.COPY.PART_GET',
      'WEBSITE.GET.OBJECT',
      'REST.PUT.OBJECT',
      'REST.GET.BUCKET',
      'REST.POST.MULTI_OBJECT_DELETE',
      'BATCH.DELETE.OBJECT',
      'S3.CREATE.DELETEMARKER',
      'S3.EXPIRE.OBJECT',
      'S3.TRANSITION_SIA.OBJECT',
    ]) {
      assert.ok(operations.has(op), op);
    }
    const statuses = new Set(rows.map((r) => r.httpstatus));
    for (const status of ['200', '206', '304', '403', '404']) assert.ok(statuses.has(status), status);
  });

  it('quotes request-URI, referrer and user-agent, writes - where AWS does, and uses IPv4 and IPv6', () => {
    const client = rows.filter((r) => r.requester !== 'AmazonS3');
    assert.ok(client.every((r) => r.request_uri!.startsWith('"') && r.useragent!.startsWith('"')));
    assert.ok(
      client.some((r) => r.useragent!.includes(' ')),
      'user-agents with spaces',
    );
    assert.ok(client.some((r) => /^\d+\.\d+\.\d+\.\d+$/.test(r.remoteip!)));
    assert.ok(client.some((r) => r.remoteip!.includes(':')));
    const lifecycle = rows.filter((r) => r.requester === 'AmazonS3');
    assert.ok(lifecycle.length > 0);
    for (const r of lifecycle) {
      assert.equal(r.remoteip, '-');
      assert.equal(r.request_uri, '"-"');
      assert.equal(r.httpstatus, '-');
    }
    assert.ok(
      rows.some((r) => r.key === '-'),
      'operations without a key',
    );
  });

  it("writes keys in log lines encoded twice for requests and once for S3's own work, decoding to keys of the inventory", () => {
    const inventoryKeys = new Set(readInventoryCsv(dir, manifest).map((r) => decodeS3Key(r[1]!)));
    const reads = rows.filter((r) => r.operation === 'REST.GET.OBJECT' && r.httpstatus === '200');
    assert.ok(reads.length > 100);
    for (const r of reads) assert.ok(inventoryKeys.has(decodeLogKey(r.key!, r.operation!)!), r.key);
    // A key with a space: `a b` is `a+b` once, `a%2Bb` twice.
    assert.ok(
      reads.some((r) => r.key!.includes('%2B')),
      'a request key encoded twice',
    );
    const expired = rows.filter((r) => r.operation === 'S3.EXPIRE.OBJECT' || r.operation === 'BATCH.DELETE.OBJECT');
    assert.ok(
      expired.some((r) => r.key!.includes('+') && !r.key!.includes('%25')),
      "a key of S3's own work encoded once",
    );
  });

  it('names log objects in the PartitionedPrefix layout', () => {
    const logFiles = listFiles(dir).filter((f) => f.startsWith('logs/'));
    for (const f of logFiles) assert.match(f, /^logs\/\d{12}\/us-east-1\/test-estate\/\d{4}\/\d{2}\/\d{2}\/\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9A-F]{16}$/);
  });
});

describe('determinism', () => {
  it('gives byte-identical output for the same seed, and different output for another', async () => {
    const a = await generateInto(smallEstateOptions({ objects: 1500, days: 5 }));
    const b = await generateInto(smallEstateOptions({ objects: 1500, days: 5 }));
    const c = await generateInto(smallEstateOptions({ objects: 1500, days: 5, seed: 8 }));
    try {
      const filesA = listFiles(a.dir);
      assert.deepEqual(listFiles(b.dir), filesA);
      for (const f of filesA) assert.equal(sha256(join(b.dir, f)), sha256(join(a.dir, f)), f);
      assert.notEqual(sha256(join(c.dir, 'truth.json')), sha256(join(a.dir, 'truth.json')));
    } finally {
      for (const d of [a.dir, b.dir, c.dir]) rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('the estate plan', () => {
  it('gives every prefix its own name, also at ten million objects', () => {
    for (const objects of [50_000, 10_000_000]) {
      const plan = new EstatePlan({ objects, seed: 3, asOfDay: 20_000, days: 30, bucket: 'b' });
      const prefixes = new Set(plan.groups.map((g) => g.prefix));
      assert.equal(prefixes.size, plan.groups.length, `${objects} objects`);
      assert.equal(
        plan.groups.reduce((n, g) => n + g.objects, 0),
        objects,
      );
    }
  });

  it('mixes hot, rarely read and never read prefixes, old and young', () => {
    const plan = new EstatePlan({ objects: 50_000, seed: 3, asOfDay: 20_000, days: 30, bucket: 'b' });
    const classes = new Set(plan.groups.map((g) => g.access));
    assert.deepEqual([...classes].sort(), ['hot', 'never', 'once', 'warm']);
    assert.ok(
      plan.groups.some((g) => g.day >= plan.windowStartDay),
      'prefixes written inside the window',
    );
    assert.ok(
      plan.groups.some((g) => g.day < plan.windowStartDay - 365 * 3),
      'prefixes years old',
    );
  });
});

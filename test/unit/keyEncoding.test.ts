// One rule for each source, the same everywhere: S3 form-encodes keys (a space is `+`) once in
// inventory CSVs, twice in the key field of request lines (REST.*, WEBSITE.*), once for its own
// operations (S3.*) and BATCH.DELETE.OBJECT. Per character class, a key written that way by the
// encoders (whose rules the corpus tests ground in real lines) must come back exactly through
// the parser, the local engine's typed views, and the analysis's join.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { formatAccessLogLine, type AccessLogRecord } from '../../src/core/accessLog/format';
import { parseAccessLogText } from '../../src/core/accessLog/parser';
import { prefixOfKey } from '../../src/core/prefix';
import { decodeLogKey, decodeS3Key, encodeKeyPath, encodeLogKey, encodeS3Key } from '../../src/core/s3keys';
import { collectRows } from '../../src/engines/engine';
import { LocalEngine } from '../../src/engines/local';
import { TemplateRunner } from '../../src/engines/runner';
import { analyzeRetention } from '../../src/app/retentionAnalysis';
import { TemplateCatalog } from '../../src/sql/catalog';

/** One key per character class, each under a prefix of its own (the prefix holds the class too). */
const KEYS: Record<string, string> = {
  space: 'photos/Summer Trip/a b.jpg',
  plus: 'math/1+1=2/a+b.txt',
  percent: 'reports/100%/done 50%.csv',
  slash: 'deep//double/slash/x.txt',
  unicode: 'café ✓/naïve 🚀/é.md',
  equals: 'warehouse/dt=2024-01-01/part=0.parquet',
  ampersand: 'search/q=a&b/r&d.json',
  question: 'odd/what?/why?.txt',
  encodedLooking: 'already/%2520not-an-escape/%41.txt',
};

const BUCKET = 'char-classes';
const DAY = '2026-09-15';

function line(key: string, operation: string, day = DAY): string {
  const record: AccessLogRecord = {
    bucketOwner: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
    bucket: BUCKET,
    time: Date.parse(`${day}T10:00:00Z`),
    remoteIp: '192.0.2.10',
    requester: operation.startsWith('S3.') ? 'AmazonS3' : 'arn:aws:iam::123456789012:user/reader',
    requestId: `R${Math.abs(hash(key + operation + day))
      .toString(16)
      .toUpperCase()
      .padStart(15, '0')}`,
    operation,
    key,
    request: operation.startsWith('S3.') || operation.startsWith('BATCH.') ? null : `GET /${BUCKET}/${encodeKeyPath(key)}`,
    httpStatus: operation.startsWith('S3.') ? null : 200,
    errorCode: null,
    bytesSent: 10,
    objectSize: 10,
    totalTimeMs: 5,
    turnAroundMs: 4,
    referrer: null,
    userAgent: 'aws-cli/2.15.0',
    versionId: null,
    hostId: 'HOSTID=',
    signatureVersion: 'SigV4',
    cipherSuite: 'TLS_AES_128_GCM_SHA256',
    authType: 'AuthHeader',
    hostHeader: `${BUCKET}.s3.us-east-1.amazonaws.com`,
    tlsVersion: 'TLSv1.3',
    accessPointArn: null,
    aclRequired: null,
    sourceRegion: null,
  };
  return formatAccessLogLine(record);
}

function hash(text: string): number {
  let h = 0;
  for (const c of text) h = (Math.imul(h, 31) + c.codePointAt(0)!) | 0;
  return h;
}

describe('keys of every character class, as S3 encodes them', () => {
  it("are encoded as S3 writes them, and decode back by the source's rule", () => {
    assert.equal(encodeS3Key(KEYS.space!), 'photos/Summer+Trip/a+b.jpg');
    assert.equal(encodeLogKey(KEYS.space!, 'REST.GET.OBJECT'), 'photos/Summer%2BTrip/a%2Bb.jpg');
    assert.equal(encodeLogKey(KEYS.plus!, 'REST.GET.OBJECT'), 'math/1%252B1%253D2/a%252Bb.txt');
    assert.equal(encodeLogKey(KEYS.plus!, 'S3.EXPIRE.OBJECT'), 'math/1%2B1%3D2/a%2Bb.txt');
    for (const key of Object.values(KEYS)) {
      assert.equal(decodeS3Key(encodeS3Key(key)), key);
      for (const operation of [
        'REST.GET.OBJECT',
        'WEBSITE.GET.OBJECT',
        'REST.HEAD.OBJECT',
        'S3.EXPIRE.OBJECT',
        'BATCH.DELETE.OBJECT',
        'S3.CREATE.DELETEMARKER',
      ]) {
        assert.equal(decodeLogKey(encodeLogKey(key, operation), operation), key, `${operation} ${key}`);
        const parsed = parseAccessLogText(line(key, operation), {});
        assert.deepEqual(parsed.malformed, []);
        assert.equal(parsed.records[0]!.key, key, `${operation} ${key}`);
      }
    }
    // The example, a once-%20 client encoding logged twice, decodes the same way.
    assert.equal(decodeLogKey('photos/Summer%2520Trip/a.jpg', 'REST.GET.OBJECT'), 'photos/Summer Trip/a.jpg');
  });

  describe('on the local engine', () => {
    let dir: string;
    let engine: LocalEngine;
    const catalog = TemplateCatalog.load();

    before(() => {
      dir = mkdtempSync(join(tmpdir(), 's3ls-key-classes-'));
      engine = new LocalEngine({ cacheDir: join(dir, 'cache'), threads: 1 });
      // The inventory: a report of current versions, every key encoded once, as S3 writes a CSV report.
      const report = join(dir, 'inventory', BUCKET, 'config', '2026-10-01T01-00Z');
      mkdirSync(report, { recursive: true });
      mkdirSync(join(dir, 'inventory', BUCKET, 'config', 'data'), { recursive: true });
      const rows = Object.values(KEYS).map((key) => `"${BUCKET}","${encodeS3Key(key)}","10","2025-01-01T00:00:00.000Z","STANDARD"\n`);
      writeFileSync(join(dir, 'inventory', BUCKET, 'config', 'data', 'part.csv.gz'), gzipSync(rows.join('')));
      writeFileSync(
        join(report, 'manifest.json'),
        JSON.stringify({
          sourceBucket: BUCKET,
          fileFormat: 'CSV',
          fileSchema: 'Bucket, Key, Size, LastModifiedDate, StorageClass',
          files: [{ key: `inventory/${BUCKET}/config/data/part.csv.gz`, size: 0, MD5checksum: '' }],
        }),
      );
      // The logs: every day of September a line of S3's own work; on the 15th, reads (GET, HEAD,
      // website) of all keys but the ones under the prefixes left unread.
      const logs = join(dir, 'logs');
      mkdirSync(logs);
      const unread = new Set([KEYS.percent!, KEYS.unicode!]);
      for (let day = 1; day <= 30; day++) {
        const date = `2026-09-${String(day).padStart(2, '0')}`;
        const lines = [line(KEYS.slash!, 'S3.EXPIRE.OBJECT', date), line(KEYS.plus!, 'BATCH.DELETE.OBJECT', date)];
        if (date === DAY) {
          const operations = ['REST.GET.OBJECT', 'REST.HEAD.OBJECT', 'WEBSITE.GET.OBJECT'];
          Object.values(KEYS)
            .filter((key) => !unread.has(key))
            .forEach((key, i) => lines.push(line(key, operations[i % operations.length]!)));
        }
        writeFileSync(join(logs, `${date}-10-00-00-0123456789ABCDEF`), lines.join('\n') + '\n');
      }
    });
    after(async () => {
      await engine.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    it('decode every key in the inventory view and the access-log view to the key itself', async () => {
      const runner = async (sql: string) => collectRows(await engine.run({ sql }));
      const analysis = await analyzeRetention(engine, catalog, {
        bucket: BUCKET,
        inventory: join(dir, 'inventory', BUCKET, 'config'),
        logs: join(dir, 'logs'),
        asOf: '2026-09-30',
        windowDays: 30,
        lookbackDays: 30,
        exemptGlobs: [],
        keepTag: null,
        maxMissingLogDays: 0,
        allowMissingLogs: false,
        region: 'us-east-1',
        priceOverrides: {},
      });
      // The analysis drops its own tables: the typed views are made again by a run of their own.
      const sources = new TemplateRunner(catalog, engine, { inventory: join(dir, 'inventory', BUCKET, 'config'), logs: join(dir, 'logs') });
      await collectRows(await sources.run({ template: catalog.get('unused_prefixes')!.template, values: { as_of: '2026-09-30' } }));
      const inventoryKeys = (await runner('SELECT key FROM s3_inventory ORDER BY key')).rows.map((r) => r[0]);
      assert.deepEqual(inventoryKeys, Object.values(KEYS).sort());
      const logKeys = new Set((await runner('SELECT DISTINCT key FROM s3_access_logs WHERE key IS NOT NULL')).rows.map((r) => String(r[0])));
      for (const key of Object.values(KEYS)) {
        if (key === KEYS.percent || key === KEYS.unicode) continue;
        assert.ok(logKeys.has(key), `the read of ${key} joins its inventory row`);
      }
      assert.ok(logKeys.has(KEYS.slash!) && logKeys.has(KEYS.plus!), "S3's own and batch-delete lines, decoded once");
      // Only the prefixes nobody read are unused.
      assert.deepEqual(analysis.prefixes.map((p) => p.prefix).sort(), [prefixOfKey(KEYS.percent!), prefixOfKey(KEYS.unicode!)].sort());
      assert.equal(analysis.coverage.malformed.lines, 0);
    });
  });
});

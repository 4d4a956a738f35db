// Real S3 Inventory reports that AWS generated (OrcaBus's test data, read from the shared corpus):
// a versioned CSV, a CSV of current versions only, a Parquet and an ORC report of the same bucket.
// The local engine must decode them to the records OrcaBus's own tests assert, and the retention
// analysis over each must give the answer worked out by hand below.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EXIT_OK, EXIT_USAGE } from '../../src/cli/framework';
import { runCli } from '../../src/cli/main';
import type { RetentionReport } from '../../src/core/retention/report';
import { collectRows } from '../../src/engines/engine';
import { LocalEngine } from '../../src/engines/local';
import { TemplateRunner } from '../../src/engines/runner';
import { TemplateCatalog } from '../../src/sql/catalog';
import { externalPath } from './externalCorpus';

const BUCKET = 'filemanager-inventory-test';
const REPORTS = {
  'csv_inventory.csv.gz': 'csv_inventory_manifest.json',
  'csv_inventory_no_version.csv.gz': 'csv_inventory_no_version_manifest.json',
  'parquet_inventory.parquet': 'parquet_inventory_manifest.json',
} as const;

interface ExpectedRecord {
  bucket: string;
  key: string;
  version_id: string | null;
  is_delete_marker: boolean | null;
  size: number | null;
  last_modified_date: string;
  e_tag: string | null;
  storage_class: string | null;
}

const manifest = (name: string) => externalPath('inventory', 'orcabus-filemanager', name);

describe('real S3 Inventory reports on the local engine', () => {
  let scratch: string;
  const expected = () =>
    JSON.parse(readFileSync(externalPath('inventory', 'orcabus-filemanager', 'expected.json'), 'utf8')) as Record<string, ExpectedRecord[]>;

  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 's3ls-real-inventory-'));
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  /** The typed inventory view the templates read, over one report. */
  async function typedRows(manifestName: string): Promise<Record<string, unknown>[]> {
    const engine = new LocalEngine({ cacheDir: join(scratch, 'cache') });
    try {
      const catalog = TemplateCatalog.load({ workspaceDirs: [] });
      const runner = new TemplateRunner(catalog, engine);
      // No format, no schema: the runner takes both from the manifest.
      await collectRows(
        await runner.run({ template: catalog.get('inventory_table')!.template, values: { location: pathToFileURL(manifest(manifestName)).href } }),
      );
      const { columns, rows } = await collectRows(await engine.run({ sql: 'SELECT * FROM s3_inventory' }));
      return rows.map((r) => Object.fromEntries(columns.map((c, i) => [c.name, r[i]])));
    } finally {
      await engine.dispose();
    }
  }

  for (const [dataFile, manifestName] of Object.entries(REPORTS)) {
    it(`decodes ${dataFile} to the records OrcaBus asserts for it`, async () => {
      const rows = await typedRows(manifestName);
      const currentOnly = dataFile.includes('no_version');
      assert.deepEqual(
        rows.map((r) => ({
          bucket: r.bucket,
          key: r.key,
          version_id: r.version_id,
          // OrcaBus leaves is_delete_marker unset for a report without the field; the view says what it means: not a marker.
          is_delete_marker: currentOnly ? null : r.is_delete_marker,
          size: r.size,
          last_modified_date: String(r.last_modified_date).replace('.000Z', 'Z'),
          e_tag: r.e_tag,
          storage_class: r.storage_class,
        })),
        expected()[dataFile],
      );
      if (currentOnly) {
        assert.ok(
          rows.every((r) => r.is_latest === true && r.is_delete_marker === false),
          'a report of current versions: every row current, none a delete marker',
        );
      }
    });
  }

  it('says to run the ORC report on Athena, which can read it', async () => {
    await assert.rejects(typedRows('orc_inventory_manifest.json'), /cannot read ORC inventory reports .*run this template on Athena/);
  });

  describe('s3-lifecycle retention over each report', () => {
    // The window: the 30 days of June 2024. Every object of the reports was last modified on
    // 2024-05-06, so all of them are older than the window.
    const window = ['--as-of', '2024-06-30', '--window-days', '30', '--bucket', BUCKET, '--format', 'json'];

    /** Server access logs for every day of June 2024: a listing a day, and a read of inventory-test/key1 on 15 June when `read`. */
    function logs(name: string, read: boolean): string {
      const dir = join(scratch, name);
      mkdirSync(dir, { recursive: true });
      for (let day = 1; day <= 30; day++) {
        const dd = String(day).padStart(2, '0');
        const line = (time: string, id: string, operation: string, key: string, uri: string) =>
          `79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be ${BUCKET} [${dd}/Jun/2024:${time} +0000] 192.0.2.3 arn:aws:iam::123456789012:user/reader ${id} ${operation} ${key} "${uri} HTTP/1.1" 200 - 512 - 10 9 "-" "aws-cli/2.15.0" - HOSTID= SigV4 TLS_AES_128_GCM_SHA256 AuthHeader ${BUCKET}.s3.us-east-1.amazonaws.com TLSv1.3 - -`;
        const lines = [line('08:00:00', `LIST${dd}000000000000`, 'REST.GET.BUCKET', '-', `GET /?list-type=2&prefix=inventory-test%2F`)];
        if (read && day === 15) lines.push(line('10:11:12', 'READ150000000000', 'REST.GET.OBJECT', 'inventory-test/key1', 'GET /inventory-test/key1'));
        writeFileSync(join(dir, `2024-06-${dd}-09-00-00-0123456789ABCDEF`), `${lines.join('\n')}\n`);
      }
      return dir;
    }

    const retention = async (argv: string[]) => {
      let out = '';
      let err = '';
      const code = await runCli(
        ['retention', ...argv],
        { out: (t) => (out += t), err: (t) => (err += t), env: { S3LIFECYCLE_CACHE_DIR: join(scratch, 'cache') }, signal: new AbortController().signal },
        '9.9.9',
      );
      return { code, out, err };
    };

    const unused = (report: RetentionReport) =>
      report.prefixes.map((p) => ({
        prefix: p.prefix,
        objects: p.objects,
        bytes: p.bytes,
        storageClasses: p.storageClasses,
        newestLastModified: p.newestLastModified,
      }));

    // Worked by hand from the rows: the current versions that are not delete markers are
    // `inventory-test/` (prefix '', the bucket root: a trailing / is stripped, then the last
    // segment dropped; 0 bytes) and version tpinz… of `inventory-test/key1` (prefix
    // inventory-test, 5 bytes). key1's null version and key2's older version are noncurrent;
    // key2's current version is a delete marker. With key1 read on 15 June, only the root is unused.
    const ROOT = { prefix: '', objects: 1, bytes: 0, storageClasses: ['STANDARD'], newestLastModified: '2024-05-06T22:37:48.000Z' };
    const FOLDER = { prefix: 'inventory-test', objects: 1, bytes: 5, storageClasses: ['STANDARD'], newestLastModified: '2024-05-06T22:44:22.000Z' };

    for (const [dataFile, manifestName] of Object.entries(REPORTS)) {
      it(`finds the unused prefixes worked out by hand in ${dataFile}`, async () => {
        const read = await retention(['--inventory', manifest(manifestName), '--logs', logs(`read-${manifestName}`, true), ...window]);
        assert.equal(read.code, EXIT_OK, read.err);
        const withRead = JSON.parse(read.out) as RetentionReport;
        assert.deepEqual(unused(withRead), [ROOT]);
        const { days, daysWithLogs, missingDays, suspectDays, malformed } = withRead.coverage;
        assert.deepEqual(
          { days, daysWithLogs, missingDays, suspectDays, malformed: malformed.lines },
          { days: 30, daysWithLogs: 30, missingDays: [], suspectDays: [], malformed: 0 },
        );
        assert.deepEqual(withRead.coverage.linesPerDay['2024-06-15'], 2, 'the listing and the read on 15 June');

        const none = await retention(['--inventory', manifest(manifestName), '--logs', logs(`none-${manifestName}`, false), ...window]);
        assert.equal(none.code, EXIT_OK, none.err);
        assert.deepEqual(unused(JSON.parse(none.out) as RetentionReport), [FOLDER, ROOT]);
        if (dataFile.includes('no_version')) assert.match(none.err, /lists current versions only/);
        else assert.doesNotMatch(none.err, /current versions only/);
      });
    }

    it('stops at a report without Size or LastModifiedDate, naming them and how to add them', async () => {
      // The real current-only report with its Size and LastModifiedDate columns taken out (and the manifest saying so).
      const dir = join(scratch, 'no-size');
      mkdirSync(dir);
      const source = JSON.parse(readFileSync(manifest('csv_inventory_no_version_manifest.json'), 'utf8')) as { fileSchema: string; files: { key: string }[] };
      const fields = source.fileSchema.split(',').map((f) => f.trim());
      const keep = fields.map((f, i) => (f === 'Size' || f === 'LastModifiedDate' ? -1 : i)).filter((i) => i >= 0);
      const rows = readFileSync(externalPath('inventory', 'orcabus-filemanager', 'csv_inventory_no_version.csv'), 'utf8')
        .trim()
        .split('\n');
      const { gzipSync } = await import('node:zlib');
      writeFileSync(join(dir, 'data.csv.gz'), gzipSync(rows.map((r) => keep.map((i) => r.split(',')[i]).join(',')).join('\n') + '\n'));
      writeFileSync(
        join(dir, 'manifest.json'),
        JSON.stringify({ ...source, fileSchema: keep.map((i) => fields[i]).join(', '), files: [{ key: 'data.csv.gz', size: 0, MD5checksum: '' }] }),
      );
      const { code, err } = await retention(['--inventory', join(dir, 'manifest.json'), '--logs', logs('no-size-logs', false), ...window]);
      assert.equal(code, EXIT_USAGE);
      assert.match(err, /has no Size or LastModifiedDate field, which the analysis needs/);
      assert.match(err, /add Size and LastModifiedDate to the inventory configuration's optional fields .*OptionalFields/);
    });
  });
});

// The retention analysis on the local engine over generated estates: it must equal truth.json
// (with dropped and duplicated log lines), stop on log gaps before reading the inventory, honour
// exemption globs, find the last access before the window, and price the savings.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { formatAccessLogLine, type AccessLogRecord } from '../../src/core/accessLog/format';
import { generateEstate, inventoryReportFields, type EstateTruth } from '../../src/core/estate/generate';
import { DEFAULT_INVENTORY_FIELDS } from '../../src/core/inventory/schema';
import { FolderOutput } from '../../src/core/estate/output';
import type { InventoryManifest } from '../../src/core/inventory/inventoryCsv';
import { prefixOfKey } from '../../src/core/prefix';
import type { RetentionReport, UnusedPrefix } from '../../src/core/retention/report';
import { roundUsd, storagePrices } from '../../src/core/retention/savings';
import { LogCoverageError, MalformedLogLinesError, windowDays } from '../../src/core/retention/window';
import { decodeS3Key } from '../../src/core/s3keys';
import { parquetInventoryConverter } from '../../src/engines/duckdb';
import { LocalEngine } from '../../src/engines/local';
import { analyzeRetention, type RetentionOptions } from '../../src/app/retentionAnalysis';
import { TemplateCatalog } from '../../src/sql/catalog';
import { AWS_ACCESS_LOG_REGEX, generateInto, listFiles, parseLogTime, readInventoryCsv, smallEstateOptions } from './estate/fixture';

const GB = 1024 ** 3;
const DAY = 86_400_000;

interface EligibleObject {
  key: string;
  prefix: string;
  size: number;
  lastModified: number;
  storageClass: string;
}

/** The inventory's expirable objects, read independently of the engine: current, not markers, not held or locked, older than the window. */
function eligibleObjects(dir: string, truth: EstateTruth): EligibleObject[] {
  const manifest = JSON.parse(readFileSync(join(dir, truth.inventory.manifestKey), 'utf8')) as InventoryManifest;
  const windowStart = Date.parse(`${truth.window.start}T00:00:00Z`);
  const windowEnd = Date.parse(`${truth.window.end}T00:00:00Z`) + DAY;
  const objects: EligibleObject[] = [];
  for (const r of readInventoryCsv(dir, manifest)) {
    const [, encodedKey, , isLatest, isDeleteMarker, size, lastModified, , storageClass, , , , retainUntil, , legalHold] = r;
    if (isLatest !== 'true' || isDeleteMarker === 'true' || legalHold === 'ON' || (retainUntil !== '' && Date.parse(retainUntil!) >= windowEnd)) continue;
    const modified = Date.parse(lastModified!);
    if (modified >= windowStart) continue;
    const key = decodeS3Key(encodedKey!);
    objects.push({ key, prefix: prefixOfKey(key), size: Number(size), lastModified: modified, storageClass: storageClass! });
  }
  return objects;
}

/** What the report must say about these prefixes, from the objects under them. */
function expectedPrefixes(objects: EligibleObject[], prefixes: Set<string>) {
  const byPrefix = new Map<
    string,
    { prefix: string; objects: number; bytes: number; bytesByStorageClass: Record<string, number>; newestLastModified: number }
  >();
  for (const o of objects) {
    if (!prefixes.has(o.prefix)) continue;
    const entry = byPrefix.get(o.prefix) ?? { prefix: o.prefix, objects: 0, bytes: 0, bytesByStorageClass: {}, newestLastModified: 0 };
    entry.objects++;
    entry.bytes += o.size;
    entry.bytesByStorageClass[o.storageClass] = (entry.bytesByStorageClass[o.storageClass] ?? 0) + o.size;
    entry.newestLastModified = Math.max(entry.newestLastModified, o.lastModified);
    byPrefix.set(o.prefix, entry);
  }
  return [...byPrefix.values()]
    .sort((a, b) => (a.prefix < b.prefix ? -1 : 1))
    .map((e) => ({ ...e, storageClasses: Object.keys(e.bytesByStorageClass).sort(), newestLastModified: new Date(e.newestLastModified).toISOString() }));
}

function comparable(prefixes: UnusedPrefix[]) {
  return [...prefixes]
    .sort((a, b) => (a.prefix < b.prefix ? -1 : 1))
    .map((p) => ({
      prefix: p.prefix,
      objects: p.objects,
      bytes: p.bytes,
      bytesByStorageClass: p.bytesByStorageClass,
      newestLastModified: p.newestLastModified,
      storageClasses: p.storageClasses,
    }));
}

/** The report against truth.json: prefixes, objects, bytes, the set of classes, newest object, never seen. */
/** A request nobody should count: an anonymous, denied read of nothing in particular. */
const SCANNER_LINE: AccessLogRecord = {
  bucketOwner: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
  bucket: 'test-estate',
  time: 0,
  remoteIp: '198.51.100.7',
  requester: '-',
  requestId: 'SCAN000000000001',
  operation: 'REST.GET.OBJECT',
  key: 'wp-login.php',
  request: 'GET /wp-login.php',
  httpStatus: 403,
  errorCode: 'AccessDenied',
  bytesSent: 243,
  objectSize: null,
  totalTimeMs: 4,
  turnAroundMs: null,
  referrer: null,
  userAgent: 'Mozilla/5.0 zgrab/0.x',
  versionId: null,
  hostId: 'SCANHOSTID=',
  signatureVersion: null,
  cipherSuite: 'TLS_AES_128_GCM_SHA256',
  authType: null,
  hostHeader: 'test-estate.s3.amazonaws.com',
  tlsVersion: 'TLSv1.3',
  accessPointArn: null,
  aclRequired: null,
  sourceRegion: null,
};

/** The days part of a report's coverage. */
function coverageOf(report: RetentionReport): Pick<RetentionReport['coverage'], 'days' | 'daysWithLogs' | 'missingDays' | 'overridden'> {
  const { days, daysWithLogs, missingDays, overridden } = report.coverage;
  return { days, daysWithLogs, missingDays, overridden };
}

function assertEqualsTruth(report: RetentionReport, truth: EstateTruth): void {
  const byPrefix = [...report.prefixes].sort((a, b) => (a.prefix < b.prefix ? -1 : 1));
  assert.deepEqual(
    byPrefix.map((p) => ({
      prefix: p.prefix,
      objects: p.objects,
      bytes: p.bytes,
      classes: p.storageClasses,
      newest: p.newestLastModified,
      lastAccess: p.lastAccess,
    })),
    truth.unusedPrefixes.map((u) => ({
      prefix: u.prefix,
      objects: u.objects,
      bytes: u.bytes,
      classes: Object.keys(u.storageClasses).sort(),
      newest: u.newestLastModified,
      lastAccess: null,
    })),
  );
  assert.deepEqual(report.totals, {
    prefixes: truth.summary.unusedPrefixes,
    objects: truth.summary.unusedObjects,
    bytes: truth.summary.unusedBytes,
    monthlySavingsUsd: roundUsd(report.prefixes.reduce((n, p) => n + p.monthlySavingsUsd, 0)),
  });
}

/** Removes every log line whose request time falls on one of `days` (YYYY-MM-DD), wherever S3 delivered it. */
function removeLogDays(logsDir: string, days: string[]): void {
  for (const file of listFiles(logsDir)) {
    const path = join(logsDir, file);
    const lines = readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    const kept = lines.filter((line) => !days.includes(new Date(parseLogTime(AWS_ACCESS_LOG_REGEX.exec(line)![3]!)).toISOString().slice(0, 10)));
    if (kept.length === 0) unlinkSync(path);
    else if (kept.length < lines.length) writeFileSync(path, kept.join('\n') + '\n');
  }
}

/** The optional fields of the generator's default report. */
const OPTIONAL_DEFAULT = DEFAULT_INVENTORY_FIELDS.slice(5);

describe('the retention analysis over a generated estate', () => {
  let dir: string;
  let scratch: string;
  let cacheDir: string;
  let truth: EstateTruth;
  let eligible: EligibleObject[];
  const catalog = TemplateCatalog.load();
  const engines: LocalEngine[] = [];

  const engine = () => {
    const e = new LocalEngine({ cacheDir, threads: 2 });
    engines.push(e);
    return e;
  };
  const options = (overrides: Partial<RetentionOptions> = {}): RetentionOptions => ({
    bucket: truth.generator.bucket,
    inventory: join(dir, 'inventory', truth.generator.bucket, 'daily-full', 'hive'),
    logs: join(dir, 'logs'),
    asOf: truth.window.end,
    windowDays: truth.window.days,
    lookbackDays: 365,
    exemptGlobs: [],
    keepTag: null,
    maxMissingLogDays: 0,
    allowMissingLogs: false,
    region: 'us-east-1',
    priceOverrides: {},
    ...overrides,
  });
  /** A copy of the estate's logs that a test may change. */
  const logsCopy = (name: string): string => {
    const copy = join(scratch, name);
    cpSync(join(dir, 'logs'), copy, { recursive: true });
    return copy;
  };

  before(async () => {
    ({ dir } = await generateInto(smallEstateOptions({ objects: 2500, days: 30, seed: 11 })));
    truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as EstateTruth;
    eligible = eligibleObjects(dir, truth);
    scratch = mkdtempSync(join(tmpdir(), 's3ls-retention-'));
    cacheDir = join(scratch, 'cache');
  });
  after(async () => {
    for (const e of engines) await e.dispose();
    rmSync(dir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('finds exactly the unused prefixes of truth.json, although log lines were dropped and duplicated', async () => {
    assert.ok(
      truth.logs.dropped > 0 && truth.logs.duplicated > 0,
      `the estate's logs have drops (${truth.logs.dropped}) and duplicates (${truth.logs.duplicated})`,
    );
    assert.ok(truth.unusedPrefixes.length > 10);
    const steps: string[] = [];
    const report = await analyzeRetention(engine(), catalog, options(), { onProgress: (step) => steps.push(step) });
    assertEqualsTruth(report, truth);
    // Bytes per class, which truth.json does not hold, from the inventory read independently.
    assert.deepEqual(comparable(report.prefixes), expectedPrefixes(eligible, new Set(truth.unusedPrefixes.map((u) => u.prefix))));
    assert.deepEqual(
      report.prefixes.map((p) => p.bytes),
      [...report.prefixes.map((p) => p.bytes)].sort((a, b) => b - a),
      'largest first',
    );
    assert.deepEqual(coverageOf(report), { days: 30, daysWithLogs: 30, missingDays: [], overridden: false });
    assert.deepEqual(report.coverage.suspectDays, []);
    assert.equal(report.coverage.malformed.lines, 0);
    // Lines per day by request time, counted from the log files here, duplicates included.
    const perDay: Record<string, number> = {};
    for (const file of listFiles(join(dir, 'logs'))) {
      for (const line of readFileSync(join(dir, 'logs', file), 'utf8').split('\n')) {
        if (line === '') continue;
        const day = new Date(parseLogTime(AWS_ACCESS_LOG_REGEX.exec(line)![3]!)).toISOString().slice(0, 10);
        if (day >= truth.window.start && day <= truth.window.end) perDay[day] = (perDay[day] ?? 0) + 1;
      }
    }
    assert.deepEqual(report.coverage.linesPerDay, perDay);
    assert.deepEqual(report.window, { asOf: truth.window.end, days: 30, start: truth.window.start });
    assert.equal(report.engine, 'local');
    assert.equal(report.bucket, truth.generator.bucket);
    assert.match(report.notes.join('\n'), /access logs: \d+ files, \d+ records, 0 malformed lines/);
    assert.ok(
      ['Checking', 'Finding unused prefixes', 'Looking up last access', 'Pricing'].every((s) => steps.some((step) => step.startsWith(s))),
      steps.join('; '),
    );
  });

  it("prices each prefix by its bytes per storage class, with the user's prices over the list prices", async () => {
    const report = await analyzeRetention(engine(), catalog, options({ priceOverrides: { STANDARD: 1, GLACIER_IR: 0.5 } }));
    const prices = storagePrices('us-east-1', { STANDARD: 1, GLACIER_IR: 0.5 });
    assert.equal(report.prices.perGbMonth.STANDARD, 1);
    assert.match(report.prices.source, /with your prices for GLACIER_IR, STANDARD/);
    let total = 0;
    for (const p of report.prefixes) {
      const b = p.bytesByStorageClass;
      const expected = ((b.STANDARD ?? 0) * 1 + (b.GLACIER_IR ?? 0) * 0.5 + (b.STANDARD_IA ?? 0) * 0.0125 + (b.INTELLIGENT_TIERING ?? 0) * 0.023) / GB;
      assert.equal(p.monthlySavingsUsd, roundUsd(expected), p.prefix);
      assert.equal(
        Object.keys(b).every((c) => prices.perGbMonth[c] !== undefined),
        true,
      );
      total += p.monthlySavingsUsd;
    }
    assert.ok(total > 0);
    assert.equal(report.totals.monthlySavingsUsd, roundUsd(total));
  });

  it('reads a Parquet inventory report to the same result', async () => {
    const estate = join(scratch, 'parquet-estate');
    mkdirSync(estate);
    const base = smallEstateOptions({ objects: 1200, days: 30, seed: 5 });
    await generateEstate(
      {
        ...base,
        convertInventory: parquetInventoryConverter(estate),
      },
      new FolderOutput(estate),
    );
    const parquetTruth = JSON.parse(readFileSync(join(estate, 'truth.json'), 'utf8')) as EstateTruth;
    assert.equal(parquetTruth.inventory.fileFormat, 'Parquet');
    const report = await analyzeRetention(
      engine(),
      catalog,
      options({
        bucket: base.bucket,
        inventory: join(estate, 'inventory', base.bucket, 'daily-full'),
        logs: join(estate, 'logs'),
        asOf: parquetTruth.window.end,
      }),
    );
    assertEqualsTruth(report, parquetTruth);
    assert.match(report.notes.join('\n'), /\(Parquet, dt /);
  });

  /** An estate of the same plan, its inventory written another way; returns its truth and the analysis's options. */
  async function estateWith(name: string, generate: Partial<Parameters<typeof generateEstate>[0]>, parquet = false) {
    const estate = join(scratch, name);
    mkdirSync(estate);
    const base = smallEstateOptions({ objects: 1200, days: 30, seed: 5, ...generate });
    await generateEstate({ ...base, ...(parquet ? { convertInventory: parquetInventoryConverter(estate) } : {}) }, new FolderOutput(estate));
    const estateTruth = JSON.parse(readFileSync(join(estate, 'truth.json'), 'utf8')) as EstateTruth;
    return {
      truth: estateTruth,
      options: options({
        bucket: base.bucket,
        inventory: join(estate, 'inventory', base.bucket, 'daily-full'),
        logs: join(estate, 'logs'),
        asOf: estateTruth.window.end,
      }),
    };
  }

  it("finds the same unused prefixes in a report of current versions only (S3's default), CSV and Parquet", async () => {
    const all = await estateWith('all-versions', {});
    for (const parquet of [false, true]) {
      const current = await estateWith(
        `current-only-${parquet ? 'parquet' : 'csv'}`,
        { inventoryVersions: 'current', inventoryFields: inventoryReportFields('current', OPTIONAL_DEFAULT) },
        parquet,
      );
      assert.deepEqual(current.truth.inventory.fields.slice(0, 3), ['Bucket', 'Key', 'Size']);
      assert.ok(current.truth.inventory.versions < all.truth.inventory.versions, 'no noncurrent versions or delete markers listed');
      assert.deepEqual(current.truth.unusedPrefixes, all.truth.unusedPrefixes, 'the same objects are expirable');
      const report = await analyzeRetention(engine(), catalog, current.options);
      assert.ok(report.prefixes.length > 5);
      assertEqualsTruth(report, current.truth);
      assert.match(report.notes.join('\n'), /the inventory lists current versions only/);
    }
  });

  it('with only Size and LastModifiedDate: lists locked objects (saying locks were not checked) and prices at STANDARD (saying so)', async () => {
    const minimal = await estateWith('minimal-fields', {
      inventoryVersions: 'current',
      inventoryFields: inventoryReportFields('current', ['LastModifiedDate', 'Size']),
    });
    const full = await estateWith('full-fields', {});
    assert.ok(full.truth.exempt.length > 0, 'the estate has locked or held objects');
    assert.equal(minimal.truth.exempt.length, 0, 'without the lock fields nothing can be seen as locked');
    const report = await analyzeRetention(engine(), catalog, minimal.options);
    const byPrefix = [...report.prefixes].sort((a, b) => (a.prefix < b.prefix ? -1 : 1));
    assert.deepEqual(
      byPrefix.map((p) => [p.prefix, p.objects, p.bytes, p.newestLastModified]),
      minimal.truth.unusedPrefixes.map((u) => [u.prefix, u.objects, u.bytes, u.newestLastModified]),
    );
    const standard = report.prices.perGbMonth.STANDARD!;
    for (const p of report.prefixes) {
      assert.deepEqual(p.storageClasses, []);
      assert.equal(p.monthlySavingsUsd, roundUsd((p.bytes / 2 ** 30) * standard));
    }
    const notes = report.notes.join('\n');
    assert.match(notes, /no ObjectLockRetainUntilDate or ObjectLockLegalHoldStatus field: Object Lock retention and legal holds could not be checked/);
    assert.match(notes, /no StorageClass field: every object is priced at STANDARD/);
    assert.doesNotMatch(notes, /no price for storage class/);
  });

  describe('log coverage', () => {
    let gapped: string;
    let missing: string[];
    before(() => {
      // One of the missing days is the only day a prefix with expirable objects was read.
      const days = windowDays({ asOf: truth.window.end, days: 30, start: truth.window.start });
      const expirable = new Set(eligible.map((o) => o.prefix));
      const readOnce = truth.readOnce.find((r) => expirable.has(r.prefix))!;
      const at = days.indexOf(readOnce.lastAccess.slice(0, 10));
      const pair = at < 29 ? [at, at + 1] : [at - 1, at];
      const apart = days.findIndex((_d, j) => Math.abs(j - pair[0]!) >= 2 && Math.abs(j - pair[1]!) >= 2);
      missing = [...pair, apart].sort((a, b) => a - b).map((j) => days[j]!);
      gapped = logsCopy('gapped-logs');
      removeLogDays(gapped, missing);
    });

    it("stops with exactly the missing days, before it reads the inventory's data", async () => {
      const shared = engine();
      // The engine first analyses the complete logs: the second run must not reuse them.
      await analyzeRetention(shared, catalog, options());
      // The manifest alone, its data files gone: reading them would fail.
      const manifestOnly = join(scratch, 'manifest-only');
      const manifestPath = join(dir, truth.inventory.manifestKey);
      mkdirSync(join(manifestOnly, dirname(truth.inventory.manifestKey)), { recursive: true });
      cpSync(manifestPath, join(manifestOnly, truth.inventory.manifestKey));
      await assert.rejects(
        analyzeRetention(shared, catalog, options({ logs: gapped, inventory: join(manifestOnly, truth.inventory.manifestKey) })),
        (e: unknown) => {
          assert.ok(e instanceof LogCoverageError, String(e));
          assert.deepEqual(e.coverage.missingDays, missing);
          const [a, b, c] = missing;
          const runs = Date.parse(b!) - Date.parse(a!) === DAY ? `${a}…${b}, ${c}` : `${a}, ${b}…${c}`;
          assert.ok(e.message.includes(`: ${runs} `), e.message);
          assert.match(e.message, /No access logs for 3 of the 30 days/);
          return true;
        },
      );
    });

    it('goes on when overridden, and the report says 27 of 30 days', async () => {
      const report = await analyzeRetention(engine(), catalog, options({ logs: gapped, allowMissingLogs: true }));
      assert.deepEqual(coverageOf(report), { days: 30, daysWithLogs: 27, missingDays: missing, overridden: true });
      assert.match(report.notes.join('\n'), /WARNING: no access logs for 3 of 30 days, analysed anyway/);
      // What the check guards against: prefixes read only on the missing days now look unused.
      const unused = new Set(report.prefixes.map((p) => p.prefix));
      assert.ok(truth.unusedPrefixes.every((u) => unused.has(u.prefix)));
      assert.ok(unused.size > truth.unusedPrefixes.length, 'some live prefixes look unused without their logs');
    });

    it('tolerates as many missing days as allowed without an override', async () => {
      const report = await analyzeRetention(engine(), catalog, options({ logs: gapped, maxMissingLogDays: 3 }));
      assert.deepEqual(coverageOf(report), { days: 30, daysWithLogs: 27, missingDays: missing, overridden: false });
    });

    it("stops at a day left with one line (a scanner's 403 covers no day), naming it and its count", async () => {
      const thin = logsCopy('thin-logs');
      const day = missing[0]!;
      removeLogDays(thin, [day]);
      // One anonymous denied request on that day: a line of the bucket, but no sign its logs arrived.
      const time = Date.parse(`${day}T03:00:00Z`);
      writeFileSync(join(thin, `${day}-03-00-00-SCANNER0000000000`), `${formatAccessLogLine({ ...SCANNER_LINE, bucket: truth.generator.bucket, time })}\n`);
      await assert.rejects(analyzeRetention(engine(), catalog, options({ logs: thin })), (e: unknown) => {
        assert.ok(e instanceof LogCoverageError, String(e));
        assert.deepEqual(e.coverage.suspectDays, [day]);
        assert.deepEqual(e.coverage.missingDays, []);
        assert.match(e.message, new RegExp(`1 day has under a tenth of the window's median of [\\d,]+ lines a day, as if delivery failed: ${day} \\(1\\)`));
        return true;
      });
      const allowed = await analyzeRetention(engine(), catalog, options({ logs: thin, maxSuspectLogDays: 1 }));
      assert.deepEqual([allowed.coverage.suspectDays, allowed.coverage.linesPerDay[day]], [[day], 1]);
    });
  });

  describe('malformed log lines', () => {
    /** The logs with `lines` appended to one file of the window. */
    const withLines = (name: string, lines: string[]): string => {
      const copy = logsCopy(name);
      const day = truth.window.start;
      const folder = join(copy, dirname(listFiles(copy).find((f) => f.includes(day.replace(/-/g, '/')))!));
      writeFileSync(join(folder, `${day}-23-59-59-MALFORMED0000000`), lines.join('\n') + '\n');
      return copy;
    };

    it('stops at one line whose key it can make out (a read it would not count), naming the file and line, and goes on when told', async () => {
      // A read of a key under an unused prefix, cut short in its request URI.
      const unusedKey = eligible.find((o) => o.prefix === truth.unusedPrefixes[0]!.prefix)!.key;
      const whole = formatAccessLogLine({
        ...SCANNER_LINE,
        bucket: truth.generator.bucket,
        requester: 'arn:aws:iam::1:user/reader',
        operation: 'REST.GET.OBJECT',
        key: unusedKey,
        httpStatus: 200,
        errorCode: null,
        time: Date.parse(`${truth.window.start}T12:00:00Z`),
      });
      const cut = whole.slice(0, whole.indexOf(' HTTP/1.1"'));
      const logs = withLines('cut-read', [cut]);
      await assert.rejects(analyzeRetention(engine(), catalog, options({ logs })), (e: unknown) => {
        assert.ok(e instanceof MalformedLogLinesError, String(e));
        assert.deepEqual([e.malformed.lines, e.malformed.withKey], [1, 1]);
        assert.match(e.message, /1 access-log line of the window could not be read .*1 of them naming a key/);
        assert.match(e.message, /-MALFORMED0000000:1: the request-URI field has no closing quote/);
        return true;
      });
      const report = await analyzeRetention(engine(), catalog, options({ logs, allowMalformedLogs: true }));
      assert.deepEqual([report.coverage.malformed.lines, report.coverage.malformed.withKey, report.coverage.malformed.overridden], [1, 1, true]);
      assert.match(report.notes.join('\n'), /WARNING: 1 malformed log lines \(1 naming a key\), analysed anyway/);
    });

    it("lets a few unreadable lines through (0.1% of the window's lines by default), and stops above", async () => {
      const windowLines = truth.logs.lines;
      const few = await analyzeRetention(engine(), catalog, options({ logs: withLines('one-garbled', ['garbled beyond reading']) }));
      assert.deepEqual([few.coverage.malformed.lines, few.coverage.malformed.overridden], [1, false]);
      const many = Array.from({ length: Math.ceil(windowLines / 500) }, (_, i) => `garbled line ${i}`);
      await assert.rejects(
        analyzeRetention(engine(), catalog, options({ logs: withLines('many-garbled', many) })),
        (e: unknown) => e instanceof MalformedLogLinesError && e.malformed.withKey === 0 && /at most 0\.1% allowed/.test(e.message),
      );
      const allowed = await analyzeRetention(engine(), catalog, options({ logs: withLines('many-garbled-allowed', many), maxMalformedLogLinesPercent: 5 }));
      assert.equal(allowed.coverage.malformed.lines, many.length);
    });
  });

  it('keeps out exactly the objects whose keys match an exemption glob', async () => {
    const globs = ['images/**/photo (*).png', 'tenant-00[1]/2022/**', 'logs/*/202[0-2]/*/*/*[13579].log.gz', 'warehouse/*/dt=????-0?-*/*'];
    // The same rules, written out by hand.
    const exempt = (key: string) =>
      /^images\/(?:.*\/)?photo \([^/]*\)\.png$/.test(key) ||
      key.startsWith('tenant-001/2022/') ||
      /^logs\/[^/]*\/202[0-2]\/[^/]*\/[^/]*\/[^/]*[13579]\.log\.gz$/.test(key) ||
      /^warehouse\/[^/]*\/dt=[^/]{4}-0[^/]-[^/]*\/[^/]*$/.test(key);
    const unused = new Set(truth.unusedPrefixes.map((u) => u.prefix));
    const exempted = eligible.filter((o) => unused.has(o.prefix) && exempt(o.key));
    assert.ok(exempted.length > 20, `the globs exempt some objects (${exempted.length})`);
    const expected = expectedPrefixes(
      eligible.filter((o) => !exempt(o.key)),
      unused,
    );
    assert.ok(expected.length < truth.unusedPrefixes.length, 'some prefixes lose all their objects');
    assert.ok(
      expected.some((e) => e.objects < truth.unusedPrefixes.find((u) => u.prefix === e.prefix)!.objects),
      'some lose only some',
    );

    const report = await analyzeRetention(engine(), catalog, options({ exemptGlobs: globs, keepTag: { key: 'keep', value: '' } }));
    assert.deepEqual(comparable(report.prefixes), expected);
    assert.deepEqual(report.exemptions, { globs, keepTag: 'keep' });
    assert.match(report.notes.join('\n'), /objects tagged keep are kept: S3 Inventory carries no tags/);
  });

  it('finds the last access before the window of a prefix still unused in it', async () => {
    const unused = new Set(truth.unusedPrefixes.map((u) => u.prefix));
    const target = eligible.find((o) => unused.has(o.prefix) && /[^ -~]/.test(o.key)) ?? eligible.find((o) => unused.has(o.prefix))!;
    const windowStart = Date.parse(`${truth.window.start}T00:00:00Z`);
    const read = windowStart - 9 * DAY + 13 * 3_600_000 + 14 * 60_000 + 15_000;
    const logs = logsCopy('lookback-logs');
    const anyFile = listFiles(logs)[0]!;
    const file = join(
      logs,
      anyFile.replace(
        /\d{4}\/\d{2}\/\d{2}\/[^/]+$/,
        `${new Date(read).toISOString().slice(0, 10).replace(/-/g, '/')}/${new Date(read).toISOString().slice(0, 10)}-13-20-00-0123456789ABCDEF`,
      ),
    );
    const record = (time: number, operation: string, httpStatus: number, requester = 'arn:aws:iam::123456789012:user/analyst'): AccessLogRecord => ({
      bucketOwner: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
      bucket: truth.generator.bucket,
      time,
      remoteIp: '192.0.2.3',
      requester,
      requestId: `R${time}${operation.length}`,
      operation,
      key: target.key,
      request: `GET /${truth.generator.bucket}/x`,
      httpStatus,
      errorCode: httpStatus >= 400 ? 'AccessDenied' : null,
      bytesSent: 10,
      objectSize: 10,
      totalTimeMs: 5,
      turnAroundMs: 4,
      referrer: null,
      userAgent: 'curl/8.0',
      versionId: null,
      hostId: 'h',
      signatureVersion: 'SigV4',
      cipherSuite: 'ECDHE-RSA-AES128-GCM-SHA256',
      authType: 'AuthHeader',
      hostHeader: 's3.us-east-1.amazonaws.com',
      tlsVersion: 'TLSv1.2',
      accessPointArn: null,
      aclRequired: null,
      sourceRegion: null,
    });
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(
      file,
      [
        record(read - 11 * DAY, 'REST.GET.OBJECT', 200), // an earlier read
        record(read, 'REST.HEAD.OBJECT', 200), // the last counted read
        record(read + 2 * DAY, 'REST.GET.OBJECT', 403), // denied: not a read
        record(read + 3 * DAY, 'REST.GET.OBJECT', 200, 'AmazonS3'), // S3 itself: not use
      ]
        .map(formatAccessLogLine)
        .join('\n') + '\n',
    );

    const report = await analyzeRetention(engine(), catalog, options({ logs }));
    assertEqualsTruth({ ...report, prefixes: report.prefixes.map((p) => ({ ...p, lastAccess: p.prefix === target.prefix ? null : p.lastAccess })) }, truth);
    assert.equal(report.prefixes.find((p) => p.prefix === target.prefix)!.lastAccess, new Date(read).toISOString());
    const shorter = await analyzeRetention(engine(), catalog, options({ logs, lookbackDays: 35 }));
    assert.equal(shorter.prefixes.find((p) => p.prefix === target.prefix)!.lastAccess, null, 'a read before the lookback is not seen');
  });

  it('refuses bad inputs before it runs anything', async () => {
    const e = engine();
    await assert.rejects(analyzeRetention(e, catalog, options({ asOf: '2026-13-01' })), /not a calendar date|not a date/);
    await assert.rejects(analyzeRetention(e, catalog, options({ lookbackDays: 10 })), /lookback .* from the window's 30/);
    await assert.rejects(analyzeRetention(e, catalog, options({ exemptGlobs: ['a[/]'] })), /can never match/);
    await assert.rejects(analyzeRetention(e, catalog, options({ priceOverrides: { STANDARD: -1 } })), /0 or more/);
    assert.equal(await e.tableExists('s3_access_logs'), false, 'nothing was loaded');
  });
});

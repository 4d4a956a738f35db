// `s3-lifecycle retention` over a generated estate on the local engine: JSON and CSV equal to
// truth.json, the text report's header, exit 2 on a log gap, the loud override, usage errors.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_OK, EXIT_USAGE } from '../../src/cli/framework';
import { runCli } from '../../src/cli/main';
import type { EstateTruth } from '../../src/core/estate/generate';
import type { RetentionReport } from '../../src/core/retention/report';
import { parseCsvStream } from '../../src/engines/csvStream';
import { europeanProducts, startPriceListServer } from './priceListFixture';
import { AWS_ACCESS_LOG_REGEX, generateInto, listFiles, parseLogTime, smallEstateOptions } from './estate/fixture';

describe('s3-lifecycle retention', () => {
  let dir: string;
  let scratch: string;
  let truth: EstateTruth;
  let sources: string[];
  let window: string[];

  const cli = async (argv: string[]) => {
    let out = '';
    let err = '';
    const code = await runCli(
      ['retention', ...argv],
      { out: (t) => (out += t), err: (t) => (err += t), env: { S3LIFECYCLE_CACHE_DIR: join(scratch, 'cache') }, signal: new AbortController().signal },
      '9.9.9',
    );
    return { code, out, err };
  };

  const expected = () =>
    truth.unusedPrefixes.map((u) => ({
      prefix: u.prefix,
      objects: u.objects,
      bytes: u.bytes,
      storageClasses: Object.keys(u.storageClasses).sort(),
      newestLastModified: u.newestLastModified,
      lastAccess: null,
    }));

  before(async () => {
    ({ dir } = await generateInto(smallEstateOptions({ objects: 1500, days: 30, seed: 3 })));
    truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as EstateTruth;
    scratch = mkdtempSync(join(tmpdir(), 's3ls-retention-cli-'));
    sources = ['--inventory', join(dir, 'inventory', truth.generator.bucket, 'daily-full'), '--logs', join(dir, 'logs')];
    window = ['--as-of', truth.window.end, '--window-days', String(truth.window.days)];
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('prints the whole report as JSON, its prefixes equal to truth.json', async () => {
    const { code, out, err } = await cli([...sources, ...window, '--format', 'json']);
    assert.equal(code, EXIT_OK, err);
    const report = JSON.parse(out) as RetentionReport;
    assert.ok(truth.logs.dropped > 0 && truth.logs.duplicated > 0, 'the logs have drops and duplicates');
    assert.deepEqual(
      [...report.prefixes]
        .sort((a, b) => (a.prefix < b.prefix ? -1 : 1))
        .map((p) => ({
          prefix: p.prefix,
          objects: p.objects,
          bytes: p.bytes,
          storageClasses: p.storageClasses,
          newestLastModified: p.newestLastModified,
          lastAccess: p.lastAccess,
        })),
      expected(),
    );
    const { days, daysWithLogs, missingDays, overridden, suspectDays } = report.coverage;
    assert.deepEqual(
      { days, daysWithLogs, missingDays, overridden, suspectDays },
      { days: 30, daysWithLogs: 30, missingDays: [], overridden: false, suspectDays: [] },
    );
    assert.equal(Object.keys(report.coverage.linesPerDay).length, 30);
    assert.equal(report.totals.bytes, truth.summary.unusedBytes);
    assert.deepEqual(report.exemptions, { globs: [], keepTag: 's3-lifecycle-studio:keep' });
    assert.match(err, /access logs: \d+ files, \d+ records, 0 malformed lines/);
  });

  it('prints one CSV row per prefix that a CSV parser reads back as truth.json', async () => {
    const { code, out, err } = await cli([...sources, ...window, '--format', 'csv']);
    assert.equal(code, EXIT_OK, err);
    const records: string[][] = [];
    for await (const batch of parseCsvStream(
      (async function* () {
        yield Buffer.from(out);
      })(),
    ))
      records.push(...(batch as string[][]));
    assert.deepEqual(records[0], ['prefix', 'objects', 'bytes', 'storageClasses', 'newestLastModified', 'lastAccess', 'monthlySavingsUsd']);
    const rows = records.slice(1).map(([prefix, objects, bytes, classes, newest, lastAccess, usd]) => ({
      prefix: prefix!,
      objects: Number(objects),
      bytes: Number(bytes),
      storageClasses: classes!.split(';'),
      newestLastModified: newest!,
      lastAccess: lastAccess === '' ? null : lastAccess!,
      usd: Number(usd),
    }));
    assert.deepEqual(
      rows.map((r) => r.bytes),
      [...rows.map((r) => r.bytes)].sort((a, b) => b - a),
      'largest first',
    );
    assert.deepEqual(
      rows.sort((a, b) => (a.prefix < b.prefix ? -1 : 1)).map(({ usd: _usd, ...r }) => r),
      expected(),
    );
    assert.ok(rows.every((r) => r.usd > 0));
  });

  it('prints a header with the window, coverage, prices and totals above an aligned table', async () => {
    const { code, out } = await cli([...sources, ...window, '--exempt', 'tmp/**', '--price', 'STANDARD=0.02', '--keep-tag', 'hold=yes']);
    assert.equal(code, EXIT_OK);
    assert.match(out, new RegExp(`^window +${truth.window.start} … ${truth.window.end} \\(30 days, UTC\\)`, 'm'));
    assert.match(out, /^log coverage +30 of 30 days$/m);
    assert.match(out, /^exemptions +globs tmp\/\*\*; keep tag hold=yes/m);
    assert.match(out, /^prices +USD per GB-month: .*STANDARD 0\.02.* with your prices for STANDARD/m);
    assert.match(
      out,
      new RegExp(`^total +${truth.summary.unusedPrefixes} unused prefixes · ${truth.summary.unusedObjects.toLocaleString('en-US')} objects · `, 'm'),
    );
    const table = out.slice(out.indexOf('PREFIX'));
    const lines = table.trimEnd().split('\n');
    assert.equal(lines.length, truth.summary.unusedPrefixes + 1);
    const column = lines[0]!.indexOf('OBJECTS') + 'OBJECTS'.length;
    assert.ok(
      lines.slice(1).every((l) => /\d/.test(l[column - 1]!)),
      'objects right-aligned under their heading',
    );
  });

  describe('with a gap in the logs', () => {
    let gapped: string;
    let missing: string;
    before(() => {
      gapped = join(scratch, 'gapped');
      cpSync(join(dir, 'logs'), gapped, { recursive: true });
      missing = truth.window.start;
      for (const file of listFiles(gapped)) {
        const path = join(gapped, file);
        const lines = readFileSync(path, 'utf8')
          .split('\n')
          .filter((l) => l !== '');
        const kept = lines.filter((l) => new Date(parseLogTime(AWS_ACCESS_LOG_REGEX.exec(l)![3]!)).toISOString().slice(0, 10) !== missing);
        if (kept.length === 0) unlinkSync(path);
        else writeFileSync(path, kept.join('\n') + '\n');
      }
    });

    it('exits 2 with the missing day on stderr and prints no report', async () => {
      const { code, out, err } = await cli(['--inventory', sources[1]!, '--logs', gapped, ...window, '--format', 'json']);
      assert.equal(code, EXIT_USAGE);
      assert.equal(out, '');
      assert.match(err, new RegExp(`No access logs for 1 of the 30 days in the window .*: ${missing} `));
      assert.match(err, /--allow-missing-logs/);
    });

    it('goes on with --allow-missing-logs, warning loudly and stating the coverage', async () => {
      const { code, out, err } = await cli(['--inventory', sources[1]!, '--logs', gapped, ...window, '--allow-missing-logs']);
      assert.equal(code, EXIT_OK, err);
      assert.match(err, /^WARNING: ANALYSED WITH MISSING ACCESS LOGS — 29 of 30 days/m);
      assert.match(out, new RegExp(`^log coverage +29 of 30 days \\(missing: ${missing}; analysed anyway, by override\\)$`, 'm'));
    });

    it('accepts the gap within --max-missing-log-days', async () => {
      const { code, out } = await cli(['--inventory', sources[1]!, '--logs', gapped, ...window, '--max-missing-log-days', '1', '--format', 'json']);
      assert.equal(code, EXIT_OK);
      assert.deepEqual((JSON.parse(out) as RetentionReport).coverage.missingDays, [missing]);
    });
  });

  describe('malformed log lines', () => {
    let logs: string;
    before(() => {
      logs = join(scratch, 'malformed-logs');
      cpSync(sources[3]!, logs, { recursive: true });
      // A read cut short after its key: malformed, and a read of that key the analysis cannot count.
      const first = listFiles(logs)[0]!;
      const line = readFileSync(join(logs, first), 'utf8').split('\n')[0]!;
      writeFileSync(join(logs, `${first}-cut`), `${line.slice(0, line.indexOf(' HTTP/1.1"'))}\n`);
    });

    it('exits 2 naming the line, and goes on with --allow-malformed-logs, warning loudly', async () => {
      const stopped = await cli([...sources.slice(0, 2), '--logs', logs, ...window]);
      assert.equal(stopped.code, EXIT_USAGE);
      assert.match(stopped.err, /1 access-log line of the window could not be read .*1 of them naming a key.*-cut:1: /);
      assert.match(stopped.err, /--allow-malformed-logs/);
      const anyway = await cli([...sources.slice(0, 2), '--logs', logs, ...window, '--allow-malformed-logs']);
      assert.equal(anyway.code, EXIT_OK, anyway.err);
      assert.match(anyway.err, /^WARNING: ANALYSED WITH MALFORMED ACCESS-LOG LINES — 1 line could not be read \(1 naming a key\)/m);
      assert.match(anyway.out, /^log coverage +30 of 30 days \(1 malformed line \(1 naming a key\), analysed anyway, by override\)$/m);
      assert.match(anyway.out, /^lines a day +\d{4}-\d{2}-\d{2} [\d,]+ · /m);
    });
  });

  it("prices the savings with the region's prices from the Price List API, or says why not", async () => {
    const server = await startPriceListServer(europeanProducts());
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    try {
      const { endpoint } = server;
      const { code, out, err } = await cli([...sources, ...window, '--format', 'json', '--region', 'eu-central-1', '--price-list-endpoint', endpoint]);
      assert.equal(code, EXIT_OK, err);
      const report = JSON.parse(out) as RetentionReport;
      assert.match(report.prices.source, /^AWS Price List API prices for eu-central-1 \(read \d{4}-\d\d-\d\d, published 2026-11-25\)$/);
      assert.equal(report.prices.perGbMonth.STANDARD, 0.0245);
      assert.equal(report.prices.region, 'eu-central-1');

      // Nothing answers on port 9: the built-in prices stand in, and the report says why.
      const fallback = await cli([...sources, ...window, '--format', 'json', '--region', 'eu-west-3', '--price-list-endpoint', 'http://127.0.0.1:9']);
      assert.equal(fallback.code, EXIT_OK, fallback.err);
      const fallbackReport = JSON.parse(fallback.out) as RetentionReport;
      assert.match(fallbackReport.prices.source, /built-in us-east-1 list prices \(none built in for eu-west-3/);
      assert.ok(
        fallbackReport.notes.some((n) => /could not read the eu-west-3 storage prices from the AWS Price List API/.test(n)),
        fallbackReport.notes.join('\n'),
      );
      assert.match(fallback.err, /could not read the eu-west-3 storage prices/);
    } finally {
      server.close();
      for (const [name, value] of [
        ['AWS_ACCESS_KEY_ID', saved.id],
        ['AWS_SECRET_ACCESS_KEY', saved.secret],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('exits 2 on a usage mistake, saying what to write', async () => {
    const cases: [string[], RegExp][] = [
      [[...sources, '--window-days', '30'], /--as-of DATE is required/],
      [['--logs', sources[3]!, ...window], /--inventory is required/],
      [[...sources, '--as-of', '2026-02-30'], /not a calendar date/],
      [[...sources, ...window, '--exempt', 'a[/]'], /can never match/],
      [[...sources, ...window, '--price', 'GLACIER'], /--price: a price is STORAGE_CLASS=USD_PER_GB_MONTH/],
      [[...sources, ...window, '--lookback-days', '7'], /lookback/],
      [[...sources, ...window, '--format', 'xml'], /--format must be text, csv or json/],
      [[...sources, ...window, '--price-source', 'cheapest'], /--price-source must be auto or builtIn/],
    ];
    for (const [argv, message] of cases) {
      const { code, err } = await cli(argv);
      assert.equal(code, EXIT_USAGE, argv.join(' '));
      assert.match(err, message, argv.join(' '));
    }
  });

  it("runs the built-in templates, not a workspace's .s3-lifecycle/templates/, unless --templates names a folder (issue 14.2)", async () => {
    const workspace = mkdtempSync(join(scratch, 'workspace-'));
    const planted = join(workspace, '.s3-lifecycle', 'templates');
    mkdirSync(planted, { recursive: true });
    const pwned = join(scratch, 'pwned.csv');
    const builtin = readFileSync(join(__dirname, '..', '..', '..', 'src', 'sql', 'log_coverage.sql'), 'utf8');
    const [header, body] = [builtin.slice(0, builtin.indexOf('WITH params')), builtin.slice(builtin.indexOf('WITH params'))];
    writeFileSync(join(planted, 'log_coverage.sql'), `${header}COPY (SELECT 1 AS pwned) TO '${pwned}';\n${body}`);
    const cwd = process.cwd();
    process.chdir(workspace);
    try {
      // Not named: the built-ins run, the planted file is not read, and stderr says how to use it.
      const plain = await cli([...sources, ...window, '--format', 'json']);
      assert.equal(plain.code, EXIT_OK, plain.err);
      assert.equal(existsSync(pwned), false, 'the planted template ran');
      assert.match(
        plain.err,
        /runs the built-in templates, not those in \.\/\.s3-lifecycle\/templates\/: to use yours, pass --templates \.s3-lifecycle\/templates/,
      );
      const report = JSON.parse(plain.out) as RetentionReport;
      assert.equal(report.prefixes.length, truth.unusedPrefixes.length);
      assert.ok(!report.notes.some((n) => /in place of the built-ins/.test(n)), report.notes.join('\n'));

      // Named: it runs, and the local engine refuses its file write.
      const named = await cli([...sources, ...window, '--format', 'json', '--templates', '.s3-lifecycle/templates']);
      assert.notEqual(named.code, EXIT_OK);
      assert.match(named.err, /templates run without access to files/);
      assert.equal(existsSync(pwned), false, 'the named template wrote a file');

      // A harmless override is used, and the report names it.
      writeFileSync(join(planted, 'log_coverage.sql'), `${header}-- my own copy\n${body}`);
      const own = await cli([...sources, ...window, '--format', 'json', '--templates', planted]);
      assert.equal(own.code, EXIT_OK, own.err);
      const ownReport = JSON.parse(own.out) as RetentionReport;
      assert.ok(ownReport.notes.includes(`templates from ${planted} used in place of the built-ins: log_coverage`), ownReport.notes.join('\n'));
      assert.equal(ownReport.prefixes.length, truth.unusedPrefixes.length);

      const missing = await cli([...sources, ...window, '--templates', join(workspace, 'nowhere')]);
      assert.equal(missing.code, EXIT_USAGE);
      assert.match(missing.err, /--templates: the templates folder .*nowhere is not a folder/);
    } finally {
      process.chdir(cwd);
    }
  });
});

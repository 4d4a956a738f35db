// The access window, the log-coverage check that stops an analysis with gaps, and the savings
// arithmetic: the pure parts of access-based retention.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  monthlySavings,
  parsePriceOverride,
  PriceError,
  roundUsd,
  storagePrices,
  unpricedClassesNote,
  US_EAST_1_PRICES,
} from '../../src/core/retention/savings';
import {
  accessWindow,
  checkMalformedLines,
  describeCoverage,
  describeDays,
  describeLinesPerDay,
  LogCoverageError,
  logCoverage,
  MalformedLogLinesError,
  RetentionInputError,
  windowDays,
} from '../../src/core/retention/window';

const GB = 1024 ** 3;

describe('the access window', () => {
  it('is the N days ending with the as-of date, both ends included', () => {
    assert.deepEqual(accessWindow('2026-09-30', 30), { asOf: '2026-09-30', days: 30, start: '2026-09-01' });
    assert.deepEqual(accessWindow('2026-03-01', 2), { asOf: '2026-03-01', days: 2, start: '2026-02-28' });
    assert.deepEqual(accessWindow('2024-03-01', 2).start, '2024-02-29', 'a leap day is a day');
    assert.deepEqual(accessWindow('2026-01-01', 1), { asOf: '2026-01-01', days: 1, start: '2026-01-01' });
  });

  it('lists every day of the window, across a month end', () => {
    assert.deepEqual(windowDays(accessWindow('2026-10-02', 4)), ['2026-09-29', '2026-09-30', '2026-10-01', '2026-10-02']);
    assert.equal(windowDays(accessWindow('2026-09-30', 3650)).length, 3650);
  });

  it('refuses a bad date or a window outside 1–3650 days, saying what to write', () => {
    assert.throws(
      () => accessWindow('2026-02-30', 30),
      (e: unknown) => e instanceof RetentionInputError && /not a calendar date/.test(e.message),
    );
    assert.throws(() => accessWindow('30/09/2026', 30), /write it as YYYY-MM-DD/);
    for (const days of [0, -1, 3651, 1.5, Number.NaN]) assert.throws(() => accessWindow('2026-09-30', days), /from 1 to 3650/, String(days));
  });
});

describe('log coverage', () => {
  const window = accessWindow('2026-09-30', 30);
  const all = windowDays(window);
  /** `lines` lines on each of `days`. */
  const perDay = (days: string[], lines = 1000) => Object.fromEntries(days.map((d) => [d, lines]));
  const rules = (overrides: Partial<{ maxMissingDays: number; maxSuspectDays: number; override: boolean }> = {}) => ({
    maxMissingDays: 0,
    maxSuspectDays: 0,
    override: false,
    ...overrides,
  });
  const NO_MALFORMED = { lines: 0, withKey: 0, examples: [], overridden: false };

  it("counts the window's days that have logs and their lines, ignoring days outside it", () => {
    const coverage = logCoverage(window, { ...perDay(all), '2026-08-31': 50, '2026-10-01': 70 }, rules());
    assert.deepEqual(coverage, {
      days: 30,
      daysWithLogs: 30,
      missingDays: [],
      overridden: false,
      linesPerDay: perDay(all),
      suspectDays: [],
      malformed: NO_MALFORMED,
    });
    assert.equal(describeCoverage(coverage), '30 of 30 days');
    assert.match(describeLinesPerDay(coverage), /^2026-09-01 1,000 · 2026-09-02 1,000 · /);
  });

  it('stops with the missing days named, runs compressed, when more are missing than allowed', () => {
    const missing = ['2026-09-03', '2026-09-04', '2026-09-05', '2026-09-09'];
    const present = all.filter((d) => !missing.includes(d));
    assert.throws(
      () => logCoverage(window, perDay(present), rules({ maxMissingDays: 3 })),
      (e: unknown) => {
        assert.ok(e instanceof LogCoverageError);
        assert.deepEqual(e.coverage.missingDays, missing);
        assert.match(e.message, /No access logs for 4 of the 30 days in the window 2026-09-01…2026-09-30: 2026-09-03…2026-09-05, 2026-09-09 /);
        assert.match(e.message, /Missing logs make live data look unused/);
        assert.match(e.message, /--allow-missing-logs/);
        assert.match(e.message, /Analyse Anyway/);
        return true;
      },
    );
  });

  it('lets up to the allowed number of days be missing without an override', () => {
    const coverage = logCoverage(window, perDay(all.slice(1)), rules({ maxMissingDays: 1 }));
    assert.deepEqual([coverage.daysWithLogs, coverage.missingDays, coverage.overridden, coverage.linesPerDay['2026-09-01']], [29, ['2026-09-01'], false, 0]);
  });

  it('goes on when overridden, and says so', () => {
    const coverage = logCoverage(window, perDay(all.slice(0, 27)), rules({ override: true }));
    assert.deepEqual([coverage.daysWithLogs, coverage.missingDays, coverage.overridden], [27, ['2026-09-28', '2026-09-29', '2026-09-30'], true]);
    assert.equal(describeCoverage(coverage), '27 of 30 days (missing: 2026-09-28…2026-09-30; analysed anyway, by override)');
  });

  it('treats a window without any logs as all days missing', () => {
    assert.throws(
      () => logCoverage(window, {}, rules({ maxMissingDays: 29 })),
      /No access logs for 30 of the 30 days .*: 2026-09-01…2026-09-30 .*Not one day of the window has a log line: check the logs location, the bucket name/,
    );
  });

  it("calls a day with under a tenth of the median lines suspect: one line (a scanner's 403, S3's own request) does not cover a day", () => {
    const lines = { ...perDay(all), '2026-09-12': 1, '2026-09-13': 99, '2026-09-14': 100 };
    assert.throws(
      () => logCoverage(window, lines, rules()),
      (e: unknown) => {
        assert.ok(e instanceof LogCoverageError);
        assert.deepEqual(e.coverage.suspectDays, ['2026-09-12', '2026-09-13']);
        assert.deepEqual(e.coverage.missingDays, []);
        assert.match(
          e.message,
          /2 days have under a tenth of the window's median of 1,000 lines a day, as if delivery failed: 2026-09-12 \(1\), 2026-09-13 \(99\); they count as missing/,
        );
        return true;
      },
    );
    // Allowed: reported, not counted as missing.
    const allowed = logCoverage(window, lines, rules({ maxSuspectDays: 2 }));
    assert.deepEqual([allowed.daysWithLogs, allowed.suspectDays, allowed.overridden], [30, ['2026-09-12', '2026-09-13'], false]);
    assert.equal(describeCoverage(allowed), '30 of 30 days (suspect (under a tenth of the median lines): 2026-09-12…2026-09-13)');
    // Suspect days beyond the allowance count as missing, within the missing days allowed.
    assert.equal(logCoverage(window, lines, rules({ maxSuspectDays: 1, maxMissingDays: 2 })).overridden, false);
  });

  it('refuses a negative allowance', () => {
    assert.throws(() => logCoverage(window, perDay(all), rules({ maxMissingDays: -1 })), RetentionInputError);
    assert.throws(() => logCoverage(window, perDay(all), rules({ maxSuspectDays: -1 })), RetentionInputError);
  });
});

describe('malformed log lines', () => {
  const examples = ['logs/2026-09-03-10-00-00-AB:17: the user-agent field has no closing quote'];

  it('go through below the allowed share, and stop the analysis above it, naming where they are', () => {
    assert.deepEqual(checkMalformedLines({ lines: 1, withKey: 0, examples }, 1000, { maxPercent: 0.1, override: false }), {
      lines: 1,
      withKey: 0,
      examples,
      overridden: false,
    });
    assert.throws(
      () => checkMalformedLines({ lines: 2, withKey: 0, examples }, 1000, { maxPercent: 0.1, override: false }),
      (e: unknown) => {
        assert.ok(e instanceof MalformedLogLinesError);
        assert.match(
          e.message,
          /^2 access-log lines of the window could not be read \(0\.20% of its lines; at most 0\.1% allowed\): logs\/2026-09-03-10-00-00-AB:17: the user-agent field has no closing quote; …\. /,
        );
        assert.match(e.message, /--allow-malformed-logs, or "Analyse Anyway"/);
        return true;
      },
    );
  });

  it('stop the analysis at one line whose key could be made out, however few', () => {
    assert.throws(
      () => checkMalformedLines({ lines: 1, withKey: 1, examples }, 1_000_000, { maxPercent: 0.1, override: false }),
      /1 of them naming a key \(a read of it would not be counted\)/,
    );
  });

  it('go through when overridden, and say so', () => {
    const malformed = checkMalformedLines({ lines: 5, withKey: 1, examples }, 100, { maxPercent: 0.1, override: true });
    assert.equal(malformed.overridden, true);
    assert.throws(() => checkMalformedLines({ lines: 0, withKey: 0, examples: [] }, 100, { maxPercent: 101, override: false }), RetentionInputError);
  });
});

describe('days', () => {
  it('describes single days and runs', () => {
    assert.equal(describeDays([]), '');
    assert.equal(describeDays(['2026-09-09', '2026-09-03']), '2026-09-03, 2026-09-09');
    assert.equal(describeDays(['2026-09-30', '2026-10-01', '2026-09-29', '2026-10-03']), '2026-09-29…2026-10-01, 2026-10-03');
  });
});

describe('savings', () => {
  const builtIn = storagePrices('us-east-1', {});

  it("prices bytes per storage class at the class's price per GB-month (GB = 2^30 bytes)", () => {
    const estimate = monthlySavings({ STANDARD: 10 * GB, GLACIER_IR: 100 * GB, DEEP_ARCHIVE: 1024 * GB }, builtIn);
    assert.equal(roundUsd(estimate.usd), 1.64376); // 0.23 + 0.40 + 1.01376
    assert.deepEqual(estimate.unpricedClasses, []);
    assert.equal(monthlySavings({}, builtIn).usd, 0);
    assert.equal(roundUsd(monthlySavings({ STANDARD_IA: GB / 2 }, builtIn).usd), 0.00625);
  });

  it('has the us-east-1 list prices built in, Intelligent-Tiering at its frequent-access tier', () => {
    assert.deepEqual(builtIn.perGbMonth, US_EAST_1_PRICES);
    assert.equal(builtIn.perGbMonth.INTELLIGENT_TIERING, builtIn.perGbMonth.STANDARD);
    assert.equal(builtIn.region, 'us-east-1');
    assert.match(builtIn.source, /built-in us-east-1 list prices/);
  });

  it("lets the user's prices win, and says which", () => {
    const prices = storagePrices('us-east-1', { glacier_ir: 0.005, STANDARD: 0.02, OUTPOSTS: 0.06 });
    assert.equal(prices.perGbMonth.GLACIER_IR, 0.005);
    assert.equal(prices.perGbMonth.STANDARD, 0.02);
    assert.equal(prices.perGbMonth.OUTPOSTS, 0.06);
    assert.equal(prices.perGbMonth.DEEP_ARCHIVE, 0.00099);
    assert.match(prices.source, /with your prices for GLACIER_IR, OUTPOSTS, STANDARD/);
    assert.equal(roundUsd(monthlySavings({ GLACIER_IR: 200 * GB, OUTPOSTS: GB }, prices).usd), 1.06);
  });

  it('counts a class without a price at the STANDARD price, and names it', () => {
    const prices = storagePrices('us-east-1', { STANDARD: 0.03 });
    const estimate = monthlySavings({ SNOW: 2 * GB, STANDARD: GB }, prices);
    assert.equal(roundUsd(estimate.usd), 0.09);
    assert.deepEqual(estimate.unpricedClasses, ['SNOW']);
    assert.match(
      unpricedClassesNote(['SNOW'], prices),
      /no price for storage class SNOW: counted at the STANDARD price \(\$0\.03 per GB-month\); set its price with --price/,
    );
  });

  it('says when another region falls back to the us-east-1 prices', () => {
    const prices = storagePrices('eu-west-1', {});
    assert.equal(prices.region, 'eu-west-1');
    assert.match(prices.source, /none built in for eu-west-1/);
    assert.equal(storagePrices('', {}).region, 'us-east-1');
  });

  it('refuses prices that are not a non-negative number, and class names that are not names', () => {
    assert.throws(() => storagePrices('us-east-1', { STANDARD: -1 }), PriceError);
    assert.throws(() => storagePrices('us-east-1', { STANDARD: Number.NaN }), PriceError);
    assert.throws(() => storagePrices('us-east-1', { 'STAND ARD': 1 }), /not a storage class name/);
  });

  it('reads CLASS=USD overrides', () => {
    assert.deepEqual(parsePriceOverride('glacier=0.0036'), ['GLACIER', 0.0036]);
    assert.deepEqual(parsePriceOverride(' STANDARD = .02 '), ['STANDARD', 0.02]);
    assert.deepEqual(parsePriceOverride('DEEP_ARCHIVE=9.9e-4'), ['DEEP_ARCHIVE', 0.00099]);
    for (const bad of ['GLACIER', 'GLACIER=', '=0.1', 'GLACIER=-1', 'GLACIER=abc'])
      assert.throws(() => parsePriceOverride(bad), /STORAGE_CLASS=USD_PER_GB_MONTH/, bad);
  });
});

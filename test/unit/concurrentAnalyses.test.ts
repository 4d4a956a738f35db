// Two retention analyses at once on one local engine (one DuckDB session, as the extension keeps
// per connection): each must read only its own bucket's inventory and logs, whatever the order
// their statements reach the engine in, and leave no table of its own behind.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EstateTruth } from '../../src/core/estate/generate';
import type { RetentionReport } from '../../src/core/retention/report';
import type { QueryEngine, QueryRequest, QueryResult } from '../../src/engines/engine';
import { LocalEngine } from '../../src/engines/local';
import { analyzeRetention, type RetentionOptions } from '../../src/app/retentionAnalysis';
import { TemplateCatalog } from '../../src/sql/catalog';
import { generateInto, smallEstateOptions } from './estate/fixture';

/** One analysis's view of a shared engine: records its SQL, and can hold a statement until released. */
class GatedEngine implements QueryEngine {
  readonly kind;
  readonly sql: string[] = [];
  readonly tableExists?: (name: string) => Promise<boolean>;
  readonly inventoryReport?: QueryEngine['inventoryReport'];
  private gate: { matches: (sql: string) => boolean; reached: () => void; open: Promise<void> } | undefined;

  constructor(private readonly inner: QueryEngine) {
    this.kind = inner.kind;
    if (inner.tableExists) this.tableExists = (name) => inner.tableExists!(name);
    if (inner.inventoryReport) this.inventoryReport = (location, signal) => inner.inventoryReport!(location, signal);
  }

  /** The first run whose SQL matches waits for `open`; the promise returned resolves when one does. */
  holdAt(matches: (sql: string) => boolean, open: Promise<void>): Promise<void> {
    return new Promise((reached) => (this.gate = { matches, reached, open }));
  }

  async run(request: QueryRequest): Promise<QueryResult> {
    const gate = this.gate;
    if (gate?.matches(request.sql)) {
      this.gate = undefined;
      gate.reached();
      await gate.open;
    }
    this.sql.push(request.sql);
    return this.inner.run(request);
  }

  dispose(): Promise<void> {
    return Promise.resolve();
  }
}

/** The tables and views a run's SQL creates. */
function createdNames(sql: string[]): string[] {
  const names = new Set<string>();
  for (const text of sql) {
    for (const match of text.matchAll(/CREATE\s+(?:OR\s+REPLACE\s+)?(?:EXTERNAL\s+)?(?:TABLE|VIEW)\s+[`"]?([A-Za-z0-9_]+)/gi))
      names.add(match[1]!.toLowerCase());
  }
  return [...names].sort();
}

function summary(report: RetentionReport) {
  return [...report.prefixes].sort((a, b) => (a.prefix < b.prefix ? -1 : 1)).map((p) => ({ prefix: p.prefix, objects: p.objects, bytes: p.bytes }));
}

function truthSummary(truth: EstateTruth) {
  return [...truth.unusedPrefixes].sort((a, b) => (a.prefix < b.prefix ? -1 : 1)).map((u) => ({ prefix: u.prefix, objects: u.objects, bytes: u.bytes }));
}

describe('two retention analyses at once on one local engine', () => {
  const catalog = TemplateCatalog.load();
  const estates: { dir: string; truth: EstateTruth; bucket: string }[] = [];
  let scratch: string;

  const options = (estate: (typeof estates)[number]): RetentionOptions => ({
    bucket: estate.bucket,
    inventory: join(estate.dir, 'inventory', estate.bucket, 'daily-full', 'hive'),
    logs: join(estate.dir, 'logs'),
    asOf: estate.truth.window.end,
    windowDays: estate.truth.window.days,
    lookbackDays: 365,
    exemptGlobs: [],
    keepTag: null,
    maxMissingLogDays: 0,
    allowMissingLogs: false,
    region: 'us-east-1',
    priceOverrides: {},
  });

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 's3ls-concurrent-'));
    for (const [bucket, seed] of [
      ['estate-x', 21],
      ['estate-y', 22],
    ] as const) {
      const { dir } = await generateInto(
        smallEstateOptions({ objects: 1500, days: 30, seed, bucket, inventoryBucket: `${bucket}-inventory`, logsBucket: `${bucket}-logs` }),
      );
      estates.push({ dir, bucket, truth: JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as EstateTruth });
    }
  });
  after(() => {
    for (const e of estates) rmSync(e.dir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('gives each only its own bucket, however their statements interleave, and drops the tables each made', async () => {
    const [x, y] = estates as [(typeof estates)[number], (typeof estates)[number]];
    assert.notDeepEqual(truthSummary(x.truth), truthSummary(y.truth), 'the two estates have different answers');
    const shared = new LocalEngine({ cacheDir: join(scratch, 'cache'), threads: 2 });
    try {
      const a = new GatedEngine(shared);
      const b = new GatedEngine(shared);
      // X stops after loading its logs and checking their coverage; Y then runs from start to end
      // on the same session; then X goes on.
      let release!: () => void;
      const open = new Promise<void>((resolve) => (release = resolve));
      const held = a.holdAt((sql) => /malformed IS NOT NULL/.test(sql), open);
      const reportX = analyzeRetention(a, catalog, options(x));
      await held;
      const reportY = await analyzeRetention(b, catalog, options(y));
      release();
      const reportXDone = await reportX;

      assert.deepEqual(summary(reportXDone), truthSummary(x.truth), "X's report is X's own");
      assert.deepEqual(summary(reportY), truthSummary(y.truth), "Y's report is Y's own");
      assert.equal(reportXDone.bucket, 'estate-x');
      assert.equal(reportY.bucket, 'estate-y');

      const namesX = createdNames(a.sql);
      const namesY = createdNames(b.sql);
      assert.ok(namesX.length >= 4 && namesY.length >= 4, `${namesX.join(', ')} / ${namesY.join(', ')}`);
      assert.deepEqual(
        namesX.filter((n) => namesY.includes(n)),
        [],
        'no table is shared',
      );
      for (const name of [...namesX, ...namesY]) assert.equal(await shared.tableExists(name), false, `${name} is dropped when its analysis ends`);
    } finally {
      await shared.dispose();
    }
  });

  it('drops its tables when it stops on an error too', async () => {
    const [x] = estates as [(typeof estates)[number]];
    const shared = new LocalEngine({ cacheDir: join(scratch, 'cache'), threads: 2 });
    try {
      const a = new GatedEngine(shared);
      await assert.rejects(analyzeRetention(a, catalog, { ...options(x), asOf: '2030-01-01' }), /No access logs/);
      const names = createdNames(a.sql);
      assert.ok(names.length > 0);
      for (const name of names) assert.equal(await shared.tableExists(name), false, `${name} is dropped`);
    } finally {
      await shared.dispose();
    }
  });
});

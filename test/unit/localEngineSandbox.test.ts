// The local engine runs template SQL with DuckDB locked down: a template reads the tables the engine
// loads for it and nothing else — no file written, no file read outside what the engine staged, no
// extension installed or loaded, and no setting changed back (issue 14.2).

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectRows, QueryFailedError, type QueryValue } from '../../src/engines/engine';
import { LocalEngine } from '../../src/engines/local';
import { TemplateRunner } from '../../src/engines/runner';
import { TemplateCatalog } from '../../src/sql/catalog';
import type { EstateTruth } from '../../src/core/estate/generate';
import { generateInto, smallEstateOptions } from './estate/fixture';

describe('the local engine sandbox', () => {
  let dir: string;
  let scratch: string;
  let cacheDir: string;
  let engine: LocalEngine;

  const sql = async (text: string): Promise<Record<string, QueryValue>[]> => {
    const { columns, rows } = await collectRows(await engine.run({ sql: text }));
    return rows.map((r) => Object.fromEntries(columns.map((c, i) => [c.name, r[i]!])));
  };
  const refused = async (text: string, reason: RegExp): Promise<void> => {
    await assert.rejects(
      () => sql(text),
      (error: Error) => {
        assert.ok(error instanceof QueryFailedError, `${text}: ${error.message}`);
        assert.match(error.message, reason, text);
        // The message says what a template may do instead.
        assert.match(error.message, /templates run without access to files/, text);
        return true;
      },
    );
  };
  const lit = (path: string) => `'${path.replace(/'/g, "''")}'`;

  before(async () => {
    ({ dir } = await generateInto(smallEstateOptions({ objects: 300, days: 7 })));
    scratch = mkdtempSync(join(tmpdir(), 's3ls-sandbox-'));
    cacheDir = join(scratch, 'cache');
    engine = new LocalEngine({ cacheDir, threads: 1 });
    // The sources load as before: the inventory's data files and the parsed logs are read by the engine itself.
    const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as EstateTruth;
    const catalog = TemplateCatalog.load();
    const runner = new TemplateRunner(catalog, engine, {
      inventory: join(dir, 'inventory', truth.generator.bucket, 'daily-full', 'hive'),
      logs: join(dir, 'logs'),
    });
    const result = await runner.run({
      template: catalog.resolve('unused_prefixes').template,
      values: { as_of: truth.window.end, days: String(truth.window.days) },
    });
    assert.equal((await collectRows(result)).rows.length, truth.unusedPrefixes.length);
  });
  after(async () => {
    await engine.dispose();
    rmSync(dir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('writes no file: COPY … TO and EXPORT DATABASE fail', async () => {
    const target = join(scratch, 'x.csv');
    await refused(`COPY (SELECT 1 AS a) TO ${lit(target)}`, /disabled by configuration/);
    assert.equal(existsSync(target), false);
    await refused(`COPY s3_inventory TO ${lit(join(scratch, 'inventory.parquet'))} (FORMAT parquet)`, /disabled by configuration/);
    await refused(`EXPORT DATABASE ${lit(join(scratch, 'export'))}`, /disabled by configuration/);
    for (const name of ['inventory.parquet', 'export']) assert.equal(existsSync(join(scratch, name)), false, name);
  });

  it('reads no file of its own: not /etc/passwd, not the source files, not the cache', async () => {
    await refused(`SELECT * FROM read_csv('/etc/passwd', sep = ':')`, /disabled by configuration/);
    await refused(`SELECT * FROM read_text('/etc/hostname')`, /disabled by configuration/);
    const outside = join(scratch, 'outside.csv');
    writeFileSync(outside, 'a\n1\n');
    await refused(`SELECT * FROM read_csv(${lit(outside)})`, /disabled by configuration/);
    // The locations the engine loaded from are read by the engine, never by the template's SQL.
    const logFile = readdirSync(join(dir, 'logs'), { recursive: true, withFileTypes: true }).find((e) => e.isFile())!;
    await refused(`SELECT * FROM read_text(${lit(join(logFile.parentPath, logFile.name))})`, /disabled by configuration/);
    await refused(`SELECT * FROM glob(${lit(`${dir}/**`)})`, /disabled by configuration/);
    await refused(`ATTACH ${lit(join(scratch, 'other.duckdb'))}`, /disabled by configuration/);
  });

  it('installs and loads no extension', async () => {
    const fake = join(scratch, 'fake.duckdb_extension');
    writeFileSync(fake, 'not an extension');
    await refused(`LOAD ${lit(fake)}`, /disabled/);
    await refused(`INSTALL ${lit(fake)}`, /disabled/);
    await refused(`INSTALL httpfs`, /disabled/);
    const settings = await sql(
      `SELECT name, value FROM duckdb_settings() WHERE name IN ('autoinstall_known_extensions', 'autoload_known_extensions', 'enable_external_access', 'lock_configuration') ORDER BY name`,
    );
    assert.deepEqual(settings, [
      { name: 'autoinstall_known_extensions', value: 'false' },
      { name: 'autoload_known_extensions', value: 'false' },
      { name: 'enable_external_access', value: 'false' },
      { name: 'lock_configuration', value: 'true' },
    ]);
  });

  it('changes no setting back, and keeps working after a refused statement', async () => {
    await refused(`SET enable_external_access = true`, /locked/);
    await refused(`RESET enable_external_access`, /locked/);
    await refused(`SET allowed_directories = ['/']`, /locked/);
    await refused(`SET autoload_known_extensions = true`, /locked/);
    await refused(`SET lock_configuration = false`, /locked/);
    await refused(`SET TimeZone = 'Europe/Paris'`, /locked/);
    await refused(`PRAGMA threads = 8`, /locked/);
    assert.deepEqual(await sql(`SELECT current_setting('TimeZone') AS tz, count(*) > 0 AS loaded FROM s3_inventory`), [{ tz: 'UTC', loaded: true }]);
  });
});

// `npm run bench -- sql`: unused_prefixes on the local engine over a large synthetic estate (issue
// 5: 10M inventory rows and 20M log lines in ≤ 30 s on 2 cores), and the same query with LIKE in
// place of the equality join, side by side at a scale LIKE can finish.
//
// The tables are made inside DuckDB with the typed columns the inventory_table and
// access_log_table views present, so the time measured is the query's, not the loading's.

import { join } from 'node:path';
import { repoRoot } from './project.mjs';

const out = (...parts) => join(repoRoot, 'out', 'src', ...parts);

async function makeTables(engine, collectRows, { inventoryRows, logLines, prefixes }) {
  const run = async (sql) => collectRows(await engine.run({ sql }));
  // Keys spread over `prefixes` prefixes; about a third of the prefixes are read in the window.
  await run(`CREATE OR REPLACE TABLE s3_inventory AS
    SELECT 'bench' AS bucket,
           'data/tenant=' || (i % ${prefixes}) // 1000 || '/part=' || (i % ${prefixes}) || '/obj-' || i || '.parquet' AS key,
           'v' || i AS version_id, true AS is_latest, false AS is_delete_marker,
           (i * 7919) % 10000000 AS size,
           TIMESTAMP '2023-01-01' + to_seconds((i * 104729) % 40000000) AS last_modified_date,
           '' AS e_tag,
           CASE i % 4 WHEN 0 THEN 'STANDARD' WHEN 1 THEN 'STANDARD_IA' WHEN 2 THEN 'GLACIER_IR' ELSE 'INTELLIGENT_TIERING' END AS storage_class,
           false AS is_multipart_uploaded, '' AS replication_status, 'SSE-S3' AS encryption_status,
           CAST(NULL AS TIMESTAMP) AS object_lock_retain_until_date, CAST(NULL AS VARCHAR) AS object_lock_mode,
           CASE WHEN i % 997 = 0 THEN 'ON' ELSE 'OFF' END AS object_lock_legal_hold_status,
           CAST(NULL AS VARCHAR) AS intelligent_tiering_access_tier, '2026-10-01-01-00' AS dt
    FROM range(${inventoryRows}) t(i)`);
  await run(`CREATE OR REPLACE TABLE s3_access_logs AS
    SELECT 'owner' AS bucket_owner, 'bench' AS bucket,
           TIMESTAMP '2026-08-20' + to_seconds((i * 7) % 3600000) AS request_time,
           '192.0.2.1' AS remote_ip, 'arn:aws:iam::1:user/u' || (i % 50) AS requester, 'R' || i AS request_id,
           CASE i % 10 WHEN 0 THEN 'REST.GET.BUCKET' WHEN 1 THEN 'REST.HEAD.OBJECT' ELSE 'REST.GET.OBJECT' END AS operation,
           'data/tenant=' || ((i * 3) % ${prefixes}) // 1000 || '/part=' || ((i * 3) % ${prefixes}) || '/obj-' || i || '.parquet' AS key,
           CAST(NULL AS VARCHAR) AS request_uri, CASE WHEN i % 50 = 0 THEN 404 ELSE 200 END AS http_status,
           CAST(NULL AS VARCHAR) AS error_code, 1000::BIGINT AS bytes_sent, 1000::BIGINT AS object_size,
           10::BIGINT AS total_time, 5::BIGINT AS turn_around_time, CAST(NULL AS VARCHAR) AS referrer, CAST(NULL AS VARCHAR) AS user_agent,
           CAST(NULL AS VARCHAR) AS version_id, '2026/09/01' AS dt
    FROM range(${logLines}) t(i)`);
}

export async function sqlBench(option) {
  const { LocalEngine } = await import(out('engines', 'local.js'));
  const { collectRows } = await import(out('engines', 'engine.js'));
  const { TemplateCatalog } = await import(out('sql', 'catalog.js'));
  const { renderTemplate } = await import(out('sql', 'template.js'));
  const template = TemplateCatalog.load({ builtinDir: join(repoRoot, 'src', 'sql') }).get('unused_prefixes').template;
  const equalitySql = renderTemplate(template, { as_of: '2026-09-30', days: '30' });
  const likeSql = equalitySql.replace('LEFT JOIN read_prefixes r ON r.prefix = e.prefix', 'LEFT JOIN read_prefixes r ON e.prefix LIKE r.prefix');
  if (likeSql === equalitySql) throw new Error('the LIKE variant did not apply: the join in unused_prefixes.sql changed');

  const measure = async ({ inventoryRows, logLines, prefixes, variants }) => {
    const engine = new LocalEngine({ cacheDir: join(repoRoot, 'test-results', 'bench-cache'), threads: 2 });
    try {
      let started = performance.now();
      await makeTables(engine, collectRows, { inventoryRows, logLines, prefixes });
      const setupS = (performance.now() - started) / 1000;
      const results = {};
      for (const [name, sql] of variants) {
        started = performance.now();
        const { rows } = await collectRows(await engine.run({ sql }));
        results[name] = { seconds: (performance.now() - started) / 1000, rows: rows.length };
      }
      return { setupS, results };
    } finally {
      await engine.dispose();
    }
  };

  const inventoryRows = Number(option('inventory-rows', '10000000'));
  const logLines = Number(option('log-lines', '20000000'));
  const big = await measure({ inventoryRows, logLines, prefixes: 200_000, variants: [['equality', equalitySql]] });
  // LIKE turns the hash join into a nested loop (rows × read prefixes): side by side at a scale it finishes.
  const small = await measure({
    inventoryRows: 200_000,
    logLines: 400_000,
    prefixes: 4_000,
    variants: [
      ['equality', equalitySql],
      ['like', likeSql],
    ],
  });
  if (small.results.equality.rows !== small.results.like.rows)
    throw new Error(`LIKE and = disagree: ${small.results.like.rows} vs ${small.results.equality.rows} prefixes`);
  const m = (n) => `${(n / 1e6).toLocaleString('en-US')}M`;
  return [
    {
      name: `sql: unused_prefixes, local engine, ${m(inventoryRows)} inventory rows + ${m(logLines)} log lines (= join)`,
      value: Math.round(big.results.equality.seconds * 100) / 100,
      unit: 's',
      target: 30,
      higherIsBetter: false,
      detail: { unusedPrefixes: big.results.equality.rows, tableSetupSeconds: Math.round(big.setupS * 10) / 10 },
    },
    {
      name: 'sql: unused_prefixes at 200k rows + 400k lines, = join',
      value: Math.round(small.results.equality.seconds * 1000) / 1000,
      unit: 's',
      target: null,
    },
    { name: 'sql: the same with LIKE in place of =', value: Math.round(small.results.like.seconds * 1000) / 1000, unit: 's', target: null },
    { name: 'sql: LIKE ÷ = at 200k rows', value: Math.round((small.results.like.seconds / small.results.equality.seconds) * 10) / 10, unit: '×', target: null },
  ];
}

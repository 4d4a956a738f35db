// `s3-lifecycle query TEMPLATE`: renders a template (built-in name or .sql path) with --param values
// and runs it on the local engine (default) or Athena, printing the rows.

import { join } from 'node:path';
import { collectRows, QueryCancelledError, type QueryResult } from '../engines/engine';
import { csvLine, displayValue, formatStatistics } from '../engines/resultFormat';
import { TemplateRunner } from '../engines/runner';
import { TemplateCatalog } from '../sql/catalog';
import { TemplateError } from '../sql/template';
import { CONNECTION_OPTIONS, openScope } from './connection';
import { CliFailure, EXIT_OK, stringOption, UsageError, type CliCommand, type CliIo } from './framework';

function parseParams(raw: unknown): Record<string, string> {
  const values: Record<string, string> = {};
  for (const item of (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]) as string[]) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param takes name=value, not "${item}"`);
    values[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return values;
}

async function printResult(result: QueryResult, format: string, io: CliIo): Promise<void> {
  const names = result.columns.map((c) => c.name);
  if (format === 'csv') {
    io.out(csvLine(names));
    for await (const batch of result.batches) for (const row of batch) io.out(csvLine(row));
  } else if (format === 'json') {
    io.out('[');
    let first = true;
    for await (const batch of result.batches) {
      for (const row of batch) {
        io.out(`${first ? '' : ','}\n${JSON.stringify(Object.fromEntries(names.map((n, i) => [n, row[i]])))}`);
        first = false;
      }
    }
    io.out(first ? ']\n' : '\n]\n');
  } else {
    // Aligned columns need every width first: text output is for results a person reads.
    const { rows } = await collectRows(result);
    const cells = [names, ...rows.map((r) => r.map(displayValue))];
    const widths = names.map((_n, i) => Math.min(60, Math.max(...cells.map((r) => r[i]!.length))));
    for (const row of cells)
      io.out(
        row
          .map((c, i) => (c.length > widths[i]! ? c.slice(0, widths[i]! - 1) + '…' : c.padEnd(widths[i]!)))
          .join('  ')
          .trimEnd() + '\n',
      );
  }
}

export const query: CliCommand = {
  name: 'query',
  summary: 'Render a SQL template and run it on the local engine (DuckDB) or Athena, printing the rows',
  usage: '[TEMPLATE]',
  options: {
    ...CONNECTION_OPTIONS,
    param: { type: 'string', multiple: true, description: 'A template parameter, name=value (repeat for more)', valueName: 'name=value' },
    engine: { type: 'string', description: 'local (default) or athena (env S3LIFECYCLE_ENGINE)', valueName: 'local|athena' },
    inventory: {
      type: 'string',
      description: 'Local engine: the S3 Inventory report — hive/ or configuration folder, or manifest.json; s3:// or a local path (env S3LIFECYCLE_INVENTORY)',
      valueName: 'location',
    },
    logs: {
      type: 'string',
      description: 'Local engine: the server access logs of one source bucket, s3:// or a local path (env S3LIFECYCLE_LOGS)',
      valueName: 'location',
    },
    sql: { type: 'boolean', description: 'Print the rendered SQL (dependencies first) instead of running it' },
    format: { type: 'string', description: 'Output format: text (default), csv or json', valueName: 'text|csv|json' },
  },
  details: [
    'TEMPLATE is a built-in name or the path to a .sql file; without one, the templates and their parameters are listed.',
    'Templates in ./.s3-lifecycle/templates/ override the built-ins of the same name.',
    'On the local engine, tables a template reads are made first by the templates that create them (inventory_table from --inventory, access_log_table from --logs).',
    'Statistics (rows, bytes read or scanned, time, Athena cost) and notes such as malformed log lines go to stderr.',
  ],
  async run(args, io) {
    const format = stringOption(args, 'format') ?? 'text';
    if (!['text', 'csv', 'json'].includes(format)) throw new UsageError(`--format must be text, csv or json, not "${format}"`, query);
    const catalog = TemplateCatalog.load({ workspaceDirs: [join(process.cwd(), '.s3-lifecycle', 'templates')] });
    for (const problem of catalog.problems) io.err(`warning: ${problem}\n`);
    const name = args.positionals[0];
    if (args.positionals.length > 1) throw new UsageError('query takes one template', query);
    if (name === undefined) {
      for (const { template, source } of catalog.entries) {
        io.out(`${template.name}${source === 'workspace' ? ' (workspace)' : ''}\n  ${template.description}\n`);
        for (const p of template.parameters)
          io.out(`    ${p.name} = ${p.default === undefined ? '(required)' : p.default === '' ? "''" : p.default}  ${p.description}\n`);
      }
      return EXIT_OK;
    }
    let entry;
    try {
      entry = catalog.resolve(name);
    } catch (error) {
      throw new UsageError((error as Error).message, query);
    }
    const values = parseParams(args.values.param);
    const scope = openScope(args, io);
    const { settings } = scope;
    const engine = await scope.queryEngine();
    const runner = new TemplateRunner(catalog, engine, {
      inventory: settings.query.inventoryLocation || undefined,
      logs: settings.query.logsLocation || undefined,
    });
    try {
      if (args.values.sql) {
        for (const step of await runner.plan(entry.template, values, io.signal)) io.out(`-- ${step.template.name}\n${step.sql.trim()}\n;\n\n`);
        return EXIT_OK;
      }
      const result = await runner.run({ template: entry.template, values, signal: io.signal });
      await printResult(result, format, io);
      const statistics = result.statistics();
      io.err(`${formatStatistics(statistics)}\n`);
      for (const note of statistics.notes) io.err(`  ${note}\n`);
      return EXIT_OK;
    } catch (error) {
      if (error instanceof TemplateError) throw new UsageError(error.message, query);
      if (error instanceof QueryCancelledError) throw new CliFailure('cancelled');
      throw new CliFailure(`${entry.template.name} failed on the ${engine.kind} engine: ${(error as Error).message}`);
    } finally {
      await scope.dispose();
    }
  },
};

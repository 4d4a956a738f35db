// Runs a template on an engine. On the local engine a template's input tables may not exist yet in
// the session: the runner finds the template that creates each one (`-- creates:`) and runs it
// first, with the same values for the parameters they share — so `unused_prefixes` alone loads the
// inventory and the logs, and `grouped_events` builds the whole segmentation chain.

import { TemplateCatalog } from '../sql/catalog';
import { renderTemplate, TemplateError, type SqlTemplate } from '../sql/template';
import { collectRows, type QueryEngine, type QueryProgress, type QueryResult, type QueryStatistics } from './engine';
import { toLocationUri } from './locations';
import type { LogFileDays } from '../core/retention/window';

/** Where the source templates read from, by template name: `inventory_table` and `access_log_table`. */
export interface RunSources {
  /** The inventory: a report's hive/ or configuration folder, or a manifest.json (s3:// URI or local path). */
  inventory?: string;
  /** The access logs of one source bucket (s3:// URI or local path). */
  logs?: string;
  /** Only the log files dated within these days (and those with no date in their name) are read, on engines that read the files themselves; all when unset. */
  logFileDays?: LogFileDays;
}

export interface TemplateRunRequest {
  template: SqlTemplate;
  values?: Record<string, string>;
  signal?: AbortSignal;
  onProgress?: (progress: QueryProgress) => void;
}

export interface PlannedStep {
  template: SqlTemplate;
  values: Record<string, string>;
  sql: string;
}

const SOURCE_PARAMETER: Record<string, 'inventory' | 'logs'> = { inventory_table: 'inventory', access_log_table: 'logs' };

function tableName(value: string): string {
  return value.split('.').at(-1)!;
}

export class TemplateRunner {
  /**
   * `tables` renames tables for this runner's runs: an identifier parameter left at its default
   * names the mapped table instead, in the requested template and in every template run to create
   * its inputs (an analysis's own `s3_inventory_…`, never a table another run is using).
   */
  constructor(
    private readonly catalog: TemplateCatalog,
    readonly engine: QueryEngine,
    readonly sources: RunSources = {},
    private readonly tables: Readonly<Record<string, string>> = {},
  ) {}

  /** A runner on the same catalog and engine with these sources and table names over its own (an analysis's own tables, another report). */
  derive(changes: { sources?: Partial<RunSources>; tables?: Readonly<Record<string, string>> }): TemplateRunner {
    return new TemplateRunner(this.catalog, this.engine, { ...this.sources, ...changes.sources }, { ...this.tables, ...changes.tables });
  }

  /** The catalog's template of this name (workspace overrides included); undefined when it has none. */
  template(name: string): SqlTemplate | undefined {
    return this.catalog.get(name)?.template;
  }

  /** The values with every identifier parameter left at a renamed default given its new name. */
  private withTableNames(template: SqlTemplate, values: Record<string, string>): Record<string, string> {
    const result = { ...values };
    for (const parameter of template.parameters) {
      if (parameter.type.kind !== 'identifier' || result[parameter.name] !== undefined || parameter.default === undefined) continue;
      const renamed = this.tables[parameter.default];
      if (renamed !== undefined) result[parameter.name] = renamed;
    }
    return result;
  }

  /**
   * The statements a run would execute, dependencies first. Only the local engine can say which
   * tables exist; on Athena the plan is the template alone.
   */
  async plan(template: SqlTemplate, values: Record<string, string> = {}, signal?: AbortSignal): Promise<PlannedStep[]> {
    const steps: PlannedStep[] = [];
    const planned = new Set<string>();
    const visit = async (t: SqlTemplate, asked: Record<string, string>, path: string[]) => {
      const given = this.withTableNames(t, asked);
      if (path.includes(t.name)) throw new TemplateError(`templates depend on each other in a loop: ${[...path, t.name].join(' → ')}`);
      for (const dependency of await this.missingInputs(t, given, planned)) {
        await visit(dependency.template, dependency.values, [...path, t.name]);
      }
      const v = await this.withInventoryFacts(t, given, signal);
      const sql = renderTemplate(t, v);
      steps.push({ template: t, values: v, sql });
      if (t.creates) planned.add(tableName(v[t.creates] ?? t.parameters.find((p) => p.name === t.creates)!.default!));
    };
    await visit(template, values, []);
    return steps;
  }

  private async missingInputs(
    template: SqlTemplate,
    values: Record<string, string>,
    planned: Set<string>,
  ): Promise<{ template: SqlTemplate; values: Record<string, string> }[]> {
    const engine = this.engine;
    if (!engine.tableExists) return [];
    const missing: { template: SqlTemplate; values: Record<string, string> }[] = [];
    for (const parameter of template.parameters) {
      if (parameter.type.kind !== 'identifier' || parameter.name === template.creates) continue;
      const value = values[parameter.name] ?? parameter.default;
      if (value === undefined) continue;
      const table = tableName(value);
      if (planned.has(table) || (await engine.tableExists(table))) continue;
      const creator =
        this.catalog.creatorOf(table) ??
        (parameter.default !== undefined && this.tables[parameter.default] === value ? this.catalog.creatorOf(tableName(parameter.default)) : undefined) ??
        (this.catalog.get(parameter.name)?.template.creates ? this.catalog.get(parameter.name)!.template : undefined);
      if (!creator) continue; // not ours to make: the engine's own error names the table
      missing.push({ template: creator, values: this.dependencyValues(creator, values, table) });
    }
    return missing;
  }

  /** A dependency's values: the ones it shares with the requested template, its output table, and its source location. */
  private dependencyValues(creator: SqlTemplate, values: Record<string, string>, table: string): Record<string, string> {
    const result: Record<string, string> = {};
    for (const parameter of creator.parameters) {
      if (parameter.name === creator.creates) result[parameter.name] = table;
      else if (values[parameter.name] !== undefined) result[parameter.name] = values[parameter.name]!;
    }
    const source = SOURCE_PARAMETER[creator.name];
    if (source && result.location === undefined) {
      const location = this.sources[source];
      if (!location) {
        const flag = source === 'inventory' ? '--inventory (setting s3lifecycle.query.inventoryLocation)' : '--logs (setting s3lifecycle.query.logsLocation)';
        throw new TemplateError(
          `the query reads the table "${table}", which the ${creator.name} template creates from your ${source === 'inventory' ? 'S3 Inventory report' : 'server access logs'}: give its location with ${flag}`,
        );
      }
      result.location = toLocationUri(location);
    }
    return result;
  }

  /**
   * A template over an inventory report (an `inventory_schema` parameter) takes the report's own
   * format and schema from its newest manifest, unless the caller gave them: CSV and ORC columns
   * are read by position, and a report of current versions lacks the version fields.
   */
  private async withInventoryFacts(template: SqlTemplate, values: Record<string, string>, signal?: AbortSignal): Promise<Record<string, string>> {
    const schemaParameter = template.parameters.find((p) => p.type.kind === 'inventory_schema');
    const formatParameter = template.parameters.find((p) => p.name === 'format' && p.type.kind === 'enum');
    if (!schemaParameter || !this.engine.inventoryReport) return values;
    if (values[schemaParameter.name] !== undefined && (!formatParameter || values[formatParameter.name] !== undefined)) return values;
    const location = values.location;
    if (location === undefined) return values; // the template's own error asks for it
    const report = await this.engine.inventoryReport(location, signal);
    const completed = { ...values };
    completed[schemaParameter.name] ??= report.fileSchema;
    if (formatParameter) completed[formatParameter.name] ??= report.fileFormat;
    // Athena's table reads the report's hive/ folder, whichever folder or manifest was named.
    if (this.engine.kind === 'athena') completed.location = report.hiveLocation;
    return completed;
  }

  private logFileDays(): { logFileDays?: LogFileDays } {
    return this.sources.logFileDays ? { logFileDays: this.sources.logFileDays } : {};
  }

  /** Runs the template (after whatever it depends on) and returns its rows. */
  async run(request: TemplateRunRequest): Promise<QueryResult> {
    const steps = await this.plan(request.template, request.values ?? {}, request.signal);
    const before: QueryStatistics[] = [];
    for (const step of steps.slice(0, -1)) {
      const result = await this.engine.run({
        sql: step.sql,
        ...this.logFileDays(),
        signal: request.signal,
        onProgress: (p) => request.onProgress?.({ ...p, message: `${step.template.name}: ${p.message}` }),
      });
      before.push((await collectRows(result)).statistics);
    }
    const last = steps[steps.length - 1]!;
    const result = await this.engine.run({ sql: last.sql, ...this.logFileDays(), signal: request.signal, onProgress: request.onProgress });
    return {
      columns: result.columns,
      batches: result.batches,
      statistics: () => {
        const own = result.statistics();
        return {
          ...own,
          bytesScanned: own.bytesScanned + before.reduce((n, s) => n + s.bytesScanned, 0),
          costUsd: own.costUsd + before.reduce((n, s) => n + s.costUsd, 0),
          elapsedMs: own.elapsedMs + before.reduce((n, s) => n + s.elapsedMs, 0),
          notes: [...before.flatMap((s) => s.notes), ...own.notes],
        };
      },
    };
  }
}

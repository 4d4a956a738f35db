// The templates' source tables on Trino. Athena runs a template's DDL (CREATE EXTERNAL TABLE,
// DROP TABLE) on its Hive engine and everything else on Trino: the Hive DDL has no Trino form, so
// these stand-ins make the same two source tables from the same files with Trino's Hive connector,
// taking their columns (and the access logs' RegexSerDe pattern) from the rendered template itself:
//   - the inventory's CSV data files: a `format = 'CSV'` table (every column varchar, as
//     OpenCSVSerde reads them), plus the report's `dt`;
//   - the access logs: a `format = 'REGEX'` table with the template's own `input.regex`, plus the
//     `dt` of the log file's date folder (yyyy/MM/dd), from Trino's hidden "$path" column.
// The templates' Trino SQL — the typed views, the analysis queries, CREATE TABLE AS — then runs on
// Trino exactly as rendered.

import { splitStatements } from '../../src/engines/engine';
import { stringLiteral } from '../../src/sql/template';
import type { TrinoClient } from './trino';

export interface HiveColumn {
  name: string;
  /** The Hive DDL's type: string, bigint, … */
  hiveType: string;
}

/** The column list of a rendered template's CREATE EXTERNAL TABLE, in its order. */
export function externalTableColumns(renderedSql: string): HiveColumn[] {
  const create = splitStatements(renderedSql).find((s) => /^CREATE\s+EXTERNAL\s+TABLE\b/i.test(s));
  if (!create) throw new Error('the rendered template has no CREATE EXTERNAL TABLE');
  const list = /^CREATE\s+EXTERNAL\s+TABLE\s+\S+\s*\(([\s\S]*?)\)\s*PARTITIONED\s+BY/i.exec(create);
  if (!list) throw new Error(`cannot read the column list of:\n${create}`);
  return list[1]!
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '')
    .map((c) => {
      const column = /^`?([A-Za-z_][A-Za-z0-9_]*)`?\s+([A-Za-z]+)$/.exec(c);
      if (!column) throw new Error(`cannot read the column "${c}"`);
      return { name: column[1]!, hiveType: column[2]!.toLowerCase() };
    });
}

/** A Hive DDL type as Trino's Hive connector names it. */
export function trinoType(hiveType: string): string {
  const types: Record<string, string> = {
    string: 'varchar',
    bigint: 'bigint',
    int: 'integer',
    boolean: 'boolean',
    double: 'double',
    timestamp: 'timestamp(3)',
  };
  const type = types[hiveType];
  if (!type) throw new Error(`no Trino type for the Hive type ${hiveType}`);
  return type;
}

/**
 * The RegexSerDe pattern of a rendered access_log_table: its `'input.regex'` property, unescaped as
 * Hive reads a string literal (`\\` is a backslash, `\"` a quote, `\x` the character x).
 */
export function serdeRegex(renderedSql: string): string {
  const property = /'input\.regex'\s*=\s*'((?:[^'\\]|\\[\s\S])*)'/.exec(renderedSql);
  if (!property) throw new Error("the rendered template has no 'input.regex' property");
  return property[1]!.replace(/\\([\s\S])/g, '$1');
}

/** The statements of a rendered template that are Trino SQL: the views, queries and CREATE TABLE AS; not its Hive DDL. */
export function trinoStatements(renderedSql: string): string[] {
  return splitStatements(renderedSql).filter((s) => !/^(CREATE\s+EXTERNAL\s+TABLE|DROP\s+TABLE)\b/i.test(s));
}

/**
 * A statement as Athena runs it, on Trino: a DROP TABLE is Hive DDL on Athena (backtick-quoted
 * names), and is the same statement in Trino's syntax; everything else is Trino SQL already.
 */
export function asTrinoStatement(statement: string): string {
  if (/^DROP\s+TABLE\b/i.test(statement)) return statement.replace(/`([^`]*)`/g, (_, name: string) => `"${name.replace(/"/g, '""')}"`);
  if (/^CREATE\s+EXTERNAL\s+TABLE\b/i.test(statement))
    throw new Error('CREATE EXTERNAL TABLE is Hive DDL: make the source table with a stand-in (createInventorySource, createAccessLogSource)');
  return statement;
}

/** Runs a rendered template's statements on Trino, as Athena would, and returns the last one's result. */
export async function runRendered(trino: TrinoClient, renderedSql: string) {
  const statements = splitStatements(renderedSql).map(asTrinoStatement);
  let last;
  for (const statement of statements) last = await trino.query(statement);
  return last!;
}

function columnDefinitions(columns: HiveColumn[], allVarchar: boolean): string {
  return columns.map((c) => `"${c.name}" ${allVarchar ? 'varchar' : trinoType(c.hiveType)}`).join(',\n  ');
}

/**
 * The inventory_table template's source table (`sourceTable`, what its view reads) over a report's
 * CSV data files: a CSV table of the rendered template's columns, and a view that adds the report's dt.
 */
export async function createInventorySource(
  trino: TrinoClient,
  options: { renderedSql: string; sourceTable: string; dataLocation: string; dt: string },
): Promise<HiveColumn[]> {
  const columns = externalTableColumns(options.renderedSql);
  if (!columns.every((c) => c.hiveType === 'string')) throw new Error(`a CSV report's columns are all text, not ${columns.map((c) => c.hiveType).join(', ')}`);
  const files = `${options.sourceTable}_files`;
  await trino.query(`DROP VIEW IF EXISTS "${options.sourceTable}"`);
  await trino.query(`DROP TABLE IF EXISTS "${files}"`);
  await trino.query(
    `CREATE TABLE "${files}" (\n  ${columnDefinitions(columns, true)}\n) WITH (format = 'CSV', external_location = ${stringLiteral(options.dataLocation)})`,
  );
  await trino.query(
    `CREATE VIEW "${options.sourceTable}" AS SELECT ${columns.map((c) => `"${c.name}"`).join(', ')}, ${stringLiteral(options.dt)} AS dt FROM "${files}"`,
  );
  return columns;
}

/**
 * The access_log_table template's source table over a folder of log files (every file below it):
 * a REGEX table of the rendered template's columns and pattern, and a view that adds each line's
 * log file date as the local engine reads it: the PartitionedPrefix folder yyyy/MM/dd, else the
 * date of a simple-layout file name (YYYY-MM-DD-HH-MM-SS-ID), else NULL.
 */
export async function createAccessLogSource(
  trino: TrinoClient,
  options: { renderedSql: string; sourceTable: string; location: string },
): Promise<{ columns: HiveColumn[]; regex: string }> {
  const columns = externalTableColumns(options.renderedSql);
  const regex = serdeRegex(options.renderedSql);
  const files = `${options.sourceTable}_files`;
  await trino.query(`DROP VIEW IF EXISTS "${options.sourceTable}"`);
  await trino.query(`DROP TABLE IF EXISTS "${files}"`);
  await trino.query(
    `CREATE TABLE "${files}" (\n  ${columnDefinitions(columns, false)}\n) WITH (format = 'REGEX', regex = ${stringLiteral(regex)}, external_location = ${stringLiteral(options.location)})`,
  );
  const dt =
    `coalesce(regexp_extract("$path", '(\\d{4}/\\d{2}/\\d{2})/[^/]+$', 1), ` +
    `replace(regexp_extract("$path", '(\\d{4}-\\d{2}-\\d{2})-\\d{2}-\\d{2}-\\d{2}-[0-9A-Za-z]+$', 1), '-', '/'))`;
  await trino.query(`CREATE VIEW "${options.sourceTable}" AS SELECT ${columns.map((c) => `"${c.name}"`).join(', ')}, ${dt} AS dt FROM "${files}"`);
  return { columns, regex };
}

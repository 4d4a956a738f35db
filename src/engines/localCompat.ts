// The small compatibility layer that lets the embedded DuckDB run templates written in Athena's
// dialect (Trino SQL, Hive DDL): macros for the Trino functions DuckDB lacks or names differently,
// and a reading of each statement that says how the local engine must run it.

import { readHiveString } from '../sql/dialect';

/** Trino functions as DuckDB macros. Trino semantics win where the names collide (date_add, cardinality). */
export const TRINO_MACROS = [
  // Trino: date_add(unit, value, timestamp); DuckDB's own date_add takes (date, interval).
  `CREATE OR REPLACE MACRO date_add(unit, n, t) AS CASE lower(unit)
     WHEN 'millisecond' THEN t + to_milliseconds(CAST(n AS BIGINT))
     WHEN 'second' THEN t + to_seconds(CAST(n AS BIGINT))
     WHEN 'minute' THEN t + to_minutes(CAST(n AS BIGINT))
     WHEN 'hour' THEN t + to_hours(CAST(n AS BIGINT))
     WHEN 'day' THEN t + to_days(CAST(n AS INTEGER))
     WHEN 'week' THEN t + to_weeks(CAST(n AS INTEGER))
     WHEN 'month' THEN t + to_months(CAST(n AS INTEGER))
     WHEN 'year' THEN t + to_years(CAST(n AS INTEGER))
     ELSE error('date_add: unsupported unit ' || unit) END`,
  `CREATE OR REPLACE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)`,
  `CREATE OR REPLACE MACRO to_iso8601(t) AS strftime(CAST(t AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%gZ')`,
  `CREATE OR REPLACE MACRO regexp_like(s, p) AS regexp_matches(s, p)`,
  // Trino's url_decode is Java's URLDecoder, which reads `+` as a space (as S3 writes one in the
  // keys of inventory reports and access logs); DuckDB's keeps it.
  `CREATE OR REPLACE MACRO url_decode(s) AS system.main.url_decode(replace(s, '+', ' '))`,
  `CREATE OR REPLACE MACRO array_join(l, sep) AS array_to_string(l, sep)`,
  `CREATE OR REPLACE MACRO slice(l, start, n) AS list_slice(l, start, start + n - 1)`,
  `CREATE OR REPLACE MACRO cardinality(l) AS len(l)`,
  `CREATE OR REPLACE MACRO element_at(l, i) AS list_extract(l, i)`,
  `CREATE OR REPLACE MACRO approx_distinct(x) AS approx_count_distinct(x)`,
];

export interface ColumnDeclaration {
  name: string;
  /** The DuckDB type for the declared Hive type. */
  type: string;
}

export type ExternalTableKind = 'csv' | 'parquet' | 'orc' | 'accessLog';

export interface ExternalTable {
  name: string;
  columns: ColumnDeclaration[];
  partitions: ColumnDeclaration[];
  kind: ExternalTableKind;
  location: string;
}

export type LocalStatement =
  | { kind: 'external'; table: ExternalTable }
  | { kind: 'drop'; name: string; ifExists: boolean }
  | { kind: 'view'; name: string; select: string }
  | { kind: 'sql'; sql: string };

const IDENT = String.raw`(?:"(?:[^"]|"")+"|\x60[^\x60]+\x60|[A-Za-z_][A-Za-z0-9_]*)(?:\.(?:"(?:[^"]|"")+"|\x60[^\x60]+\x60|[A-Za-z_][A-Za-z0-9_]*))*`;

/** `"a"."b"`, `` `a` ``, `a.b` → the last part, unquoted (the local engine has one schema). */
export function unquoteName(identifier: string): string {
  const parts = identifier.match(/"(?:[^"]|"")+"|`[^`]+`|[^.]+/g) ?? [identifier];
  const last = parts[parts.length - 1]!;
  if (last.startsWith('"')) return last.slice(1, -1).replace(/""/g, '"');
  if (last.startsWith('`')) return last.slice(1, -1);
  return last.toLowerCase();
}

/** The SQL text of a name for DuckDB. */
export function duckName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const HIVE_TYPES: Record<string, string> = {
  string: 'VARCHAR',
  varchar: 'VARCHAR',
  char: 'VARCHAR',
  boolean: 'BOOLEAN',
  tinyint: 'TINYINT',
  smallint: 'SMALLINT',
  int: 'INTEGER',
  integer: 'INTEGER',
  bigint: 'BIGINT',
  float: 'FLOAT',
  double: 'DOUBLE',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
};

function duckType(hiveType: string): string {
  const base = hiveType.trim().toLowerCase().replace(/\(.*$/, '');
  const type = HIVE_TYPES[base];
  if (!type) throw new Error(`the local engine cannot read a column of type ${hiveType}: use ${Object.keys(HIVE_TYPES).join(', ')}`);
  return type;
}

/** The text between the parenthesis at `open` and its match. */
function balanced(text: string, open: number): { inner: string; end: number } {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return { inner: text.slice(open + 1, i), end: i + 1 };
  }
  throw new Error('unbalanced parentheses in CREATE EXTERNAL TABLE');
}

function columnList(inner: string): ColumnDeclaration[] {
  return inner
    .replace(/--[^\n]*/g, '')
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '')
    .map((c) => {
      const match = /^(\S+)\s+(.+?)(?:\s+COMMENT\s+'.*')?$/is.exec(c);
      if (!match) throw new Error(`cannot read the column declaration "${c}"`);
      return { name: unquoteName(match[1]!), type: duckType(match[2]!) };
    });
}

/** The string after a clause's keywords (`LOCATION '…'`), read as Hive reads DDL; keywords inside strings and comments are not clauses. */
function clauseString(ddl: string, keywords: RegExp): string | undefined {
  for (let i = 0; i < ddl.length;) {
    const c = ddl[i]!;
    if (c === "'" || c === '"') {
      const literal = readHiveString(ddl, i);
      if (!literal) return undefined;
      i = literal.end;
    } else if (c === '`') i = ddl.indexOf('`', i + 1) < 0 ? ddl.length : ddl.indexOf('`', i + 1) + 1;
    else if (ddl.startsWith('--', i)) i = ddl.indexOf('\n', i) < 0 ? ddl.length : ddl.indexOf('\n', i) + 1;
    else if (/[A-Za-z]/.test(c) && !/[A-Za-z0-9_]/.test(ddl[i - 1] ?? ' ')) {
      const match = keywords.exec(ddl.slice(i));
      if (match) return readHiveString(ddl, i + match[0].length)?.value;
      i++;
    } else i++;
  }
  return undefined;
}

function parseExternalTable(sql: string): ExternalTable {
  const head = new RegExp(String.raw`^CREATE\s+EXTERNAL\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(${IDENT})\s*`, 'i').exec(sql)!;
  const name = unquoteName(head[1]!);
  const open = sql.indexOf('(', head[0].length - 1);
  const { inner, end } = balanced(sql, open);
  const rest = sql.slice(end);
  const partitioned = /PARTITIONED\s+BY\s*\(/i.exec(rest);
  const partitions = partitioned ? columnList(balanced(rest, partitioned.index + partitioned[0].length - 1).inner) : [];
  const serde = clauseString(rest, /^ROW\s+FORMAT\s+SERDE\s+/i) ?? '';
  const storedAs = /STORED\s+AS\s+(PARQUET|ORC|TEXTFILE)\b/i.exec(rest)?.[1]?.toUpperCase();
  const location = clauseString(rest, /^LOCATION\s+/i);
  if (!location) throw new Error(`CREATE EXTERNAL TABLE ${name} has no LOCATION`);
  let kind: ExternalTableKind;
  if (/RegexSerDe/i.test(serde)) kind = 'accessLog';
  else if (/Parquet/i.test(serde) || storedAs === 'PARQUET') kind = 'parquet';
  else if (/Orc/i.test(serde) || storedAs === 'ORC') kind = 'orc';
  else if (/OpenCSVSerde|LazySimpleSerDe/i.test(serde) || storedAs === 'TEXTFILE') kind = 'csv';
  else
    throw new Error(
      `CREATE EXTERNAL TABLE ${name}: the local engine reads S3 Inventory reports (OpenCSVSerde, Parquet) and server access logs (RegexSerDe), not ${serde || 'this format'}`,
    );
  return { name, columns: columnList(inner), partitions, kind, location };
}

/**
 * How the local engine runs one statement of a template:
 * - `CREATE EXTERNAL TABLE … LOCATION '…'` loads the data at the location into a table;
 * - `DROP TABLE` drops whatever object has the name (a table here may have been a view on Athena);
 * - `CREATE [OR REPLACE] VIEW` is kept apart so the engine can materialise views over loaded data;
 * - Athena's CTAS `CREATE TABLE x WITH (…) AS` becomes `CREATE OR REPLACE TABLE x AS`;
 * - everything else runs as written, with the Trino macros installed.
 */
export function classifyStatement(sql: string): LocalStatement {
  if (/^CREATE\s+EXTERNAL\s+TABLE\b/i.test(sql)) return { kind: 'external', table: parseExternalTable(sql) };
  const drop = new RegExp(String.raw`^DROP\s+TABLE\s+(IF\s+EXISTS\s+)?(${IDENT})\s*$`, 'i').exec(sql);
  if (drop) return { kind: 'drop', name: unquoteName(drop[2]!), ifExists: drop[1] !== undefined };
  const view = new RegExp(String.raw`^CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+(${IDENT})\s+AS\s+`, 'i').exec(sql);
  if (view) return { kind: 'view', name: unquoteName(view[1]!), select: sql.slice(view[0].length) };
  const ctas = new RegExp(String.raw`^CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(${IDENT})\s+WITH\s*\(`, 'i').exec(sql);
  if (ctas) {
    const { end } = balanced(sql, ctas[0].length - 1);
    const as = /^\s*AS\s+/i.exec(sql.slice(end));
    if (as) return { kind: 'sql', sql: `CREATE OR REPLACE TABLE ${duckName(unquoteName(ctas[1]!))} AS ${sql.slice(end + as[0].length)}` };
  }
  return { kind: 'sql', sql };
}

/** The names of tables a SELECT reads with `FROM name` / `JOIN name` (enough for the views the templates create). */
export function referencedTables(select: string): string[] {
  const names = new Set<string>();
  for (const match of select.matchAll(new RegExp(String.raw`\b(?:FROM|JOIN)\s+(${IDENT})`, 'gi'))) names.add(unquoteName(match[1]!));
  return [...names];
}

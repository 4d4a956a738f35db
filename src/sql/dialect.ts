// Athena reads a template's statements in two dialects: its DDL (CREATE EXTERNAL TABLE, ALTER,
// DROP TABLE, MSCK, SHOW…) is Hive's, where a backslash escapes the next character in a string and
// either quote delimits one; everything else (SELECT, CTAS, views) is Trino's, where a quote in a
// string is doubled and a backslash is a backslash. A literal is written, and statements are split,
// in the dialect of the statement it is in: a value quoted the Trino way in Hive DDL (`x\'`) ends
// its literal early.

export type SqlDialect = 'hive' | 'trino';

const NAME = String.raw`(?:"(?:[^"]|"")+"|\x60[^\x60]+\x60|[A-Za-z_][A-Za-z0-9_]*)(?:\.(?:"(?:[^"]|"")+"|\x60[^\x60]+\x60|[A-Za-z_][A-Za-z0-9_]*))*`;
const HIVE_STATEMENT = new RegExp(
  String.raw`^(?:CREATE\s+EXTERNAL\s+TABLE|CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?${NAME}\s*\(|(?:CREATE|DROP|ALTER)\s+(?:DATABASE|SCHEMA)|ALTER\s+TABLE|DROP\s+TABLE|MSCK|SHOW\s+(?!VIEWS\b|CREATE\s+VIEW\b)|DESCRIBE\s+(?!VIEW\b)|DESC\s)`,
  'i',
);

/** The dialect Athena reads a statement in, from its first words (leading comments and spaces skipped). */
export function statementDialect(statement: string): SqlDialect {
  return HIVE_STATEMENT.test(statement.replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/, '')) ? 'hive' : 'trino';
}

/** A Trino (and DuckDB) string literal: single quotes, a quote inside doubled. */
export function trinoStringLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * A Hive string literal: single quotes, a backslash or either quote inside escaped with a backslash
 * (so the text also stands inside a template's own double-quoted literal). Every other character,
 * newlines and any Unicode included, stands for itself.
 */
export function hiveStringLiteral(value: string): string {
  return `'${value.replace(/[\\'"]/g, (c) => `\\${c}`)}'`;
}

export function stringLiteralIn(dialect: SqlDialect, value: string): string {
  return dialect === 'hive' ? hiveStringLiteral(value) : trinoStringLiteral(value);
}

const HIVE_ESCAPES: Record<string, string> = { '0': '\0', b: '\b', n: '\n', r: '\r', t: '\t', Z: '\u001a' };

/**
 * Reads the Hive string literal at `at` (adjacent literals are one, as Hive's lexer reads them) and
 * returns its value and where it ends, or undefined when there is none there. The common escapes
 * are read as Hive reads them; hiveStringLiteral only ever writes \\, \' and \".
 */
export function readHiveString(sql: string, at: number): { value: string; end: number } | undefined {
  let value = '';
  let i = at;
  let read = false;
  while (sql[i] === "'" || sql[i] === '"') {
    const quote = sql[i]!;
    i++;
    for (;;) {
      if (i >= sql.length) return undefined;
      const c = sql[i]!;
      if (c === quote) break;
      if (c === '\\' && i + 1 < sql.length) {
        const n = sql[i + 1]!;
        value += HIVE_ESCAPES[n] ?? (n === '%' || n === '_' ? `\\${n}` : n);
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    i++;
    read = true;
  }
  return read ? { value, end: i } : undefined;
}

/** One statement's stretch of the text: from after the previous `;` to its own `;` (or the end), and its dialect. */
export interface StatementSpan {
  start: number;
  /** Just past its `;`, or the end of the text. */
  end: number;
  /** Where its text ends (at the `;`). */
  textEnd: number;
  dialect: SqlDialect;
}

/**
 * Cuts the text into statements at each `;` outside strings, quoted names and comments, reading each
 * statement's strings in its own dialect. The spans cover the whole text, in order.
 */
export function statementSpans(sql: string): StatementSpan[] {
  const spans: StatementSpan[] = [];
  let start = 0;
  let dialect = statementDialect(sql);
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || (c === '"' && dialect === 'trino')) {
      // Trino: 'string' and "name", the delimiter doubled inside.
      i++;
      while (i < sql.length) {
        if (sql[i] === c) {
          if (sql[i + 1] === c) i += 2;
          else break;
        } else if (dialect === 'hive' && sql[i] === '\\') i += 2;
        else i++;
      }
      i++;
    } else if (c === '"' && dialect === 'hive') {
      i++;
      while (i < sql.length && sql[i] !== '"') i += sql[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '`') {
      const close = sql.indexOf('`', i + 1);
      i = close < 0 ? sql.length : close + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const endComment = sql.indexOf('*/', i + 2);
      i = endComment < 0 ? sql.length : endComment + 2;
    } else if (c === ';') {
      spans.push({ start, end: i + 1, textEnd: i, dialect });
      i++;
      start = i;
      dialect = statementDialect(sql.slice(start));
    } else i++;
  }
  if (start < sql.length || spans.length === 0) spans.push({ start, end: sql.length, textEnd: sql.length, dialect });
  return spans;
}

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { openInMemoryDuckDb } from '../../src/engines/duckdb';
import { Random } from '../../src/core/random';
import { splitStatements } from '../../src/engines/engine';
import { classifyStatement } from '../../src/engines/localCompat';
import { statementDialect } from '../../src/sql/dialect';
import { TemplateCatalog } from '../../src/sql/catalog';
import { READ_OPERATIONS, READ_STATUSES, SERVICE_REQUESTERS } from '../../src/core/accessLog/reads';
import { parseTemplate, quotedIdentifier, renderTemplate, renderValue, stringLiteral, TemplateError } from '../../src/sql/template';

const TEMPLATE = `-- name: access_by_prefix
-- description: Reads per prefix in the window
-- @param logs_table identifier access_logs The access-log table
-- @param as_of date required Last day of the window
-- @param window_days integer 30 Days in the window
-- @param operation enum(REST.GET.OBJECT|REST.HEAD.OBJECT) REST.GET.OBJECT Operation counted
-- @param requester string '' Only this requester ('' for all)
-- @param location s3location s3://logs-bucket/logs/ Where the logs are
SELECT count(*) FROM {{logs_table}}
WHERE operation = {{operation}} AND day BETWEEN {{as_of}} - INTERVAL ({{window_days}} - 1) DAY AND {{as_of}}
  AND (requester = {{requester}} OR {{requester}} = '') AND location = {{location}}`;

describe('SQL templates', () => {
  it('reads the header: name, description, typed parameters with defaults', () => {
    const t = parseTemplate(TEMPLATE, 'file');
    assert.equal(t.name, 'access_by_prefix');
    assert.equal(t.description, 'Reads per prefix in the window');
    assert.deepEqual(
      t.parameters.map((p) => [p.name, p.type.kind, p.default]),
      [
        ['logs_table', 'identifier', 'access_logs'],
        ['as_of', 'date', undefined],
        ['window_days', 'integer', '30'],
        ['operation', 'enum', 'REST.GET.OBJECT'],
        ['requester', 'string', ''],
        ['location', 's3location', 's3://logs-bucket/logs/'],
      ],
    );
    assert.ok(t.body.startsWith('SELECT count(*)'));
  });

  it('renders every placeholder as a typed literal or a quoted identifier', () => {
    const sql = renderTemplate(parseTemplate(TEMPLATE, 'file'), { as_of: '2026-09-30', requester: "o'brien" });
    assert.match(sql, /FROM "access_logs"/);
    assert.match(sql, /operation = 'REST\.GET\.OBJECT'/);
    assert.match(sql, /BETWEEN DATE '2026-09-30' - INTERVAL \(30 - 1\) DAY AND DATE '2026-09-30'/);
    assert.match(sql, /requester = 'o''brien'/);
    assert.match(sql, /location = 's3:\/\/logs-bucket\/logs\/'/);
  });

  it('reports every problem at once: missing, unknown and ill-typed parameters', () => {
    const t = parseTemplate(TEMPLATE, 'file');
    assert.throws(
      () => renderTemplate(t, { window_days: '30; DROP TABLE x', operation: 'REST.PUT.OBJECT', nope: '1', logs_table: 'logs; --' }),
      (e: unknown) =>
        e instanceof TemplateError &&
        /has no parameter "nope"/.test(e.message) &&
        /as_of is required/.test(e.message) &&
        /window_days must be a whole number/.test(e.message) &&
        /operation must be one of REST\.GET\.OBJECT, REST\.HEAD\.OBJECT/.test(e.message) &&
        /"logs; --" is not an identifier/.test(e.message),
    );
  });

  it('refuses a template that uses an undeclared placeholder or declares a bad default', () => {
    assert.throws(() => parseTemplate('-- @param a integer 1 A\nSELECT {{a}}, {{b}}', 't'), /\{\{b\}\} is used but not declared/);
    assert.throws(() => parseTemplate('-- @param d date yesterday A day\nSELECT {{d}}', 't'), /is not a date/);
    assert.throws(() => parseTemplate('-- @param x number 1 A\nSELECT {{x}}', 't'), /write a parameter as/);
  });

  it('accepts qualified identifiers and dates only when they are real', () => {
    assert.equal(quotedIdentifier('awsdatacatalog.s3_logs.access'), '"awsdatacatalog"."s3_logs"."access"');
    assert.throws(() => quotedIdentifier('a"b'));
    assert.throws(() => renderValue({ name: 'd', type: { kind: 'date' }, default: undefined, description: '' }, '2026-02-30'), /not a calendar date/);
    assert.throws(() => renderValue({ name: 'l', type: { kind: 's3location' }, default: undefined, description: '' }, "s3://b'/x"), /not a valid bucket name/);
  });

  describe('no parameter can inject SQL (property test, checked by DuckDB)', () => {
    let instance: DuckDBInstance;
    let connection: DuckDBConnection;
    before(async () => {
      instance = await openInMemoryDuckDb();
      connection = await instance.connect();
    });
    after(() => {
      connection.closeSync();
      instance.closeSync();
    });

    const random = new Random(2026);
    const alphabet = ["'", '"', ';', '--', '/*', '*/', '\\', ' ', '\n', 'DROP TABLE t', ')', '(', 'é', '🚀', '\u202e', 'a', '0', '$$', '{{x}}', '\t'];
    const samples = Array.from({ length: 300 }, () => Array.from({ length: 1 + random.int(8) }, () => random.pick(alphabet)).join(''));

    it('renders any string as one literal that reads back unchanged', async () => {
      for (const value of samples) {
        const reader = await connection.runAndReadAll(`SELECT ${stringLiteral(value)} AS v`);
        assert.equal(reader.getRowObjectsJS()[0]!.v, value);
      }
    });

    it('rejects any identifier it cannot quote safely, and quotes the rest to exactly that name', async () => {
      let accepted = 0;
      for (const value of [...samples, 'plain_name', 'db.table_1', '_x9']) {
        let quoted: string;
        try {
          quoted = quotedIdentifier(value);
        } catch {
          continue;
        }
        accepted++;
        const last = value.split('.').at(-1)!;
        const reader = await connection.runAndReadAll(`SELECT 1 AS ${quotedIdentifier(last)}`);
        assert.deepEqual(reader.columnNames(), [last]);
        assert.ok(quoted.startsWith('"'));
      }
      assert.ok(accepted >= 3);
    });

    it("writes any string inside a template's own literal ({{x:inner}}) so it reads back unchanged", async () => {
      const template = parseTemplate("-- @param x string ''\nSELECT 'pre:{{x:inner}}:post' AS v", 'inner');
      for (const value of samples) {
        const reader = await connection.runAndReadAll(renderTemplate(template, { x: value }));
        assert.equal(reader.getRowObjectsJS()[0]!.v, `pre:${value.trim()}:post`);
      }
    });
  });

  describe('no parameter can break out of a Hive DDL literal (property test, read back by a reference Hive lexer and DuckDB)', () => {
    let instance: DuckDBInstance;
    let connection: DuckDBConnection;
    before(async () => {
      instance = await openInMemoryDuckDb();
      connection = await instance.connect();
    });
    after(() => {
      connection.closeSync();
      instance.closeSync();
    });

    // A DDL statement (Hive: backslash escapes, either quote delimits) between two Trino ones (quotes doubled).
    const template = parseTemplate(
      `-- name: ddl
-- @param table identifier t The table
-- @param location s3location s3://bkt/ Where its files are
-- @param note string '' Anything
DROP TABLE IF EXISTS {{table:hive}};

CREATE EXTERNAL TABLE {{table:hive}} (a string)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde'
LOCATION {{location}}
TBLPROPERTIES ('note' = {{note}}, 'template' = '{{location:inner}}\${dt}', "quoted" = "{{note:inner}}");

SELECT {{note}} AS v, '{{note:inner}}' AS w`,
      'ddl',
    );
    const random = new Random(1414);
    const alphabet = [
      "'",
      '"',
      '\\',
      "\\'",
      '\\\\',
      '\\u0041',
      '\\012',
      '\\n',
      '\\%',
      '`',
      ';',
      '--',
      '/*',
      '*/',
      ' ',
      '\n',
      '\r\n',
      '\t',
      'é',
      '🚀',
      '\u202e',
      'a',
      '0',
      '${dt}',
      ')',
      'LOCATION "s3://other/" --',
    ];
    const samples = [
      // The issue's location: with quotes doubled, Hive read \' as a quote and the literal ended one quote early.
      'x\\\' LOCATION "s3://other/" --',
      ...Array.from({ length: 400 }, () => Array.from({ length: 1 + random.int(8) }, () => random.pick(alphabet)).join('')),
    ];

    /** The statement's tokens as Hive's lexer reads them, strings unescaped as Hive's unescapeSQLString does. */
    const hiveTokens = (sql: string) => {
      const tokens: { kind: 'string' | 'word' | 'name' | 'punct'; text: string }[] = [];
      let i = 0;
      while (i < sql.length) {
        const c = sql[i]!;
        if (/\s/.test(c)) i++;
        else if (sql.startsWith('--', i)) i = sql.includes('\n', i) ? sql.indexOf('\n', i) + 1 : sql.length;
        else if (c === "'" || c === '"') {
          // StringLiteral: ( '\'' (~('\''|'\\') | ('\\' .))* '\'' | the same with " )+ — adjacent literals are one token.
          let raw = '';
          while (sql[i] === "'" || sql[i] === '"') {
            const quote = sql[i]!;
            let j = i + 1;
            while (j < sql.length && sql[j] !== quote) j += sql[j] === '\\' ? 2 : 1;
            if (j >= sql.length) throw new Error(`unterminated string at ${i}: ${sql.slice(i)}`);
            raw += sql.slice(i, j + 1);
            i = j + 1;
          }
          tokens.push({ kind: 'string', text: unescapeHive(raw) });
        } else if (c === '`') {
          const end = sql.indexOf('`', i + 1);
          tokens.push({ kind: 'name', text: sql.slice(i + 1, end) });
          i = end + 1;
        } else if (/[A-Za-z0-9_$.{}]/.test(c)) {
          const word = /^[A-Za-z0-9_$.{}]+/.exec(sql.slice(i))![0];
          tokens.push({ kind: 'word', text: word.toUpperCase() });
          i += word.length;
        } else {
          tokens.push({ kind: 'punct', text: c });
          i++;
        }
      }
      return tokens;
    };
    /** Hive's BaseSemanticAnalyzer.unescapeSQLString, over one token of adjacent literals. */
    const unescapeHive = (b: string): string => {
      let enclosure: string | undefined;
      let out = '';
      for (let i = 0; i < b.length; i++) {
        const c = b[i]!;
        if (enclosure === undefined) {
          if (c === "'" || c === '"') enclosure = c;
          continue;
        }
        if (c === enclosure) {
          enclosure = undefined;
          continue;
        }
        if (c === '\\' && i + 6 < b.length && b[i + 1] === 'u') {
          out += String.fromCharCode(parseInt(b.slice(i + 2, i + 6), 16));
          i += 5;
          continue;
        }
        if (c === '\\' && i + 4 < b.length && /[01]/.test(b[i + 1]!) && /[0-7]/.test(b[i + 2]!) && /[0-7]/.test(b[i + 3]!)) {
          out += String.fromCharCode(parseInt(b.slice(i + 1, i + 4), 8));
          i += 3;
          continue;
        }
        if (c === '\\' && i + 2 < b.length) {
          const n = b[i + 1]!;
          const escapes: Record<string, string> = {
            '0': '\0',
            "'": "'",
            '"': '"',
            b: '\b',
            n: '\n',
            r: '\r',
            t: '\t',
            Z: '\u001a',
            '\\': '\\',
            '%': '\\%',
            _: '\\_',
          };
          out += escapes[n] ?? n;
          i++;
        } else out += c;
      }
      return out;
    };
    const shape = (tokens: ReturnType<typeof hiveTokens>) => tokens.map((t) => (t.kind === 'string' ? 'STRING' : t.text));

    it('renders any value in a Hive DDL statement as one literal that reads back unchanged, and splits where the template does', async () => {
      const reference = splitStatements(renderTemplate(template, { location: 's3://bkt/x', note: 'x' }));
      const expectedShape = shape(hiveTokens(reference[1]!));
      for (const value of samples) {
        const location = `s3://bkt/${value}`;
        const statements = splitStatements(renderTemplate(template, { location, note: value }));
        assert.equal(statements.length, 3, `three statements for ${JSON.stringify(value)}`);
        const tokens = hiveTokens(statements[1]!);
        assert.deepEqual(shape(tokens), expectedShape, `nothing breaks out for ${JSON.stringify(value)}`);
        assert.deepEqual(
          tokens.filter((t) => t.kind === 'string').map((t) => t.text),
          ['org.apache.hadoop.hive.serde2.OpenCSVSerde', location.trim(), 'note', value, 'template', `${location.trim()}\${dt}`, 'quoted', value.trim()],
          JSON.stringify(value),
        );
        // The local engine reads the DDL as Hive does.
        const external = classifyStatement(statements[1]!);
        assert.equal(external.kind === 'external' && external.table.location, location.trim(), JSON.stringify(value));
        // The Trino statement after it quotes for Trino (checked by DuckDB, which reads literals as Trino does).
        const reader = await connection.runAndReadAll(statements[2]!);
        assert.deepEqual(reader.getRowObjectsJS()[0], { v: value, w: value.trim() }, JSON.stringify(value));
      }
    });
  });

  describe('line conditions, Hive names and the creates: header', () => {
    const text = `-- name: t
-- creates: table
-- @param table identifier out The output
-- @param format enum(CSV|Parquet) CSV The format
SELECT 1 AS a, -- @when format = CSV
SELECT 2 AS a, -- @when format != CSV
  0 AS b FROM {{table:hive}}`;

    it('keeps a line only when its condition holds, and strips the condition', () => {
      const t = parseTemplate(text, 't');
      assert.equal(t.creates, 'table');
      assert.equal(renderTemplate(t), 'SELECT 1 AS a,\n  0 AS b FROM `out`');
      assert.equal(renderTemplate(t, { format: 'Parquet', table: 'x_1' }), 'SELECT 2 AS a,\n  0 AS b FROM `x_1`');
    });

    it('refuses a condition on an unknown parameter or value, and creates: on a non-identifier', () => {
      assert.throws(() => parseTemplate('-- @param f enum(a|b) a d\nSELECT 1 -- @when f = c', 't'), /"c" is not a value of f/);
      assert.throws(() => parseTemplate('-- @param f string a d\nSELECT 1 -- @when f = a', 't'), /@when needs an enum parameter/);
      assert.throws(() => parseTemplate('-- creates: f\n-- @param f string a d\nSELECT 1', 't'), /must name an identifier parameter/);
    });

    describe('an inventory schema parameter', () => {
      const inventory = `-- name: inv
-- @param format enum(CSV|Parquet) CSV The format
-- @param schema inventory_schema Bucket,Key,VersionId,IsLatest,Size The report's fields
CREATE EXTERNAL TABLE t (
  {{schema:text_columns}}   -- @when format = CSV
  {{schema:typed_columns}}  -- @when format != CSV
);
SELECT
  version_id,               -- @when schema has version_id
  NULL AS version_id,       -- @when schema lacks version_id
  is_latest = 'true',       -- @when format = CSV and schema has is_latest
  is_latest,                -- @when format != CSV and schema has is_latest
  true AS is_latest         -- @when schema lacks is_latest
FROM t`;

      it("declares the report's own columns in its order: all text for CSV, typed for Parquet", () => {
        const t = parseTemplate(inventory, 'inv');
        assert.match(
          renderTemplate(t),
          /CREATE EXTERNAL TABLE t \(\n  `bucket` string,\n  `key` string,\n  `version_id` string,\n  `is_latest` string,\n  `size` string\n\);/,
        );
        const parquet = renderTemplate(t, {
          format: 'Parquet',
          schema:
            'message s3.inventory { required binary bucket (STRING); required binary key (STRING); optional int64 size; optional int64 last_modified_date (TIMESTAMP(MILLIS,true)); }',
        });
        assert.match(parquet, /\(\n  `bucket` string,\n  `key` string,\n  `size` bigint,\n  `last_modified_date` timestamp\n\);/);
      });

      it('keeps a line when the schema has (or lacks) a column, and when every joined condition holds', () => {
        const t = parseTemplate(inventory, 'inv');
        const select = (values: Record<string, string>) => renderTemplate(t, values).split('SELECT')[1]!.replace(/\s+/g, ' ').trim();
        assert.equal(select({}), "version_id, is_latest = 'true', FROM t");
        assert.equal(select({ format: 'Parquet', schema: 'Bucket, Key, VersionId, IsLatest' }), 'version_id, is_latest, FROM t');
        assert.equal(select({ schema: 'Bucket, Key, Size, LastModifiedDate' }), 'NULL AS version_id, true AS is_latest FROM t');
      });

      it("refuses a schema that is not an inventory's, and conditions that cannot hold", () => {
        const t = parseTemplate(inventory, 'inv');
        assert.throws(
          () => renderTemplate(t, { schema: 'Bucket, Size' }),
          (e: unknown) => e instanceof TemplateError && /schema: .*no Key field/.test(e.message),
        );
        assert.throws(() => parseTemplate('-- @param s string a d\nSELECT 1 -- @when s has key', 't'), /needs an inventory_schema parameter/);
        assert.throws(
          () => parseTemplate('-- @param s inventory_schema Bucket,Key d\nSELECT 1 -- @when s has keyy', 't'),
          /"keyy" is not a column of S3 Inventory/,
        );
        assert.throws(
          () => parseTemplate('-- @param s inventory_schema Bucket,Key d\nSELECT 1 -- @when s contains key', 't'),
          /write "-- @when PARAM = VALUE"/,
        );
        const asName = parseTemplate('-- @param s inventory_schema Bucket,Key d\nSELECT {{s:hive}}', 't');
        assert.throws(() => renderTemplate(asName), /renders as text_columns or typed_columns/);
      });
    });

    it('counts as reads, in every built-in template, exactly the operations and statuses core/accessLog/reads.ts names', () => {
      const catalog = TemplateCatalog.load();
      const withReads = catalog.entries.filter(({ template }) => template.parameters.some((p) => p.name === 'operations' && p.description.includes('read')));
      assert.deepEqual(withReads.map((e) => e.template.name).sort(), ['access_by_prefix', 'unused_prefixes']);
      for (const { template } of withReads) {
        const param = (name: string) => template.parameters.find((p) => p.name === name)!.default;
        assert.deepEqual(param('operations')!.split(','), [...READ_OPERATIONS], template.name);
        assert.deepEqual(param('statuses')!.split(',').map(Number), [...READ_STATUSES], template.name);
        assert.deepEqual(param('excluded_requesters')!.split(','), [...SERVICE_REQUESTERS], template.name);
      }
    });

    it('every built-in template parses and renders with sample values', () => {
      const catalog = TemplateCatalog.load();
      assert.equal(catalog.entries.length, 13);
      for (const { template } of catalog.entries) {
        const required = Object.fromEntries(
          template.parameters.filter((p) => p.default === undefined).map((p) => [p.name, p.type.kind === 'date' ? '2026-09-30' : 's3://bucket/prefix/']),
        );
        const sql = renderTemplate(template, required);
        assert.doesNotMatch(sql, /\{\{|@when/, template.name);
      }
    });
  });
});

describe('statements and the local compatibility layer', () => {
  it('splits at semicolons outside strings, quoted names and comments, dropping leading comments', () => {
    assert.deepEqual(splitStatements('-- a; comment\nSELECT \';\' AS "x;y"; /* ; */ SELECT 2;\n-- trailing ;\n'), ['SELECT \';\' AS "x;y"', 'SELECT 2']);
    assert.deepEqual(splitStatements("SELECT 'it''s; fine'"), ["SELECT 'it''s; fine'"]);
    // Each statement's strings in its own dialect: Hive DDL escapes with a backslash, Trino does not.
    assert.deepEqual(splitStatements("CREATE EXTERNAL TABLE t (a string) LOCATION 's3://b/x\\';y'; SELECT 'a\\'; SELECT \"b\\\";c\""), [
      "CREATE EXTERNAL TABLE t (a string) LOCATION 's3://b/x\\';y'",
      "SELECT 'a\\'",
      'SELECT "b\\"',
      'c"',
    ]);
    assert.deepEqual(
      ['CREATE EXTERNAL TABLE t', 'create table t (a int)', 'ALTER TABLE t ADD PARTITION', 'DROP TABLE t', 'MSCK REPAIR TABLE t', '-- x\nSHOW TABLES'].map(
        statementDialect,
      ),
      ['hive', 'hive', 'hive', 'hive', 'hive', 'hive'],
    );
    assert.deepEqual(
      [
        'SELECT 1',
        "CREATE TABLE t WITH (format = 'PARQUET') AS SELECT 1",
        'CREATE TABLE t AS SELECT 1',
        'CREATE OR REPLACE VIEW v AS SELECT 1',
        'DROP VIEW v',
        'SHOW CREATE VIEW v',
      ].map(statementDialect),
      ['trino', 'trino', 'trino', 'trino', 'trino', 'trino'],
    );
  });

  it('reads Athena DDL, CTAS and views the way the local engine runs them', () => {
    const external = classifyStatement(
      "CREATE EXTERNAL TABLE `src` (\n  key string,\n  size bigint, -- note\n  at timestamp\n)\nPARTITIONED BY (dt string)\nROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde'\nLOCATION 's3://b/it\\'s/'",
    );
    assert.deepEqual(external, {
      kind: 'external',
      table: {
        name: 'src',
        columns: [
          { name: 'key', type: 'VARCHAR' },
          { name: 'size', type: 'BIGINT' },
          { name: 'at', type: 'TIMESTAMP' },
        ],
        partitions: [{ name: 'dt', type: 'VARCHAR' }],
        kind: 'csv',
        location: "s3://b/it's/",
      },
    });
    assert.deepEqual(classifyStatement("CREATE TABLE \"t\" WITH (format = 'PARQUET', partitioned_by = ARRAY['dt']) AS SELECT 1"), {
      kind: 'sql',
      sql: 'CREATE OR REPLACE TABLE "t" AS SELECT 1',
    });
    assert.deepEqual(classifyStatement('DROP TABLE IF EXISTS `t`'), { kind: 'drop', name: 't', ifExists: true });
    assert.deepEqual(classifyStatement('CREATE OR REPLACE VIEW "v" AS SELECT * FROM "t"'), { kind: 'view', name: 'v', select: 'SELECT * FROM "t"' });
    assert.throws(
      () => classifyStatement("CREATE EXTERNAL TABLE x (a string) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://b/'"),
      /reads S3 Inventory reports/,
    );
  });
});

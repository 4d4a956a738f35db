// SQL templates: a header that declares each parameter (name, type, default, description) and a
// body with {{name}} placeholders. Values are checked against their type and rendered as Trino
// literals or quoted identifiers, so no parameter can change the statement's structure.

import { parseS3Uri } from '../core/s3uri';
import { parseDay } from '../core/time';
import { stringLiteralIn, statementSpans, type SqlDialect } from './dialect';
import { INVENTORY_FIELD_TYPES, InventorySchemaError, parseInventorySchema, type InventorySchema } from '../core/inventory/schema';

export type ParameterType =
  | { kind: 'identifier' }
  | { kind: 'string' }
  | { kind: 'integer' }
  | { kind: 'date' }
  | { kind: 's3location' }
  | { kind: 'enum'; values: string[] }
  | { kind: 'inventory_schema' };

export interface TemplateParameter {
  name: string;
  type: ParameterType;
  /** The raw default as written in the header; undefined when the parameter is required. */
  default: string | undefined;
  description: string;
}

export interface SqlTemplate {
  name: string;
  description: string;
  parameters: TemplateParameter[];
  body: string;
  /** The identifier parameter naming the table this template creates (`-- creates: table`), if it creates one. */
  creates?: string;
  /** Line of the file where the body starts (0-based), for editor diagnostics. */
  bodyLine: number;
}

/**
 * `… -- @when format = CSV`: the line is kept only when the enum parameter has that value (or not,
 * with `!=`); `… -- @when schema has version_id` (or `lacks`): only when the inventory schema has
 * that column. Conditions join with `and`.
 */
const WHEN_SUFFIX =
  /\s*--\s*@when\s+((?:[A-Za-z_][A-Za-z0-9_]*\s*(?:!?=|\s+has\s+|\s+lacks\s+)\s*\S+)(?:\s+and\s+[A-Za-z_][A-Za-z0-9_]*\s*(?:!?=|\s+has\s+|\s+lacks\s+)\s*\S+)*)\s*$/;
const WHEN_CONDITION = /^([A-Za-z_][A-Za-z0-9_]*)\s*(!=|=|\s+has\s+|\s+lacks\s+)\s*(\S+)$/;

interface WhenCondition {
  parameter: string;
  operator: '=' | '!=' | 'has' | 'lacks';
  value: string;
}

function whenConditions(text: string): WhenCondition[] {
  return text.split(/\s+and\s+/).map((part) => {
    const match = WHEN_CONDITION.exec(part.trim())!;
    return { parameter: match[1]!, operator: match[2]!.trim() as WhenCondition['operator'], value: match[3]! };
  });
}

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

const PARAM_LINE = /^--\s*@param\s+([A-Za-z_][A-Za-z0-9_]*)\s+(identifier|string|integer|date|s3location|inventory_schema|enum\([^)]*\))\s+(\S+)\s*(.*)$/;
/**
 * `{{name}}` renders the value as a literal or quoted identifier; `{{name:inner}}` renders the same
 * checked value escaped for use inside a literal the template writes itself (e.g.
 * `'projection.dt.range' = '{{start:inner}},NOW'`). Literals are written in the dialect of their
 * statement (sql/dialect.ts): in Hive DDL a backslash and either quote are escaped with a backslash,
 * elsewhere (Trino) a quote is doubled and nothing else changes;
 * `{{name:hive}}` renders an identifier in backticks, as Athena's Hive DDL (CREATE EXTERNAL TABLE,
 * DROP TABLE) requires. An inventory schema renders as a DDL column list: `{{schema:text_columns}}`
 * every column a string (for CSV, which OpenCSVSerde reads as text), `{{schema:typed_columns}}` with
 * the report's types (Parquet, ORC).
 */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*(inner|hive|text_columns|typed_columns)\s*)?\}\}/g;

function parseType(text: string): ParameterType {
  const enumMatch = /^enum\(([^)]*)\)$/.exec(text);
  if (enumMatch) {
    const values = enumMatch[1]!
      .split('|')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    if (values.length === 0) throw new TemplateError('an enum parameter needs at least one value: enum(a|b)');
    return { kind: 'enum', values };
  }
  return { kind: text as Exclude<ParameterType['kind'], 'enum'> } as ParameterType;
}

/** An inventory schema parameter's value, read (its errors as the template's). */
export function readInventorySchema(parameter: TemplateParameter, value: string): InventorySchema {
  try {
    return parseInventorySchema(value);
  } catch (error) {
    if (error instanceof InventorySchemaError) throw new TemplateError(`${parameter.name}: ${error.message}`);
    throw error;
  }
}

/** The DDL column list of a schema, one column a line (backtick-quoted names: the Hive DDL's). */
function columnList(schema: InventorySchema, typed: boolean): string {
  return schema.columns.map((c) => `\`${c.column}\` ${typed ? c.hiveType : 'string'}`).join(',\n  ');
}

/**
 * Parses a template file. Header lines (at the top, all starting with `--`):
 * `-- name: unused_prefixes`, `-- description: …`, and per parameter
 * `-- @param NAME TYPE DEFAULT description` where DEFAULT is `required` when there is none and
 * `''` for an empty string.
 */
export function parseTemplate(text: string, fallbackName: string): SqlTemplate {
  const lines = text.split(/\r?\n/);
  let name = fallbackName;
  let description = '';
  let createsParam: string | undefined;
  const parameters: TemplateParameter[] = [];
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line.startsWith('--')) break;
    const param = PARAM_LINE.exec(line);
    if (param) {
      const [, pname, ptype, pdefault, pdescription] = param;
      if (parameters.some((p) => p.name === pname)) throw new TemplateError(`${fallbackName}: parameter "${pname}" is declared twice`);
      const parameter: TemplateParameter = {
        name: pname!,
        type: parseType(ptype!),
        default: pdefault === 'required' ? undefined : pdefault === "''" ? '' : pdefault,
        description: pdescription!.trim(),
      };
      if (parameter.default !== undefined) renderValue(parameter, parameter.default); // a bad default is the template's error
      parameters.push(parameter);
      continue;
    }
    if (/^--\s*@param\b/.test(line))
      throw new TemplateError(
        `${fallbackName}, line ${i + 1}: write a parameter as "-- @param NAME TYPE DEFAULT description" (TYPE: identifier, string, integer, date, s3location, inventory_schema, enum(a|b))`,
      );
    const named = /^--\s*name:\s*(\S+)/.exec(line);
    if (named) name = named[1]!;
    const creates = /^--\s*creates:\s*(\S+)/.exec(line);
    if (creates) createsParam = creates[1]!;
    const described = /^--\s*description:\s*(.+)$/.exec(line);
    if (described) description = described[1]!.trim();
  }
  const body = lines.slice(i).join('\n');
  for (const match of body.matchAll(PLACEHOLDER)) {
    if (!parameters.some((p) => p.name === match[1])) throw new TemplateError(`${name}: {{${match[1]}}} is used but not declared in the header`);
  }
  lines.slice(i).forEach((line, offset) => {
    const where = `${name}, line ${i + offset + 1}`;
    if (!WHEN_SUFFIX.test(line)) {
      if (/--\s*@when\b/.test(line))
        throw new TemplateError(
          `${where}: write "-- @when PARAM = VALUE", "-- @when PARAM != VALUE" or "-- @when SCHEMA has COLUMN" (or lacks), joined with "and"`,
        );
      return;
    }
    for (const condition of whenConditions(WHEN_SUFFIX.exec(line)![1]!)) {
      const parameter = parameters.find((p) => p.name === condition.parameter);
      if (condition.operator === 'has' || condition.operator === 'lacks') {
        if (!parameter || parameter.type.kind !== 'inventory_schema')
          throw new TemplateError(`${where}: @when … ${condition.operator} needs an inventory_schema parameter, and "${condition.parameter}" is not one`);
        if (!Object.values(INVENTORY_FIELD_TYPES).some((f) => f.column === condition.value))
          throw new TemplateError(
            `${where}: "${condition.value}" is not a column of S3 Inventory (bucket, key, version_id, is_latest, size, last_modified_date, …)`,
          );
        continue;
      }
      if (!parameter || parameter.type.kind !== 'enum')
        throw new TemplateError(`${where}: @when needs an enum parameter, and "${condition.parameter}" is not one`);
      if (!parameter.type.values.includes(condition.value))
        throw new TemplateError(`${where}: "${condition.value}" is not a value of ${condition.parameter} (${parameter.type.values.join(', ')})`);
    }
  });
  if (createsParam !== undefined && parameters.find((p) => p.name === createsParam)?.type.kind !== 'identifier') {
    throw new TemplateError(`${name}: "creates: ${createsParam}" must name an identifier parameter`);
  }
  return { name, description, parameters, body, bodyLine: i, ...(createsParam !== undefined ? { creates: createsParam } : {}) };
}

/** A string literal in the dialect of the statement it stands in (Trino's by default: embedded quotes doubled; Hive DDL's: backslash escapes). */
export function stringLiteral(value: string, dialect: SqlDialect = 'trino'): string {
  if (value.includes('\u0000')) throw new TemplateError('a string parameter cannot contain a NUL character');
  return stringLiteralIn(dialect, value);
}

/** A Trino quoted identifier, possibly qualified (`catalog.db.table`): each part checked and quoted. */
export function quotedIdentifier(value: string): string {
  const parts = value.split('.');
  if (parts.length > 3 || parts.some((p) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) {
    throw new TemplateError(`"${value}" is not an identifier: letters, digits and underscores, not starting with a digit, optionally qualified as db.table`);
  }
  return parts.map((p) => `"${p}"`).join('.');
}

/** Checks a value against its parameter's type and renders it as SQL, its literals in the statement's dialect. */
export function renderValue(parameter: TemplateParameter, value: string, dialect: SqlDialect = 'trino'): string {
  const type = parameter.type;
  switch (type.kind) {
    case 'identifier':
      return quotedIdentifier(value);
    case 'string':
      return stringLiteral(value, dialect);
    case 'integer':
      if (!/^-?\d{1,15}$/.test(value.trim())) throw new TemplateError(`${parameter.name} must be a whole number, not "${value}"`);
      return String(Number(value.trim()));
    case 'date':
      try {
        parseDay(value.trim());
      } catch (error) {
        throw new TemplateError(`${parameter.name}: ${(error as Error).message}`);
      }
      return `DATE '${value.trim()}'`;
    case 's3location':
      // The local engine also reads a folder on this machine, named as a file:// URI.
      if (/^file:\/\/\//.test(value.trim())) return stringLiteral(value.trim(), dialect);
      try {
        parseS3Uri(value);
      } catch (error) {
        throw new TemplateError(`${parameter.name}: ${(error as Error).message}`);
      }
      return stringLiteral(value.trim(), dialect);
    case 'enum':
      if (!type.values.includes(value)) throw new TemplateError(`${parameter.name} must be one of ${type.values.join(', ')}, not "${value}"`);
      return stringLiteral(value, dialect);
    case 'inventory_schema':
      readInventorySchema(parameter, value);
      return stringLiteral(value.trim(), dialect);
  }
}

/** Renders the body with the given values (defaults for the rest). Every problem is reported at once. */
export function renderTemplate(template: SqlTemplate, values: Record<string, string> = {}): string {
  const problems: string[] = [];
  for (const name of Object.keys(values)) {
    if (!template.parameters.some((p) => p.name === name))
      problems.push(`${template.name} has no parameter "${name}" (it has ${template.parameters.map((p) => p.name).join(', ') || 'none'})`);
  }
  const rendered = new Map<string, string>();
  for (const parameter of template.parameters) {
    const value = values[parameter.name] ?? parameter.default;
    if (value === undefined) {
      problems.push(`${parameter.name} is required: ${parameter.description}`);
      continue;
    }
    try {
      rendered.set(parameter.name, renderValue(parameter, value));
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0) throw new TemplateError(problems.join('; '));
  const raw = (name: string) => values[name] ?? template.parameters.find((p) => p.name === name)!.default;
  const schemas = new Map<string, InventorySchema>();
  const schemaOf = (name: string) => {
    let schema = schemas.get(name);
    if (!schema) {
      schema = readInventorySchema(
        template.parameters.find((p) => p.name === name)!,
        raw(name)!,
      );
      schemas.set(name, schema);
    }
    return schema;
  };
  const holds = (condition: WhenCondition) => {
    switch (condition.operator) {
      case '=':
        return raw(condition.parameter) === condition.value;
      case '!=':
        return raw(condition.parameter) !== condition.value;
      case 'has':
        return schemaOf(condition.parameter).columns.some((c) => c.column === condition.value);
      case 'lacks':
        return !schemaOf(condition.parameter).columns.some((c) => c.column === condition.value);
    }
  };
  const kept = template.body.split('\n').flatMap((line) => {
    const when = WHEN_SUFFIX.exec(line);
    if (!when) return [line];
    return whenConditions(when[1]!).every(holds) ? [line.slice(0, when.index)] : [];
  });
  const placeholder = (name: string, modifier: string | undefined, dialect: SqlDialect): string => {
    const parameter = template.parameters.find((p) => p.name === name)!;
    if (modifier === undefined) return dialect === 'trino' ? rendered.get(name)! : renderValue(parameter, raw(name)!, dialect);
    if (modifier === 'text_columns' || modifier === 'typed_columns') {
      if (parameter.type.kind !== 'inventory_schema') throw new TemplateError(`${template.name}: {{${name}:${modifier}}} is for inventory_schema parameters`);
      return columnList(schemaOf(name), modifier === 'typed_columns');
    }
    if (parameter.type.kind === 'inventory_schema')
      throw new TemplateError(`${template.name}: {{${name}:${modifier}}} — an inventory schema renders as text_columns or typed_columns`);
    if (modifier === 'hive') {
      if (parameter.type.kind !== 'identifier') throw new TemplateError(`${template.name}: {{${name}:hive}} is for identifier parameters`);
      return rendered.get(name)!.replace(/"/g, '`');
    }
    if (parameter.type.kind === 'identifier')
      throw new TemplateError(`${template.name}: {{${name}:inner}} — an identifier cannot be written inside a string literal`);
    return stringLiteral(raw(name)!.trim(), dialect).slice(1, -1);
  };
  const text = kept.join('\n');
  // Each statement's values are written in its own dialect: Athena reads DDL as Hive, the rest as Trino.
  return statementSpans(text)
    .map((span) =>
      text.slice(span.start, span.end).replace(PLACEHOLDER, (_, name: string, modifier: string | undefined) => placeholder(name, modifier, span.dialect)),
    )
    .join('');
}

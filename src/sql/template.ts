// SQL templates: a header that declares each parameter (name, type, default, description) and a
// body with {{name}} placeholders. Values are checked against their type and rendered as Trino
// literals or quoted identifiers, so no parameter can change the statement's structure.

import { parseS3Uri } from '../core/s3uri';
import { parseDay } from '../core/estate/time';

export type ParameterType =
  | { kind: 'identifier' }
  | { kind: 'string' }
  | { kind: 'integer' }
  | { kind: 'date' }
  | { kind: 's3location' }
  | { kind: 'enum'; values: string[] };

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

/** `… -- @when format = CSV`: the line is kept only when the enum parameter has that value (or not, with `!=`). */
const WHEN_SUFFIX = /\s*--\s*@when\s+([A-Za-z_][A-Za-z0-9_]*)\s*(!?=)\s*(\S+)\s*$/;

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

const PARAM_LINE = /^--\s*@param\s+([A-Za-z_][A-Za-z0-9_]*)\s+(identifier|string|integer|date|s3location|enum\([^)]*\))\s+(\S+)\s*(.*)$/;
/**
 * `{{name}}` renders the value as a literal or quoted identifier; `{{name:inner}}` renders the same
 * checked value escaped for use inside a single-quoted literal the template writes itself (e.g.
 * `'projection.dt.range' = '{{start:inner}},NOW'`), where quotes are doubled and nothing else changes;
 * `{{name:hive}}` renders an identifier in backticks, as Athena's Hive DDL (CREATE EXTERNAL TABLE,
 * DROP TABLE) requires.
 */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*(inner|hive)\s*)?\}\}/g;

function parseType(text: string): ParameterType {
  const enumMatch = /^enum\(([^)]*)\)$/.exec(text);
  if (enumMatch) {
    const values = enumMatch[1]!.split('|').map((v) => v.trim()).filter((v) => v !== '');
    if (values.length === 0) throw new TemplateError('an enum parameter needs at least one value: enum(a|b)');
    return { kind: 'enum', values };
  }
  return { kind: text as Exclude<ParameterType['kind'], 'enum'> } as ParameterType;
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
      const parameter: TemplateParameter = { name: pname!, type: parseType(ptype!), default: pdefault === 'required' ? undefined : pdefault === "''" ? '' : pdefault, description: pdescription!.trim() };
      if (parameter.default !== undefined) renderValue(parameter, parameter.default); // a bad default is the template's error
      parameters.push(parameter);
      continue;
    }
    if (/^--\s*@param\b/.test(line)) throw new TemplateError(`${fallbackName}, line ${i + 1}: write a parameter as "-- @param NAME TYPE DEFAULT description" (TYPE: identifier, string, integer, date, s3location, enum(a|b))`);
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
    const when = WHEN_SUFFIX.exec(line);
    if (!when) return;
    const parameter = parameters.find((p) => p.name === when[1]);
    if (!parameter || parameter.type.kind !== 'enum') throw new TemplateError(`${name}, line ${i + offset + 1}: @when needs an enum parameter, and "${when[1]}" is not one`);
    if (!parameter.type.values.includes(when[3]!)) throw new TemplateError(`${name}, line ${i + offset + 1}: "${when[3]}" is not a value of ${when[1]} (${parameter.type.values.join(', ')})`);
  });
  if (createsParam !== undefined && parameters.find((p) => p.name === createsParam)?.type.kind !== 'identifier') {
    throw new TemplateError(`${name}: "creates: ${createsParam}" must name an identifier parameter`);
  }
  return { name, description, parameters, body, bodyLine: i, ...(createsParam !== undefined ? { creates: createsParam } : {}) };
}

/** A Trino string literal: single quotes, embedded quotes doubled. */
export function stringLiteral(value: string): string {
  if (value.includes('\u0000')) throw new TemplateError('a string parameter cannot contain a NUL character');
  return `'${value.replace(/'/g, "''")}'`;
}

/** A Trino quoted identifier, possibly qualified (`catalog.db.table`): each part checked and quoted. */
export function quotedIdentifier(value: string): string {
  const parts = value.split('.');
  if (parts.length > 3 || parts.some((p) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) {
    throw new TemplateError(`"${value}" is not an identifier: letters, digits and underscores, not starting with a digit, optionally qualified as db.table`);
  }
  return parts.map((p) => `"${p}"`).join('.');
}

/** Checks a value against its parameter's type and renders it as SQL. */
export function renderValue(parameter: TemplateParameter, value: string): string {
  const type = parameter.type;
  switch (type.kind) {
    case 'identifier':
      return quotedIdentifier(value);
    case 'string':
      return stringLiteral(value);
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
      if (/^file:\/\/\//.test(value.trim())) return stringLiteral(value.trim());
      try {
        parseS3Uri(value);
      } catch (error) {
        throw new TemplateError(`${parameter.name}: ${(error as Error).message}`);
      }
      return stringLiteral(value.trim());
    case 'enum':
      if (!type.values.includes(value)) throw new TemplateError(`${parameter.name} must be one of ${type.values.join(', ')}, not "${value}"`);
      return stringLiteral(value);
  }
}

/** Renders the body with the given values (defaults for the rest). Every problem is reported at once. */
export function renderTemplate(template: SqlTemplate, values: Record<string, string> = {}): string {
  const problems: string[] = [];
  for (const name of Object.keys(values)) {
    if (!template.parameters.some((p) => p.name === name)) problems.push(`${template.name} has no parameter "${name}" (it has ${template.parameters.map((p) => p.name).join(', ') || 'none'})`);
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
  const kept = template.body.split('\n').flatMap((line) => {
    const when = WHEN_SUFFIX.exec(line);
    if (!when) return [line];
    const matches = raw(when[1]!) === when[3];
    return matches === (when[2] === '=') ? [line.slice(0, when.index)] : [];
  });
  return kept.join('\n').replace(PLACEHOLDER, (_, name: string, modifier: string | undefined) => {
    if (modifier === undefined) return rendered.get(name)!;
    const parameter = template.parameters.find((p) => p.name === name)!;
    if (modifier === 'hive') {
      if (parameter.type.kind !== 'identifier') throw new TemplateError(`${template.name}: {{${name}:hive}} is for identifier parameters`);
      return rendered.get(name)!.replace(/"/g, '`');
    }
    if (parameter.type.kind === 'identifier') throw new TemplateError(`${template.name}: {{${name}:inner}} — an identifier cannot be written inside a string literal`);
    return stringLiteral(raw(name)!.trim()).slice(1, -1);
  });
}

// A small generated estate shared by the estate tests, and readers that parse it independently of
// the generator (the AWS-documented log regex, a CSV reader for quoted inventory rows).

import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { generateEstate, type GenerateOptions, type GenerateResult } from '../../../src/core/estate/generate';
import { FolderOutput } from '../../../src/core/estate/output';
import { parseDay } from '../../../src/core/time';

/**
 * The regex from the AWS documentation's Athena table for S3 server access logs (RegexSerDe
 * `input.regex`), unescaped from its SQL string literal. 26 groups; anything after them is ignored.
 */
export const AWS_ACCESS_LOG_REGEX = new RegExp(
  '^([^ ]*) ([^ ]*) \\[(.*?)\\] ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ("[^"]*"|-) (-|[0-9]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ("[^"]*"|-) ([^ ]*)(?: ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*))?.*$',
);

export const LOG_COLUMNS = [
  'bucketowner',
  'bucket_name',
  'requestdatetime',
  'remoteip',
  'requester',
  'requestid',
  'operation',
  'key',
  'request_uri',
  'httpstatus',
  'errorcode',
  'bytessent',
  'objectsize',
  'totaltime',
  'turnaroundtime',
  'referrer',
  'useragent',
  'versionid',
  'hostid',
  'sigv',
  'ciphersuite',
  'authtype',
  'endpoint',
  'tlsversion',
  'accesspointarn',
  'aclrequired',
] as const;
export type LogRow = Record<(typeof LOG_COLUMNS)[number], string | undefined> & { line: string; file: string };

export function smallEstateOptions(overrides: Partial<GenerateOptions> = {}): GenerateOptions {
  return {
    objects: 4000,
    seed: 7,
    asOfDay: parseDay('2026-03-31'),
    days: 14,
    bucket: 'test-estate',
    inventoryBucket: 'test-estate-inventory',
    logsBucket: 'test-estate-logs',
    logLayout: 'partitioned',
    region: 'us-east-1',
    rowsPerInventoryFile: 1500,
    ...overrides,
  };
}

export async function generateInto(options: GenerateOptions): Promise<{ dir: string; result: GenerateResult }> {
  const dir = mkdtempSync(join(tmpdir(), 's3ls-estate-'));
  const result = await generateEstate(options, new FolderOutput(dir));
  return { dir, result };
}

export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(relative(dir, full).split(sep).join('/'));
    }
  };
  walk(dir);
  return out;
}

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export function readLogRows(dir: string): LogRow[] {
  const rows: LogRow[] = [];
  for (const file of listFiles(dir).filter((f) => f.startsWith('logs/'))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (line === '') continue;
      const match = AWS_ACCESS_LOG_REGEX.exec(line);
      if (!match) throw new Error(`${file}: line does not match the AWS regex: ${line}`);
      const row = { line, file } as LogRow;
      LOG_COLUMNS.forEach((column, i) => (row[column] = match[i + 1]));
      rows.push(row);
    }
  }
  return rows;
}

/** Parses one CSV line whose every field is double-quoted (S3 Inventory's CSV). */
export function parseQuotedCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] !== '"') throw new Error(`unquoted field at ${i}: ${line}`);
    let value = '';
    i++;
    for (;;) {
      if (i >= line.length) throw new Error(`unterminated field: ${line}`);
      if (line[i] === '"') {
        if (line[i + 1] === '"') {
          value += '"';
          i += 2;
          continue;
        }
        i++;
        break;
      }
      value += line[i++];
    }
    fields.push(value);
    if (i < line.length) {
      if (line[i] !== ',') throw new Error(`expected a comma at ${i}: ${line}`);
      i++;
    }
  }
  return fields;
}

export function readInventoryCsv(dir: string, manifest: { files: { key: string }[] }): string[][] {
  return manifest.files.flatMap((f) =>
    gunzipSync(readFileSync(join(dir, f.key)))
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map(parseQuotedCsvLine),
  );
}

/** `[06/Feb/2019:00:00:38 +0000]` contents → epoch ms. */
export function parseLogTime(text: string): number {
  const m = /^(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) \+0000$/.exec(text);
  if (!m) throw new Error(`bad log time ${text}`);
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].indexOf(m[2]!);
  return Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
}

// A streaming parser of S3 server access logs. Each chunk is decoded once; fields are found with
// String.indexOf and cut with substring (sharing the chunk's memory), numbers and the time are
// read straight from the character codes.
// Written here rather than taken from a library: throughput is a measured requirement (npm run
// bench compares it with a per-line regex), and tolerance rules are the product's own — extra
// trailing fields are ignored, and a malformed line is counted and reported, never fatal.

import { isAscii } from 'node:buffer';
import { decodeKey } from '../s3keys';

/** One record, with the AWS field names; `-` becomes null and numbers are numbers. */
export interface ParsedAccessLogRecord {
  bucket_owner: string | null;
  bucket: string | null;
  /** Epoch milliseconds (UTC). */
  time: number;
  remote_ip: string | null;
  requester: string | null;
  request_id: string | null;
  operation: string | null;
  /** URL-decoded; the raw text when it is not valid URL-encoding. */
  key: string | null;
  request_uri: string | null;
  http_status: number | null;
  error_code: string | null;
  bytes_sent: number | null;
  object_size: number | null;
  total_time: number | null;
  turn_around_time: number | null;
  referrer: string | null;
  user_agent: string | null;
  version_id: string | null;
  host_id: string | null;
  signature_version: string | null;
  cipher_suite: string | null;
  authentication_type: string | null;
  host_header: string | null;
  tls_version: string | null;
  access_point_arn: string | null;
  acl_required: string | null;
  source_region: string | null;
}

export interface MalformedLine {
  line: number;
  reason: string;
  /** The start of the line, for the report. */
  text: string;
}

const SPACE = 0x20;
const QUOTE = 0x22;
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const DASH = 0x2d;

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

class Malformed extends Error {}

const DAY_CACHE = new Map<string, number>();

/**
 * Reads one line's fields in order; each reader leaves `pos` at the start of the next field.
 * Works on the decoded text of a whole chunk: String.indexOf is native and substring shares the
 * chunk's memory, so a field costs no copy until it is used.
 */
class LineReader {
  pos: number;
  constructor(
    private readonly text: string,
    start: number,
    private readonly end: number,
  ) {
    this.pos = start;
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  private tokenEnd(name: string): number {
    if (this.pos >= this.end) throw new Malformed(`the line ends before the ${name} field`);
    let stop = this.text.indexOf(' ', this.pos);
    if (stop < 0 || stop > this.end) stop = this.end;
    return stop;
  }

  str(name: string): string | null {
    const s = this.pos;
    const e = this.tokenEnd(name);
    this.pos = e + 1;
    if (e - s === 1 && this.text.charCodeAt(s) === DASH) return null;
    return this.text.substring(s, e);
  }

  /** A field that may be absent at the end of the line (older logs have fewer fields). */
  optionalStr(name: string): string | null {
    return this.atEnd ? null : this.str(name);
  }

  number(name: string): number | null {
    const s = this.pos;
    const e = this.tokenEnd(name);
    this.pos = e + 1;
    if (e - s === 1 && this.text.charCodeAt(s) === DASH) return null;
    if (e === s) throw new Malformed(`the ${name} field is empty`);
    let value = 0;
    for (let i = s; i < e; i++) {
      const digit = this.text.charCodeAt(i) - 0x30;
      if (digit < 0 || digit > 9) throw new Malformed(`the ${name} field is not a number`);
      value = value * 10 + digit;
    }
    return value;
  }

  /** `"…"` (no quotes inside, as S3 writes them) or `-`. */
  quoted(name: string): string | null {
    if (this.pos >= this.end) throw new Malformed(`the line ends before the ${name} field`);
    const first = this.text.charCodeAt(this.pos);
    if (first === DASH) {
      this.pos = this.tokenEnd(name) + 1;
      return null;
    }
    if (first !== QUOTE) throw new Malformed(`the ${name} field is not quoted`);
    const close = this.text.indexOf('"', this.pos + 1);
    if (close < 0 || close >= this.end) throw new Malformed(`the ${name} field has no closing quote`);
    const value = this.text.substring(this.pos + 1, close);
    this.pos = close + 1;
    if (this.pos < this.end && this.text.charCodeAt(this.pos) !== SPACE) throw new Malformed(`the ${name} field runs on after its closing quote`);
    this.pos++;
    return value === '-' ? null : value;
  }

  /** `[06/Feb/2019:00:00:38 +0000]` → epoch ms. */
  time(): number {
    const t = this.text;
    const s = this.pos;
    if (t.charCodeAt(s) !== OPEN_BRACKET) throw new Malformed('the time field does not start with [');
    if (s + 27 >= this.end || t.charCodeAt(s + 27) !== CLOSE_BRACKET) throw new Malformed('the time field is not [dd/Mon/yyyy:HH:mm:ss +zzzz]');
    const two = (i: number) => (t.charCodeAt(i) - 0x30) * 10 + (t.charCodeAt(i + 1) - 0x30);
    // Lines of a file share their date: the day is parsed once and remembered.
    const date = t.substring(s + 1, s + 12);
    let dayMs = DAY_CACHE.get(date);
    if (dayMs === undefined) {
      const day = two(s + 1);
      const month = MONTHS[t.substring(s + 4, s + 7)];
      const year = two(s + 8) * 100 + two(s + 10);
      if (month === undefined || !(day >= 1 && day <= 31 && year >= 1970) || t.charCodeAt(s + 3) !== 0x2f || t.charCodeAt(s + 7) !== 0x2f) throw new Malformed('the time field is not a valid time');
      dayMs = Date.UTC(year, month, day);
      if (DAY_CACHE.size > 10_000) DAY_CACHE.clear();
      DAY_CACHE.set(date, dayMs);
    }
    const hour = two(s + 13);
    const minute = two(s + 16);
    const second = two(s + 19);
    const sign = t.charCodeAt(s + 22) === DASH ? -1 : 1;
    const offset = sign * (two(s + 23) * 60 + two(s + 25));
    if (!(hour >= 0 && hour < 24 && minute >= 0 && minute < 60 && second >= 0 && second < 61) || Number.isNaN(offset)) throw new Malformed('the time field is not a valid time');
    this.pos = s + 29;
    return dayMs + ((hour * 60 + minute) * 60 + second) * 1000 - offset * 60_000;
  }
}

function decodeKeyField(raw: string | null): string | null {
  if (raw === null) return null;
  if (raw.indexOf('%') < 0 && raw.indexOf('+') < 0) return raw;
  try {
    return decodeKey(raw);
  } catch {
    return raw;
  }
}

/** Parses one line (without its newline). Throws `Malformed` with a reason. */
function parseLine(text: string, start: number, end: number): ParsedAccessLogRecord {
  const r = new LineReader(text, start, end);
  const bucket_owner = r.str('bucket owner');
  const bucket = r.str('bucket');
  const time = r.time();
  const record: ParsedAccessLogRecord = {
    bucket_owner,
    bucket,
    time,
    remote_ip: r.str('remote IP'),
    requester: r.str('requester'),
    request_id: r.str('request ID'),
    operation: r.str('operation'),
    key: decodeKeyField(r.str('key')),
    request_uri: r.quoted('request-URI'),
    http_status: r.number('HTTP status'),
    error_code: r.str('error code'),
    bytes_sent: r.number('bytes sent'),
    object_size: r.number('object size'),
    total_time: r.number('total time'),
    turn_around_time: r.number('turn-around time'),
    referrer: r.quoted('referrer'),
    user_agent: r.quoted('user-agent'),
    version_id: r.optionalStr('version ID'),
    host_id: r.optionalStr('host ID'),
    signature_version: r.optionalStr('signature version'),
    cipher_suite: r.optionalStr('cipher suite'),
    authentication_type: r.optionalStr('authentication type'),
    host_header: r.optionalStr('host header'),
    tls_version: r.optionalStr('TLS version'),
    access_point_arn: r.optionalStr('access point ARN'),
    acl_required: r.optionalStr('ACL required'),
    source_region: r.optionalStr('source region'),
  };
  // Anything after the known fields is a newer field S3 added: ignored.
  return record;
}

/**
 * Feeds chunks of a log file (any boundaries) and calls back per record and per malformed line.
 * Lines are numbered from 1; `\r\n` endings and a missing final newline are fine.
 */
export class AccessLogParser {
  private carry: Buffer | undefined;
  private lineNumber = 0;
  records = 0;
  malformed = 0;

  constructor(
    private readonly onRecord: (record: ParsedAccessLogRecord, line: number) => void,
    private readonly onMalformed: (problem: MalformedLine) => void,
  ) {}

  push(chunk: Buffer): void {
    const buf = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = undefined;
    // Decode up to the last newline: a chunk may end inside a multi-byte character, a line may not.
    const last = buf.lastIndexOf(NEWLINE);
    if (last < 0) {
      this.carry = Buffer.from(buf);
      return;
    }
    // Logs are mostly ASCII: then latin1 decoding (a plain copy) gives the same text, much faster.
    const head = buf.subarray(0, last + 1);
    this.lines(isAscii(head) ? head.toString('latin1') : head.toString('utf8'));
    if (last + 1 < buf.length) this.carry = Buffer.from(buf.subarray(last + 1));
  }

  end(): void {
    if (this.carry && this.carry.length > 0) this.lines(this.carry.toString('utf8'));
    this.carry = undefined;
  }

  private lines(text: string): void {
    let start = 0;
    while (start < text.length) {
      let newline = text.indexOf('\n', start);
      if (newline < 0) newline = text.length;
      this.line(text, start, newline);
      start = newline + 1;
    }
  }

  private line(text: string, start: number, end: number): void {
    this.lineNumber++;
    if (end > start && text.charCodeAt(end - 1) === RETURN) end--;
    if (end === start) return; // blank lines are not records, nor errors
    try {
      this.onRecord(parseLine(text, start, end), this.lineNumber);
      this.records++;
    } catch (error) {
      if (!(error instanceof Malformed)) throw error;
      this.malformed++;
      this.onMalformed({ line: this.lineNumber, reason: error.message, text: text.substring(start, Math.min(end, start + 120)) });
    }
  }
}

/** Parses a whole text (tests, small inputs). */
export function parseAccessLogText(text: string | Buffer): { records: ParsedAccessLogRecord[]; malformed: MalformedLine[] } {
  const records: ParsedAccessLogRecord[] = [];
  const malformed: MalformedLine[] = [];
  const parser = new AccessLogParser((r) => records.push(r), (m) => malformed.push(m));
  parser.push(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
  parser.end();
  return { records, malformed };
}

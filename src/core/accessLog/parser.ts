// A streaming parser of S3 server access logs.
// Written here rather than taken from a library: throughput is a measured requirement (npm run
// bench compares it with a per-line regex), and tolerance rules are the product's own — extra
// trailing fields are ignored, and a malformed line is counted and reported, never fatal.
//
// How it is fast:
// - Lines of ASCII blocks are scanned in WebAssembly with SIMD searches (wasm/accessLogScanner.ts):
//   finding the fields' boundaries was two thirds of the time in JavaScript. The JavaScript scanner
//   below is the reference: it scans non-ASCII blocks, and says why a line is malformed.
// - Chunks are decoded in line-aligned blocks of at most 64 KiB: strings that small are allocated
//   in V8's young generation, several times faster than one large string per chunk. ASCII blocks
//   (the usual case) are decoded as latin1, a plain copy, and their bytes serve as the character
//   codes (typed-array reads are much cheaper than String.charCodeAt).
// - A line is first *scanned*: String.indexOf (native) finds each field's boundaries, which go into
//   an Int32Array; numbers and the time are read from the character codes and checked there, and
//   `-` is recognised without a search. Which lines are malformed depends only on the fields up to
//   the user agent, which are always scanned, so it does not depend on the fields asked for.
// - Only then are the wanted fields *materialised* (substring shares the block's memory; keys are
//   URL-decoded without decodeURIComponent when every escape is ASCII). With the `fields` option a
//   consumer that needs a few fields (the SQL engine) gets records of just those, and the optional
//   trailing fields after the last of them are not scanned.

import { isAscii, isUtf8 } from 'node:buffer';
import { errorMessage, type Logger } from '../log';
import { BLANK, DEFER, FIELD_COUNT, LINE_BOUNDS, LINE_END, LINE_INTS, LINE_KEY_ESCAPES, LINE_START, LINE_STATUS, NUMBER_ROW, VALID } from './scannerLayout';
import { ACCESS_LOG_SCANNER_WASM } from './scannerWasm';

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

export type AccessLogField = keyof ParsedAccessLogRecord;

/** Every field, in the order of the log line (and of a record's keys). */
export const ACCESS_LOG_FIELDS: readonly AccessLogField[] = [
  'bucket_owner',
  'bucket',
  'time',
  'remote_ip',
  'requester',
  'request_id',
  'operation',
  'key',
  'request_uri',
  'http_status',
  'error_code',
  'bytes_sent',
  'object_size',
  'total_time',
  'turn_around_time',
  'referrer',
  'user_agent',
  'version_id',
  'host_id',
  'signature_version',
  'cipher_suite',
  'authentication_type',
  'host_header',
  'tls_version',
  'access_point_arn',
  'acl_required',
  'source_region',
];

export interface AccessLogParserOptions<F extends AccessLogField = AccessLogField> {
  /**
   * Only these fields are put in each record (its keys follow the log's field order, whatever the
   * order here). Lines are accepted or reported as malformed exactly as without the option.
   * Default: every field.
   */
  fields?: readonly F[];
  /**
   * When set, each valid line goes here as scanned instead of becoming a record (onRecord is not
   * called): for a consumer that copies the fields' characters itself, such as the local engine's
   * loader. Every field is scanned; `fields` does not apply.
   */
  onScannedLine?: (line: ScannedAccessLogLine) => void;
  /**
   * Which line scanner to use: `wasm` (the default; the JavaScript one where WebAssembly is not
   * available) or `js`, the reference both are tested against.
   */
  scanner?: 'wasm' | 'js';
  /** Called for each request line whose key is not the object its request URI names (see KeyUriDisagreement). */
  onKeyUriDisagreement?: (disagreement: KeyUriDisagreement) => void;
}

/**
 * A request line whose key field, decoded as S3 encodes it for the operation, is not the object its
 * request URI names: a key field not encoded the way S3 does (a hand-made or rewritten log), or a
 * request S3 read otherwise. The line still counts for the key its field gives.
 */
export interface KeyUriDisagreement {
  line: number;
  /** The key as decoded. */
  key: string;
  /** The key field as written. */
  field: string;
  requestUri: string;
}

/**
 * A valid line as the scanner left it: where each field is in the line's block, with the same
 * values a record would get. One object is reused for every line: read it inside the callback.
 */
export interface ScannedAccessLogLine {
  /** The block of lines this line is in. */
  readonly text: string;
  /** The block's character codes: its bytes when the block is ASCII (a Uint8Array), else UTF-16 code units. */
  readonly codes: Uint8Array | Uint16Array;
  /** The line is `text[start, end)`, without its line ending. */
  readonly start: number;
  readonly end: number;
  /**
   * Field i (in ACCESS_LOG_FIELDS order) is `text[bounds[b + 2i], bounds[b + 2i + 1])`, b being
   * `boundsAt`; `bounds[b + 2i]` is -1 when the field is null (`-`, or absent from an older log).
   * The time field has no bounds.
   */
  readonly bounds: Int32Array;
  readonly boundsAt: number;
  /** The value of the time field (epoch ms, UTC) and of each non-null number field, at `numbersAt` + its index. */
  readonly numbers: Float64Array;
  readonly numbersAt: number;
  /** The line's number in the file, from 1. */
  readonly line: number;
  /** The key as a record has it (URL-decoded as often as S3 encoded it for the operation; see `key()` in parser.ts for what happens when that fails). */
  key(): string | null;
  /** Whether every decoding pass of the key succeeds (a key with no escape: true). */
  keyDecodes(): boolean;
}

export interface MalformedLine {
  line: number;
  reason: string;
  /** The start of the line, for the report. */
  text: string;
  /**
   * The line's bucket and key, when the fields up to the key could still be read in their places
   * (only later fields are broken): a malformed line that may be a read of that key.
   */
  bucket?: string | null;
  key?: string;
}

const SPACE = 0x20;
const QUOTE = 0x22;
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const DASH = 0x2d;
const SLASH = 0x2f;
const COLON = 0x3a;
const PLUS = 0x2b;
const PERCENT = 0x25;

/** Decoded blocks stay under V8's large-object threshold (128 KiB), see the header. */
const BLOCK_BYTES = 64 * 1024;

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

const DAY_CACHE = new Map<string, number>();

// Field indexes (positions in the line).
const F_BUCKET_OWNER = 0;
const F_BUCKET = 1;
const F_TIME = 2;
const F_REMOTE_IP = 3;
const F_OPERATION = 6;
const F_KEY = 7;
const F_REQUEST_URI = 8;
const F_HTTP_STATUS = 9;
const F_ERROR_CODE = 10;
const F_BYTES_SENT = 11;
const F_OBJECT_SIZE = 12;
const F_TOTAL_TIME = 13;
const F_TURN_AROUND_TIME = 14;
const F_REFERRER = 15;
const F_USER_AGENT = 16;
const F_HOST_ID = 18;
/** Fields up to here are always present, and are always scanned: they decide whether a line is malformed. */
const REQUIRED_FIELDS = F_USER_AGENT + 1;

/** What each reader calls its field in a malformed-line reason. */
const NAMES = [
  'bucket owner',
  'bucket',
  'time',
  'remote IP',
  'requester',
  'request ID',
  'operation',
  'key',
  'request-URI',
  'HTTP status',
  'error code',
  'bytes sent',
  'object size',
  'total time',
  'turn-around time',
  'referrer',
  'user-agent',
  'version ID',
  'host ID',
  'signature version',
  'cipher suite',
  'authentication type',
  'host header',
  'TLS version',
  'access point ARN',
  'ACL required',
  'source region',
];

/** A block's character codes, indexed like its text: its bytes when it is ASCII. */
type Codes = Uint8Array | Uint16Array;

/**
 * The scanner's output for one line: `bounds[2i]`, `bounds[2i + 1]` are field i's start and end in
 * the block's text, start -1 for null; `numbers[i]` holds the value of a number field and the time.
 */
class Scan {
  readonly bounds = new Int32Array(FIELD_COUNT * 2);
  readonly numbers = new Float64Array(FIELD_COUNT);
  /** The previous line's date `dd/Mon/yyyy` as character codes, and its midnight UTC in epoch ms: the lines of a file share it. */
  private readonly lastDate = new Int32Array(11).fill(-1);
  private lastDayMs = 0;
  /** Where the last line's request-URI field starts; -1 when the scan did not get that far. */
  private requestUriAt = -1;
  /** Where the last line's field after the time starts. */
  private afterTimeAt = 0;

  /**
   * Finds the boundaries of fields 0 … `count - 1` of `text[start, end)` and checks them.
   * Returns null, or why the line is malformed. Straight-line code, one step per field: the
   * fields' kinds are fixed, and `-` (common in some fields) is recognised without a search.
   */
  line(t: string, c: Codes, start: number, end: number, count: number): string | null {
    const b = this.bounds;
    const n = this.numbers;
    let pos = start;
    this.requestUriAt = -1;
    if (pos >= end) return endsBefore(F_BUCKET_OWNER);
    pos = token(t, c, pos, end, b, F_BUCKET_OWNER) + 1;
    if (pos >= end) return endsBefore(F_BUCKET);
    pos = token(t, c, pos, end, b, F_BUCKET) + 1;
    if (pos >= end || c[pos]! !== OPEN_BRACKET) return 'the time field does not start with [';
    if (pos + 27 >= end || c[pos + 27]! !== CLOSE_BRACKET) return 'the time field is not [dd/Mon/yyyy:HH:mm:ss +zzzz]';
    const last = this.lastDate;
    let k = 0;
    while (k < 11 && c[pos + 1 + k]! === last[k]) k++;
    if (k < 11) {
      const day = this.day(t, c, pos);
      if (day < 0) return 'the time field has no such date';
      for (k = 0; k < 11; k++) last[k] = c[pos + 1 + k]!;
      this.lastDayMs = day;
    }
    const dayMs = this.lastDayMs;
    // The time of day, `HH:mm:ss +zzzz]` after `[dd/Mon/yyyy:`: every digit a digit, every separator in its place.
    const hour = two(c, pos + 13);
    const minute = two(c, pos + 16);
    const second = two(c, pos + 19);
    const sign = c[pos + 22]!;
    const offsetHours = two(c, pos + 23);
    const offsetMinutes = two(c, pos + 25);
    if (c[pos + 12]! !== COLON || c[pos + 15]! !== COLON || c[pos + 18]! !== COLON || c[pos + 21]! !== SPACE || (sign !== PLUS && sign !== DASH))
      return 'the time field is not [dd/Mon/yyyy:HH:mm:ss +zzzz]';
    if (!(hour >= 0 && hour < 24 && minute >= 0 && minute < 60 && second >= 0 && second < 61)) return 'the time field has no such time of day';
    if (!(offsetHours >= 0 && offsetHours < 24 && offsetMinutes >= 0 && offsetMinutes < 60)) return 'the time field has no such time zone offset';
    const offset = (sign === DASH ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
    n[F_TIME] = dayMs + ((hour * 60 + minute) * 60 + second) * 1000 - offset * 60_000;
    pos += 29;
    this.afterTimeAt = pos;
    for (let i = F_REMOTE_IP; i <= F_KEY; i++) {
      if (pos >= end) return endsBefore(i);
      pos = token(t, c, pos, end, b, i) + 1;
    }
    this.requestUriAt = pos;
    pos = quoted(t, c, pos, end, b, F_REQUEST_URI);
    if (pos < 0) return quotedProblem(pos, F_REQUEST_URI);
    pos = number(c, pos, end, b, n, F_HTTP_STATUS);
    if (pos < 0) return numberProblem(pos, F_HTTP_STATUS);
    if (pos >= end) return endsBefore(F_ERROR_CODE);
    pos = token(t, c, pos, end, b, F_ERROR_CODE) + 1;
    for (let i = F_BYTES_SENT; i <= F_TURN_AROUND_TIME; i++) {
      pos = number(c, pos, end, b, n, i);
      if (pos < 0) return numberProblem(pos, i);
    }
    pos = quoted(t, c, pos, end, b, F_REFERRER);
    if (pos < 0) return quotedProblem(pos, F_REFERRER);
    pos = quoted(t, c, pos, end, b, F_USER_AGENT);
    if (pos < 0) return quotedProblem(pos, F_USER_AGENT);
    this.trailingFields(t, c, pos, end, count);
    return null;
  }

  /** The fields after the user agent, from `pos`. Older logs end earlier: the missing fields are null. */
  private trailingFields(t: string, c: Codes, pos: number, end: number, count: number): void {
    const b = this.bounds;
    for (let i = REQUIRED_FIELDS; i < count; i++) {
      if (pos >= end) {
        b[2 * i] = -1;
        continue;
      }
      pos = token(t, c, pos, end, b, i) + 1;
      // Some real lines have a host ID of two tokens ("AIDA… LzYG…=", NCBI's production logs): the
      // token where the signature version belongs is then not one, and the next token is.
      if (i === F_HOST_ID && b[2 * F_HOST_ID]! >= 0 && pos < end && !isSignatureVersion(t, c, pos, end)) {
        const next = t.indexOf(' ', pos);
        if (next > 0 && next + 1 < end && isSignatureVersion(t, c, next + 1, end)) {
          b[2 * F_HOST_ID + 1] = next;
          pos = next + 1;
        }
      }
    }
  }

  /**
   * Whether the last line's fields up to the key were read in their places: no empty field before
   * it (which shifts the others), no second record's time, an operation where the operation goes,
   * and a key. The line failed later (a cut line, a broken quoted field): its key is still known.
   */
  keyInPlace(t: string): boolean {
    const b = this.bounds;
    const at = this.requestUriAt;
    if (at < 0 || b[2 * F_KEY]! < 0) return false;
    for (let i = 0; i <= F_KEY; i++) {
      if (i !== F_TIME && b[2 * i]! >= 0 && b[2 * i]! === b[2 * i + 1]!) return false;
    }
    const op = b[2 * F_OPERATION]!;
    if (op < 0 || !OPERATION.test(t.substring(op, b[2 * F_OPERATION + 1]))) return false;
    const lineEnd = t.indexOf('\n', at);
    return !FUSED_RECORD.test(t.substring(this.afterTimeAt, lineEnd < 0 ? t.length : lineEnd));
  }

  /**
   * A line the strict scan refused because a quoted field holds a `"` (a scanner's payload in the
   * request URI and referrer, JSON in a user agent, `filename="…"` in a presigned URL: real lines
   * AWS wrote). The fields around the quoted ones have fixed shapes, so they say where each ends:
   * the request URI at the quote followed by a status, an error code and four numbers; the
   * referrer at the quote followed by the user agent's opening quote (or `-`); the user agent at
   * the line's last quote, since no field after it is quoted. Null when that reads the line, else
   * why it is malformed. Lines truly broken stay refused: an empty field (two spaces in a row, as a
   * redaction leaves), two records fused into one line, a line cut short. Undefined when the
   * strict scan failed before the quoted fields: its reason stands.
   */
  recover(t: string, c: Codes, end: number, count: number): string | null | undefined {
    const b = this.bounds;
    let pos = this.requestUriAt;
    if (pos < 0 || pos >= end) return undefined;
    for (let i = 0; i <= F_KEY; i++) {
      if (i !== F_TIME && b[2 * i]! >= 0 && b[2 * i]! === b[2 * i + 1]!) return `the ${NAMES[i]} field is empty (two spaces in a row)`;
    }
    // The time field is fixed-width: another record's time after it means two records fused into one line.
    if (FUSED_RECORD.test(t.substring(this.afterTimeAt, end))) return "another record's time follows the time field: two records on one line";
    const op = b[2 * F_OPERATION]!;
    if (op < 0 || !OPERATION.test(t.substring(op, b[2 * F_OPERATION + 1])))
      return 'the operation field is not an S3 operation: the fields before it are out of place';
    // The request URI.
    if (c[pos]! === DASH && (pos + 1 === end || c[pos + 1]! === SPACE)) {
      b[2 * F_REQUEST_URI] = -1;
      pos += 2;
    } else {
      if (c[pos]! !== QUOTE) return quotedProblem(NOT_QUOTED, F_REQUEST_URI);
      let close = -1;
      for (let q = t.indexOf('"', pos + 1); q >= 0 && q < end; q = t.indexOf('"', q + 1)) {
        AFTER_REQUEST_URI.lastIndex = q + 1;
        const match = AFTER_REQUEST_URI.exec(t);
        if (match && q + 1 + match[0].length <= end) {
          close = q;
          break;
        }
      }
      if (close < 0) return 'the request-URI field has no closing quote followed by a status, an error code and four numbers';
      setQuoted(b, F_REQUEST_URI, pos, close, c);
      pos = close + 2;
    }
    pos = number(c, pos, end, b, this.numbers, F_HTTP_STATUS);
    if (pos < 0) return numberProblem(pos, F_HTTP_STATUS);
    if (pos >= end) return endsBefore(F_ERROR_CODE);
    pos = token(t, c, pos, end, b, F_ERROR_CODE) + 1;
    for (let i = F_BYTES_SENT; i <= F_TURN_AROUND_TIME; i++) {
      pos = number(c, pos, end, b, this.numbers, i);
      if (pos < 0) return numberProblem(pos, i);
    }
    // The referrer.
    if (pos >= end) return endsBefore(F_REFERRER);
    if (c[pos]! === DASH && (pos + 1 === end || c[pos + 1]! === SPACE)) {
      b[2 * F_REFERRER] = -1;
      pos += 2;
    } else {
      if (c[pos]! !== QUOTE) return quotedProblem(NOT_QUOTED, F_REFERRER);
      let close = -1;
      for (let q = t.indexOf('"', pos + 1); q >= 0 && q + 2 < end; q = t.indexOf('"', q + 1)) {
        if (c[q + 1]! === SPACE && (c[q + 2]! === QUOTE || (c[q + 2]! === DASH && (q + 3 === end || c[q + 3]! === SPACE)))) {
          close = q;
          break;
        }
      }
      if (close < 0) return 'the referrer field has no closing quote followed by the user-agent field';
      setQuoted(b, F_REFERRER, pos, close, c);
      pos = close + 2;
    }
    // The user agent.
    if (pos >= end) return endsBefore(F_USER_AGENT);
    if (c[pos]! === DASH && (pos + 1 === end || c[pos + 1]! === SPACE)) {
      b[2 * F_USER_AGENT] = -1;
      pos += 2;
    } else {
      if (c[pos]! !== QUOTE) return quotedProblem(NOT_QUOTED, F_USER_AGENT);
      const close = t.lastIndexOf('"', end - 1);
      if (close <= pos) return quotedProblem(NO_CLOSING_QUOTE, F_USER_AGENT);
      if (close + 1 < end && c[close + 1]! !== SPACE) return quotedProblem(RUNS_ON, F_USER_AGENT);
      setQuoted(b, F_USER_AGENT, pos, close, c);
      pos = close + 2;
    }
    this.trailingFields(t, c, pos, end, count);
    return null;
  }

  /** The day of `[dd/Mon/yyyy:…` at `s`, as epoch ms of its midnight UTC; -1 when it is not a valid date. */
  private day(t: string, c: Codes, s: number): number {
    const date = t.substring(s + 1, s + 12);
    let dayMs = DAY_CACHE.get(date);
    if (dayMs === undefined) {
      const day = two(c, s + 1);
      const month = MONTHS[t.substring(s + 4, s + 7)];
      const century = two(c, s + 8);
      const yearOfCentury = two(c, s + 10);
      const year = century * 100 + yearOfCentury;
      if (
        month === undefined ||
        century < 0 ||
        yearOfCentury < 0 ||
        !(day >= 1 && day <= daysInMonth(year, month) && year >= 1970) ||
        c[s + 3]! !== SLASH ||
        c[s + 7]! !== SLASH
      )
        return -1;
      dayMs = Date.UTC(year, month, day);
      if (DAY_CACHE.size > 10_000) DAY_CACHE.clear();
      DAY_CACHE.set(date, dayMs);
    }
    return dayMs;
  }
}

/** Two decimal digits at `i` as a number; negative when either is not a digit. */
function two(c: Codes, i: number): number {
  const high = c[i]! - 0x30;
  const low = c[i + 1]! - 0x30;
  return high >= 0 && high <= 9 && low >= 0 && low <= 9 ? high * 10 + low : -1;
}

/** Days in a month (0 for January) of the proleptic Gregorian calendar. */
function daysInMonth(year: number, month: number): number {
  if (month === 1) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 3 || month === 5 || month === 8 || month === 10 ? 30 : 31;
}

function endsBefore(i: number): string {
  return `the line ends before the ${NAMES[i]} field`;
}

/** A field up to the next space (`pos < end`): its bounds in `b`; returns where it ends. */
function token(t: string, c: Codes, pos: number, end: number, b: Int32Array, i: number): number {
  if (c[pos]! === DASH && (pos + 1 === end || c[pos + 1]! === SPACE)) {
    b[2 * i] = -1;
    return pos + 1;
  }
  let e = t.indexOf(' ', pos);
  if (e < 0 || e > end) e = end;
  b[2 * i] = pos;
  b[2 * i + 1] = e;
  return e;
}

const ENDS_BEFORE = -1;
const NOT_QUOTED = -2;
const NO_CLOSING_QUOTE = -3;
const RUNS_ON = -4;
const EMPTY = -5;
const NOT_A_NUMBER = -6;

/** `"…"` (no quotes inside, as S3 writes them) or `-`: its bounds in `b`; returns the next field's start, or a negative problem code. */
function quoted(t: string, c: Codes, pos: number, end: number, b: Int32Array, i: number): number {
  if (pos >= end) return ENDS_BEFORE;
  const first = c[pos]!;
  if (first === DASH) {
    b[2 * i] = -1;
    let e = t.indexOf(' ', pos);
    if (e < 0 || e > end) e = end;
    return e + 1;
  }
  if (first !== QUOTE) return NOT_QUOTED;
  // `"-"` is common (no referrer): no search for it.
  const close = c[pos + 1]! === DASH && c[pos + 2]! === QUOTE ? pos + 2 : t.indexOf('"', pos + 1);
  if (close < 0 || close >= end) return NO_CLOSING_QUOTE;
  if (close - pos === 2 && c[pos + 1]! === DASH) b[2 * i] = -1;
  else {
    b[2 * i] = pos + 1;
    b[2 * i + 1] = close;
  }
  if (close + 1 < end && c[close + 1]! !== SPACE) return RUNS_ON;
  return close + 2;
}

/** Field `i` is the quoted text between `open` and `close` (its quotes): its bounds, or null for `"-"`. */
function setQuoted(b: Int32Array, i: number, open: number, close: number, c: Codes): void {
  if (close - open === 2 && c[open + 1]! === DASH) b[2 * i] = -1;
  else {
    b[2 * i] = open + 1;
    b[2 * i + 1] = close;
  }
}

/** What follows a request URI's closing quote: ` STATUS ERROR-CODE BYTES SIZE TIME TURN-AROUND ` and the referrer's start. */
const AFTER_REQUEST_URI = / (?:\d{3}|-) [^ \n]+ (?:\d+|-) (?:\d+|-) (?:\d+|-) (?:\d+|-) [-"]/y;
/** An operation as S3 names them: REST.GET.OBJECT, S3.EXPIRE.OBJECT, BATCH.DELETE.OBJECT, WEBSITE.GET.OBJECT… */
const OPERATION = /^[A-Z][A-Z0-9]*\.[A-Z0-9_.]+$/;
/** Another record's time inside a field: the sign of two records fused into one line. */
const FUSED_RECORD = /\[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\]/;

/** Whether the token at `pos` is a signature version: `SigV2`, `SigV4` (and later ones), or `-`. */
function isSignatureVersion(t: string, c: Codes, pos: number, end: number): boolean {
  if (c[pos]! === DASH) return pos + 1 === end || c[pos + 1]! === SPACE;
  return t.startsWith('SigV', pos);
}

function quotedProblem(code: number, i: number): string {
  if (code === ENDS_BEFORE) return endsBefore(i);
  if (code === NOT_QUOTED) return `the ${NAMES[i]} field is not quoted`;
  if (code === NO_CLOSING_QUOTE) return `the ${NAMES[i]} field has no closing quote`;
  return `the ${NAMES[i]} field runs on after its closing quote`;
}

/** Digits or `-`, read as they are scanned: the value in `n[i]`; returns the next field's start, or a negative problem code. */
function number(c: Codes, pos: number, end: number, b: Int32Array, n: Float64Array, i: number): number {
  if (pos >= end) return ENDS_BEFORE;
  let k = pos;
  let value = 0;
  for (; k < end; k++) {
    const code = c[k]!;
    if (code === SPACE) break;
    const digit = code - 0x30;
    if (digit < 0 || digit > 9) {
      if (k === pos && code === DASH && (k + 1 === end || c[k + 1] === SPACE)) {
        b[2 * i] = -1;
        return k + 2;
      }
      return NOT_A_NUMBER;
    }
    value = value * 10 + digit;
  }
  if (k === pos) return EMPTY;
  b[2 * i] = pos;
  b[2 * i + 1] = k;
  n[i] = value;
  return k + 1;
}

function numberProblem(code: number, i: number): string {
  if (code === ENDS_BEFORE) return endsBefore(i);
  if (code === EMPTY) return `the ${NAMES[i]} field is empty`;
  return `the ${NAMES[i]} field is not a number`;
}

// The record builders read a line's bounds from `b` at `o` (field i's at o + 2i) and its numbers
// from `n` at `no` (field i's at no + i): rows of the WebAssembly scanner's tables, or the Scan.

function str(t: string, b: Int32Array, at: number): string | null {
  const s = b[at]!;
  return s < 0 ? null : t.substring(s, b[at + 1]);
}

function num(b: Int32Array, at: number, n: Float64Array, nat: number): number | null {
  return b[at]! < 0 ? null : n[nat]!;
}

/**
 * How many times S3 encoded the key field of the line whose operation field starts at `op`: twice
 * for `REST.*` and `WEBSITE.*` requests, once for S3's own work and BATCH.DELETE.OBJECT (the rule
 * of s3keys.ts logKeyEncodings, read from the characters without making the operation a string).
 */
function keyPasses(t: string, b: Int32Array, o: number): 1 | 2 {
  const op = b[o + 2 * F_OPERATION]!;
  if (op < 0) return 1;
  return t.startsWith('REST.', op) || t.startsWith('WEBSITE.', op) ? 2 : 1;
}

/**
 * The key field decoded `passes` times (`+` is a space, `%XX` a byte); undefined when a pass meets
 * text that is not valid URL-encoding.
 */
export function decodeKeyField(raw: string, passes: 1 | 2): string | undefined {
  let text = raw;
  for (let pass = 0; pass < passes; pass++) {
    if (text.indexOf('+') >= 0) text = text.replaceAll('+', ' ');
    const percent = text.indexOf('%');
    if (percent < 0) continue;
    const decoded = decodeAsciiEscapes(text, percent);
    if (decoded !== undefined) {
      text = decoded;
      continue;
    }
    try {
      text = decodeURIComponent(text);
    } catch {
      return undefined;
    }
  }
  return text;
}

/**
 * The key of the line at `o`, decoded as many times as S3 encoded it for the line's operation.
 * Where that fails, the key decoded as often as it can be (the raw text when not even once): the
 * line still counts for the prefix its text names. `escapes` is the WebAssembly scanner's word on
 * the field (KEY_PERCENT, KEY_PLUS), or -1 when unknown.
 */
function key(t: string, b: Int32Array, o: number, escapes: number): string | null {
  const s = b[o + 2 * F_KEY]!;
  if (s < 0) return null;
  const e = b[o + 2 * F_KEY + 1]!;
  // Most keys need no decoding: no '%' nor '+' in the field.
  if (escapes === 0) return t.substring(s, e);
  const passes = keyPasses(t, b, o);
  const fast = decodeInPlace(t, s, e, passes);
  if (fast !== undefined) return fast;
  const raw = t.substring(s, e);
  return decodeKeyField(raw, passes) ?? (passes === 2 ? decodeKeyField(raw, 1) : undefined) ?? raw;
}

/** Where decodeInPlace puts a key's bytes (S3 keys are at most 1,024 bytes). */
const KEY_BYTES = Buffer.alloc(4096);

/**
 * `t[s, e)` decoded `passes` times in one walk, read in place into bytes; undefined for a
 * malformed escape, bytes that are not UTF-8, a literal character past ASCII or a field too long,
 * and then decodeKeyField gives the answer. Exactly decodeKeyField's result when defined:
 * twice-encoded text is S3's encoding of S3's encoding, so a first-level `%` (`%25`) is followed by
 * its two hex digits as they are (digits and letters are never escaped), and a first-level `+`
 * (`%2B`) and a `+` are spaces.
 */
function decodeInPlace(t: string, s: number, e: number, passes: 1 | 2): string | undefined {
  if (e - s > KEY_BYTES.length) return undefined;
  const out = KEY_BYTES;
  let n = 0;
  let high = 0;
  for (let i = s; i < e;) {
    const c = t.charCodeAt(i);
    if (c === PLUS) {
      out[n++] = SPACE;
      i++;
    } else if (c !== PERCENT) {
      if (c > 0x7f) return undefined;
      out[n++] = c;
      i++;
    } else {
      if (i + 3 > e) return undefined;
      let byte = hexByte(t, i + 1);
      if (byte < 0) return undefined;
      i += 3;
      if (passes === 2) {
        if (byte === PERCENT) {
          if (i + 2 > e) return undefined;
          byte = hexByte(t, i);
          if (byte < 0) return undefined;
          i += 2;
        } else if (byte === PLUS) byte = SPACE;
        else if (byte > 0x7f) return undefined; // not S3's encoding of an encoding: decodeKeyField says what it is
      }
      out[n++] = byte;
      high |= byte;
    }
  }
  if (high <= 0x7f) return out.toString('latin1', 0, n);
  return isUtf8(out.subarray(0, n)) ? out.toString('utf8', 0, n) : undefined;
}

/** The byte of the two hex digits at `i`, or -1. */
function hexByte(t: string, i: number): number {
  const high = HEX[t.charCodeAt(i)];
  const low = HEX[t.charCodeAt(i + 1)];
  return high === undefined || low === undefined || high < 0 || low < 0 ? -1 : high * 16 + low;
}

/** Hex digit values by character code, -1 for the other characters. */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) HEX[0x41 + i] = HEX[0x61 + i] = 10 + i;
const ASCII = Array.from({ length: 128 }, (_, c) => String.fromCharCode(c));

/**
 * decodeURIComponent for the common case where every escape is of an ASCII character (`%20`,
 * `%3D`…), `percent` being the first '%': the text between escapes is copied by substring, not
 * re-encoded. Undefined for anything else (a multi-byte UTF-8 sequence, a bad escape): the caller
 * then uses decodeURIComponent itself, so the result is always exactly its result.
 */
function decodeAsciiEscapes(raw: string, percent: number): string | undefined {
  let out = '';
  let from = 0;
  const length = raw.length;
  for (let p = percent; p >= 0; p = raw.indexOf('%', p)) {
    if (p + 2 >= length) return undefined;
    const high = HEX[raw.charCodeAt(p + 1)];
    const low = HEX[raw.charCodeAt(p + 2)];
    // Undefined past 127 (not a hex digit either); a high digit over 7 is a UTF-8 byte.
    if (high === undefined || low === undefined || high < 0 || low < 0 || high > 7) return undefined;
    out += raw.substring(from, p) + ASCII[high * 16 + low]!;
    p += 3;
    from = p;
  }
  return from < length ? out + raw.substring(from) : out;
}

/** Builds a record; `known` is the line's key when it was decoded already (else undefined). */
type Projector = (
  t: string,
  b: Int32Array,
  o: number,
  n: Float64Array,
  no: number,
  escapes: number,
  known: string | null | undefined,
) => Partial<ParsedAccessLogRecord>;

const NUMBER_FIELDS = new Set([F_HTTP_STATUS, F_BYTES_SENT, F_OBJECT_SIZE, F_TOTAL_TIME, F_TURN_AROUND_TIME]);

/**
 * A builder of records of some fields: one object literal with exactly those keys, in the log's
 * order. Compiled from text because a literal is what V8 builds fastest (copying a template and
 * overwriting it took 8% of the parse); the text holds only names from ACCESS_LOG_FIELDS and
 * numbers, never input.
 */
function projector(want: Uint8Array): Projector {
  const parts: string[] = [];
  ACCESS_LOG_FIELDS.forEach((field, i) => {
    if (!want[i]) return;
    if (i === F_TIME) parts.push(`${field}: n[no + ${i}]`);
    else if (i === F_KEY) parts.push(`${field}: known !== undefined ? known : key(t, b, o, escapes)`);
    else if (NUMBER_FIELDS.has(i)) parts.push(`${field}: num(b, o + ${2 * i}, n, no + ${i})`);
    else parts.push(`${field}: str(t, b, o + ${2 * i})`);
  });
  const compile = new Function('str', 'num', 'key', `return (t, b, o, n, no, escapes, known) => ({ ${parts.join(', ')} });`) as (
    s: typeof str,
    n: typeof num,
    k: typeof key,
  ) => Projector;
  return compile(str, num, key);
}

/** Full records: the builder of every field (the same literal, so one place says how each field is read). */
const fullRecord = projector(new Uint8Array(FIELD_COUNT).fill(1)) as (
  t: string,
  b: Int32Array,
  o: number,
  n: Float64Array,
  no: number,
  escapes: number,
  known: string | null | undefined,
) => ParsedAccessLogRecord;

class ScannedLine implements ScannedAccessLogLine {
  text = '';
  codes: Uint8Array | Uint16Array = new Uint8Array(0);
  start = 0;
  end = 0;
  line = 0;
  bounds: Int32Array = new Int32Array(0);
  boundsAt = 0;
  numbers: Float64Array = new Float64Array(0);
  numbersAt = 0;
  escapes = -1;
  /** The key when accept() decoded it already. */
  known: string | null | undefined = undefined;
  key(): string | null {
    return this.known !== undefined ? this.known : key(this.text, this.bounds, this.boundsAt, this.escapes);
  }
  keyDecodes(): boolean {
    const s = this.bounds[this.boundsAt + 2 * F_KEY]!;
    if (s < 0 || this.escapes === 0) return true;
    return decodeKeyField(this.text.substring(s, this.bounds[this.boundsAt + 2 * F_KEY + 1]), keyPasses(this.text, this.bounds, this.boundsAt)) !== undefined;
  }
}

/**
 * Feeds chunks of a log file (any boundaries) and calls back per record and per malformed line.
 * Lines are numbered from 1; `\r\n` endings and a missing final newline are fine.
 * With `options.fields`, records hold only those fields (see AccessLogParserOptions).
 */
export class AccessLogParser<F extends AccessLogField = AccessLogField> {
  /** The start of a line whose end has not come yet. */
  private carry: Buffer[] = [];
  private lineNumber = 0;
  private readonly scan = new Scan();
  /** How many fields each line is scanned for. */
  private readonly fieldCount: number;
  private readonly project: Projector;
  private readonly onScannedLine: ((line: ScannedAccessLogLine) => void) | undefined;
  private readonly scannedLine: ScannedLine;
  /** The WebAssembly scanner, or null for the JavaScript one. */
  private readonly wasm: WasmScanner | null;
  records = 0;
  malformed = 0;
  /** Lines the WebAssembly scanner called malformed and the reference accepted: 0 unless the two disagree (tests check it). */
  rescued = 0;
  /** Lines whose quoted fields hold quotes, read by their structure (Scan.recover); counted in `records` too. */
  recovered = 0;
  /** Request lines whose key, decoded by the operation's rule, is not the object their request URI names. */
  keyUriDisagreements = 0;
  private readonly onKeyUriDisagreement: ((disagreement: KeyUriDisagreement) => void) | undefined;

  constructor(
    private readonly onRecord: (record: Pick<ParsedAccessLogRecord, F>, line: number) => void,
    private readonly onMalformed: (problem: MalformedLine) => void,
    options: AccessLogParserOptions<F> = {},
  ) {
    const fields = options.fields;
    this.project = fullRecord;
    this.onScannedLine = options.onScannedLine;
    this.onKeyUriDisagreement = options.onKeyUriDisagreement;
    this.scannedLine = new ScannedLine();
    this.wasm = options.scanner === 'js' ? null : wasmScanner();
    if (this.wasm === null && options.scanner !== 'js') sayScannerFallback();
    if (fields === undefined || this.onScannedLine !== undefined || ACCESS_LOG_FIELDS.every((f) => fields.includes(f as F))) {
      this.fieldCount = FIELD_COUNT;
      return;
    }
    const want = new Uint8Array(FIELD_COUNT);
    let last = REQUIRED_FIELDS - 1;
    for (const field of fields) {
      const i = ACCESS_LOG_FIELDS.indexOf(field);
      if (i < 0) throw new Error(`unknown access-log field: ${String(field)}`);
      want[i] = 1;
      last = Math.max(last, i);
    }
    this.fieldCount = last + 1;
    this.project = projector(want);
  }

  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.carry.length > 0) {
      // Complete the carried line with the start of this chunk; the rest is parsed in place.
      const newline = chunk.indexOf(NEWLINE);
      if (newline < 0) {
        // Kept as pieces, joined once: a long line arriving in small chunks costs no repeated copies.
        if (chunk.length > 0) this.carry.push(Buffer.from(chunk));
        return;
      }
      const line = Buffer.concat([...this.carry, chunk.subarray(0, newline + 1)]);
      this.carry = [];
      this.blocks(line, line.length);
      buf = chunk.subarray(newline + 1);
    }
    const last = buf.lastIndexOf(NEWLINE);
    if (last < 0) {
      if (buf.length > 0) this.carry.push(Buffer.from(buf));
      return;
    }
    this.blocks(buf, last + 1);
    if (last + 1 < buf.length) this.carry.push(Buffer.from(buf.subarray(last + 1)));
  }

  end(): void {
    const rest = Buffer.concat(this.carry);
    this.carry = [];
    if (rest.length > 0) this.blocks(rest, rest.length);
  }

  /** `buf[0, length)` holds whole lines: decodes it in line-aligned blocks (a line is never split: it may hold a multi-byte character). */
  private blocks(buf: Buffer, length: number): void {
    let start = 0;
    while (start < length) {
      let stop = length;
      if (length - start > BLOCK_BYTES) {
        stop = buf.lastIndexOf(NEWLINE, start + BLOCK_BYTES - 1) + 1;
        if (stop <= start) stop = buf.indexOf(NEWLINE, start + BLOCK_BYTES) + 1 || length; // one line longer than a block
      }
      const bytes = buf.subarray(start, stop);
      if (this.wasm === null || bytes.length > this.wasm.input.length || !this.wasmBlock(buf, start, stop)) {
        if (isAscii(bytes)) {
          // Logs are mostly ASCII: then latin1 decoding (a plain copy) gives the same text, and the bytes are its character codes.
          this.lines(buf.toString('latin1', start, stop), bytes);
        } else {
          const text = buf.toString('utf8', start, stop);
          const codes = new Uint16Array(text.length);
          for (let i = 0; i < text.length; i++) codes[i] = text.charCodeAt(i);
          this.lines(text, codes);
        }
      }
      start = stop;
    }
  }

  /**
   * The lines of `buf[start, stop)` through the WebAssembly scanner, which fills a table of rows
   * (at most its maxLines a call). False, having done nothing, when the block is not all ASCII.
   */
  private wasmBlock(buf: Buffer, start: number, stop: number): boolean {
    const wasm = this.wasm!;
    const bytes = buf.subarray(start, stop);
    wasm.input.set(bytes);
    const length = bytes.length;
    let text: string | null = null;
    let from = 0;
    do {
      const lines = wasm.scanBlock(length, from, this.fieldCount);
      if (lines < 0) return false;
      text ??= buf.toString('latin1', start, stop);
      const rows = wasm.lines;
      for (let k = 0, o = 0; k < lines; k++, o += LINE_INTS) {
        this.lineNumber++;
        const status = rows[o + LINE_STATUS]!;
        if (status === BLANK) continue;
        const lineStart = rows[o + LINE_START]!;
        const lineEnd = rows[o + LINE_END]!;
        if (status === VALID) this.accept(text, bytes, lineStart, lineEnd, rows, o + LINE_BOUNDS, wasm.numbers, k * NUMBER_ROW, rows[o + LINE_KEY_ESCAPES]!);
        else if (this.scanned(text, bytes, lineStart, lineEnd) === STRICT && status !== DEFER) this.rescued++;
      }
      from = wasm.resumeAt();
    } while (from < length);
    return true;
  }

  private lines(text: string, codes: Codes): void {
    let start = 0;
    const length = text.length;
    while (start < length) {
      let newline = text.indexOf('\n', start);
      if (newline < 0) newline = length;
      this.lineNumber++;
      let end = newline;
      if (end > start && codes[end - 1] === RETURN) end--;
      // Blank lines are not records, nor errors.
      if (end > start) this.scanned(text, codes, start, end);
      start = newline + 1;
    }
  }

  /**
   * Scans a line with the JavaScript scanner, the reference, and recovers what the strict scan
   * refuses where the line's structure allows (Scan.recover): a record, or a malformed line with
   * the reason. Says which it was.
   */
  private scanned(text: string, codes: Codes, start: number, end: number): typeof STRICT | typeof RECOVERED | typeof MALFORMED {
    const scan = this.scan;
    const problem = scan.line(text, codes, start, end, this.fieldCount);
    if (problem === null) {
      this.accept(text, codes, start, end, scan.bounds, 0, scan.numbers, 0, -1);
      return STRICT;
    }
    const unrecovered = scan.recover(text, codes, end, this.fieldCount);
    if (unrecovered === null) {
      this.recovered++;
      this.accept(text, codes, start, end, scan.bounds, 0, scan.numbers, 0, -1);
      return RECOVERED;
    }
    this.malformed++;
    const malformed: MalformedLine = { line: this.lineNumber, reason: unrecovered ?? problem, text: text.substring(start, Math.min(end, start + 120)) };
    if (scan.keyInPlace(text)) {
      const b = scan.bounds;
      malformed.bucket = str(text, b, 2 * F_BUCKET);
      malformed.key = key(text, b, 0, -1)!;
    }
    this.onMalformed(malformed);
    return MALFORMED;
  }

  /** A valid line, its bounds in `b` at `o` and its numbers in `n` at `no`: a record, or the line as scanned. */
  private accept(text: string, codes: Codes, start: number, end: number, b: Int32Array, o: number, n: Float64Array, no: number, escapes: number): void {
    // The key, decoded once here when it must be checked against the request URI (else when asked for).
    const known = escapes !== 0 && b[o + 2 * F_KEY]! >= 0 ? this.checkKeyAgainstUri(text, b, o, escapes) : undefined;
    if (this.onScannedLine !== undefined) {
      const line = this.scannedLine;
      line.text = text;
      line.codes = codes;
      line.start = start;
      line.end = end;
      line.line = this.lineNumber;
      line.bounds = b;
      line.boundsAt = o;
      line.numbers = n;
      line.numbersAt = no;
      line.escapes = escapes;
      line.known = known;
      this.onScannedLine(line);
      this.records++;
      return;
    }
    const record = this.project(text, b, o, n, no, escapes, known);
    this.onRecord(record as Pick<ParsedAccessLogRecord, F>, this.lineNumber);
    this.records++;
  }

  /**
   * The key a line's operation rule gives (decoded twice for requests), against the object its
   * request URI names (which holds the path encoded once, so it is not ambiguous). Only keys with
   * an escape can differ, and only requests whose URI names the same object: a copy's URI is its
   * destination's, and S3's own work has no URI.
   */
  private checkKeyAgainstUri(text: string, b: Int32Array, o: number, escapes: number): string | undefined {
    const uriStart = b[o + 2 * F_REQUEST_URI]!;
    const op = b[o + 2 * F_OPERATION]!;
    if (uriStart < 0 || op < 0 || !text.startsWith('REST.', op) || text.startsWith('REST.COPY.', op)) return undefined;
    const keyStart = b[o + 2 * F_KEY]!;
    const keyEnd = b[o + 2 * F_KEY + 1]!;
    if (escapes < 0 && !hasEscape(text, keyStart, keyEnd)) return undefined;
    const decoded = key(text, b, o, escapes)!;
    const uriEnd = b[o + 2 * F_REQUEST_URI + 1]!;
    if (uriNamesKey(text, uriStart, uriEnd, b[o + 2 * F_BUCKET]!, b[o + 2 * F_BUCKET + 1]!, decoded) === false) {
      this.keyUriDisagreements++;
      this.onKeyUriDisagreement?.({
        line: this.lineNumber,
        key: decoded,
        field: text.substring(keyStart, keyEnd),
        requestUri: text.substring(uriStart, uriEnd),
      });
    }
    return decoded;
  }
}

/**
 * Whether the request URI `t[us, ue)` names `key` (virtual-hosted `/key`, or path-style with the
 * bucket `t[bs, be)` first); undefined when it cannot say. What s3keys.ts requestUriNamesKey does,
 * read in place: this runs on every request line with an escaped key.
 */
function uriNamesKey(t: string, us: number, ue: number, bs: number, be: number, key: string): boolean | undefined {
  let p = t.indexOf(' ', us);
  if (p < 0 || p + 1 >= ue) return undefined;
  p++;
  if (t.charCodeAt(p) !== SLASH) {
    // An absolute-form target: `GET https://host/key HTTP/1.1`.
    const authority = t.indexOf('//', p);
    p = authority < 0 || authority >= ue ? -1 : t.indexOf('/', authority + 2);
    if (p < 0 || p >= ue) return undefined;
  }
  p++;
  // Path-style (`/bucket/key`) first when the path starts with the bucket, then virtual-hosted.
  const bucketLength = be - bs;
  if (bs >= 0 && ue - p > bucketLength && t.charCodeAt(p + bucketLength) === SLASH && sameText(t, bs, p, bucketLength)) {
    const pathStyle = decodedEquals(t, p + bucketLength + 1, ue, key);
    if (pathStyle !== false) return pathStyle;
  }
  return decodedEquals(t, p, ue, key);
}

/** Whether `t[a, a + length)` and `t[b, b + length)` are the same text. */
function sameText(t: string, a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (t.charCodeAt(a + i) !== t.charCodeAt(b + i)) return false;
  return true;
}

/**
 * Whether the path that starts at `s` (it ends at `?`, at the space before ` HTTP/1.1`, or at `ue`)
 * decoded once (`+` a space) is `key`, compared in place; undefined when it holds a malformed escape.
 */
function decodedEquals(t: string, s: number, ue: number, key: string): boolean | undefined {
  let k = 0;
  for (let i = s; i < ue;) {
    let c = t.charCodeAt(i);
    if (c === 0x3f || c === SPACE) break;
    if (c === PERCENT) {
      if (i + 3 > ue) return undefined;
      c = hexByte(t, i + 1);
      if (c < 0) return undefined;
      if (c > 0x7f) {
        // A multi-byte character: decode the rest of the path whole.
        let e = i;
        while (e < ue && t.charCodeAt(e) !== 0x3f && t.charCodeAt(e) !== SPACE) e++;
        const rest = decodeKeyField(t.substring(i, e), 1);
        return rest === undefined ? undefined : key.length - k === rest.length && key.endsWith(rest);
      }
      i += 3;
    } else {
      if (c === PLUS) c = SPACE;
      i++;
    }
    if (k >= key.length || key.charCodeAt(k++) !== c) return false;
  }
  return k === key.length;
}

/** Whether `text[start, end)` has a `%` or a `+`. */
function hasEscape(text: string, start: number, end: number): boolean {
  const percent = text.indexOf('%', start);
  if (percent >= 0 && percent < end) return true;
  const plus = text.indexOf('+', start);
  return plus >= 0 && plus < end;
}

const STRICT = 1;
const RECOVERED = 2;
const MALFORMED = 0;

/** The WebAssembly scanner over its own memory (see wasm/accessLogScanner.ts). */
interface WasmScanner {
  /** Scans the lines of `input[from, length)` into rows of `lines` and `numbers`; -1 when the block is not ASCII. */
  scanBlock(length: number, from: number, count: number): number;
  /** Where the next scanBlock call goes on. */
  resumeAt(): number;
  /** Where a block goes before its lines are scanned; its length is the largest block it takes. */
  input: Uint8Array;
  lines: Int32Array;
  numbers: Float64Array;
}

let sharedWasmScanner: WasmScanner | null | undefined;
/** Why the WebAssembly scanner could not be loaded, when it could not. */
let wasmScannerProblem = '';
let parserLog: Logger | undefined;
let fallbackSaid = false;

/**
 * Where the parser says what a user may want to know about it (that it fell back to the JavaScript
 * scanner, once): the extension's log. Unset, it says nothing.
 */
export function setAccessLogParserLog(log: Logger | undefined): void {
  parserLog = log;
}

function sayScannerFallback(): void {
  if (fallbackSaid || parserLog === undefined) return;
  fallbackSaid = true;
  parserLog.warn(`Access logs are parsed by the JavaScript scanner, which is slower: the WebAssembly one could not be loaded (${wasmScannerProblem})`);
}

// What this module uses of the WebAssembly API (the ES2022 lib this project compiles against has none).
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
};

/**
 * One instance for every parser: a block is copied in and all its lines scanned within one
 * synchronous call, so parsers never see each other's input. Null where WebAssembly (with SIMD)
 * is not available: the JavaScript scanner then does the work.
 */
function wasmScanner(): WasmScanner | null {
  if (sharedWasmScanner !== undefined) return sharedWasmScanner;
  try {
    const module = new WebAssembly.Module(Buffer.from(ACCESS_LOG_SCANNER_WASM, 'base64'));
    const exports = new WebAssembly.Instance(module, {}).exports as {
      memory: { buffer: ArrayBuffer };
      scanBlock(length: number, from: number, count: number): number;
      resumeAt(): number;
      inputPointer(): number;
      inputCapacity(): number;
      linesPointer(): number;
      numbersPointer(): number;
      maxLines(): number;
      lineInts(): number;
      numberRow(): number;
    };
    // A scannerWasm.ts built from another layout (not rebuilt after a change) would read rows wrong.
    if (exports.lineInts() !== LINE_INTS || exports.numberRow() !== NUMBER_ROW) {
      throw new Error(`its rows are ${exports.lineInts()} and ${exports.numberRow()} wide, not ${LINE_INTS} and ${NUMBER_ROW}: rebuild it (npm run build)`);
    }
    // The memory never grows, so these views stay valid.
    const memory = exports.memory.buffer;
    const rows = exports.maxLines();
    sharedWasmScanner = {
      scanBlock: exports.scanBlock,
      resumeAt: exports.resumeAt,
      input: new Uint8Array(memory, exports.inputPointer(), exports.inputCapacity()),
      lines: new Int32Array(memory, exports.linesPointer(), rows * LINE_INTS),
      numbers: new Float64Array(memory, exports.numbersPointer(), rows * NUMBER_ROW),
    };
  } catch (error) {
    sharedWasmScanner = null;
    wasmScannerProblem = errorMessage(error);
  }
  return sharedWasmScanner;
}

/** Which scanner a parser uses by default: `wasm`, or `js` where WebAssembly is not available. */
export function defaultAccessLogScanner(): 'wasm' | 'js' {
  return wasmScanner() === null ? 'js' : 'wasm';
}

/** Parses a whole text (tests, small inputs). */
export function parseAccessLogText<F extends AccessLogField = AccessLogField>(
  text: string | Buffer,
  options: AccessLogParserOptions<F> = {},
): { records: Pick<ParsedAccessLogRecord, F>[]; malformed: MalformedLine[] } {
  const records: Pick<ParsedAccessLogRecord, F>[] = [];
  const malformed: MalformedLine[] = [];
  const parser = new AccessLogParser<F>(
    (r) => records.push(r),
    (m) => malformed.push(m),
    options,
  );
  parser.push(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
  parser.end();
  return { records, malformed };
}

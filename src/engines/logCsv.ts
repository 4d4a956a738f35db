// The CSV the local engine loads access logs through: each valid line, as our parser read it, in a
// form DuckDB's read_csv reads back to the parser's values (LOG_CSV_OPTIONS, and logCsvKeySql).
//
// The dialect is the log's own where it can be, so that most lines are copied as they are: fields
// separated by the log's single spaces, `-` is null; the quoted fields keep their place, quoted
// with \x01 instead of `"` (so a `"` elsewhere is a plain character); keys stay URL-encoded and
// DuckDB's url_decode decodes them. The time field is overwritten in place with its value. A line
// where that would not give the parser's values (a \0, \x01 or \r in it, characters past ASCII, a
// number the parser rounds, a key that does not decode…) is written field by field instead.

import { ACCESS_LOG_FIELDS, type ScannedAccessLogLine } from '../core/accessLog/parser';

const FIELD_COUNT = ACCESS_LOG_FIELDS.length;
/** Columns for trailing fields a newer log format may add: read, never used (more than these and the line is truncated). */
const SPARE_COLUMNS = 4;
/** CSV columns: the log's fields (the time in microseconds since the epoch), the spare ones, `key_exact`. */
export const LOG_CSV_COLUMNS = [
  ...ACCESS_LOG_FIELDS.map((f) => (f === 'time' ? 'request_time' : f)),
  ...Array.from({ length: SPARE_COLUMNS }, (_v, i) => `spare_${i + 1}`),
  'key_exact',
];
/** read_csv's options for the dialect; rows may stop early (null_padding): the missing columns are null. */
export const LOG_CSV_OPTIONS =
  `delim = ' ', quote = '\x01', escape = '\x01', nullstr = '-', allow_quoted_nulls = true, new_line = '\\n', header = false, skip = 0, ` +
  `auto_detect = false, strict_mode = true, null_padding = true`;

/**
 * The key column from the CSV's: `key_exact` is `=` and the key for lines written field by field;
 * otherwise the log's key, decoded as our parser decodes it when it has an escape: `+` is a space,
 * twice for requests (REST.*, WEBSITE.*), once for S3's own operations (see s3keys.ts). The writer
 * leaves a key for url_decode only when every pass of the parser's decoding succeeded, and there
 * both agree.
 */
export function logCsvKeySql(key: string, keyExact: string, operation: string): string {
  const once = `url_decode(replace(${key}, '+', ' '))`;
  const twice = `url_decode(replace(${once}, '+', ' '))`;
  return (
    `CASE WHEN ${keyExact} IS NOT NULL THEN substr(${keyExact}, 2) WHEN contains(${key}, '%') OR contains(${key}, '+') THEN ` +
    `(CASE WHEN starts_with(${operation}, 'REST.') OR starts_with(${operation}, 'WEBSITE.') THEN ${twice} ELSE ${once} END) ELSE ${key} END`
  );
}

const SPACE = 0x20;
const QUOTE = 0x01;
const DASH = 0x2d;
const NEWLINE = 0x0a;
const LOG_QUOTE = 0x22;
const PERCENT = 0x25;
const PLUS = 0x2b;
const EQUALS = 0x3d;
const ZERO = 0x30;

// How each field is written in a log line (the parser's rules), by its index in ACCESS_LOG_FIELDS.
const TOKEN = 0;
const TIME = 1;
const QUOTED = 2;
const NUMBER = 3;
const FIELD_SHAPE = Uint8Array.from(ACCESS_LOG_FIELDS, (f) =>
  f === 'time'
    ? TIME
    : f === 'request_uri' || f === 'referrer' || f === 'user_agent'
      ? QUOTED
      : f === 'http_status' || f === 'bytes_sent' || f === 'object_size' || f === 'total_time' || f === 'turn_around_time'
        ? NUMBER
        : TOKEN,
);
const F_TIME = ACCESS_LOG_FIELDS.indexOf('time');
const F_KEY = ACCESS_LOG_FIELDS.indexOf('key');
const F_HTTP_STATUS = ACCESS_LOG_FIELDS.indexOf('http_status');
const F_HOST_ID = ACCESS_LOG_FIELDS.indexOf('host_id');
/** Fields after the user agent may be missing (older logs): null. */
const LAST_REQUIRED = ACCESS_LOG_FIELDS.indexOf('user_agent');
/** The time field `[dd/Mon/yyyy:HH:mm:ss +zzzz]` has a fixed width; its value goes in that width, zero-padded. */
const TIME_WIDTH = 28;
/** Digit counts that always fit: the parser reads numbers as doubles, exact below 2^53 (15 digits); INTEGER holds 9. */
const EXACT_DIGITS = 15;
const INTEGER_DIGITS = 9;
const INT32_MAX = 2 ** 31 - 1;
const INT64_MAX = 2n ** 63n - 1n;
/** Bytes copied ahead from a block at once: the lines that follow in it are then changed in place. */
const COPY_AHEAD = 16 * 1024;

/** Rows of the load CSV in a growing buffer, one per scanned line. */
export class AccessLogCsvRows {
  buffer: Buffer;
  length = 0;
  rows = 0;
  /** The longest row so far, for read_csv's line-size limit. */
  longest = 0;
  /** Whether a quoted value holds a line break: read_csv's parallel scanner cannot read those rows. */
  quotedLineBreaks = false;
  /** Where each field of the line being copied ends (exclusive). */
  private readonly fieldEnds = new Int32Array(FIELD_COUNT);
  /** The block whose next character to escape is at `nextEscape`. */
  private block: Uint8Array | Uint16Array | null = null;
  private nextEscape = 0;
  /** The buffer holds `ahead[aheadStart, aheadEnd)` from `aheadAt` on: lines there need no copy. */
  private ahead: Uint8Array | null = null;
  private aheadStart = 0;
  private aheadEnd = 0;
  private aheadAt = 0;
  /** The last time written, in seconds, and its field. */
  private lastSeconds = NaN;
  private readonly lastTime = new Uint8Array(TIME_WIDTH);

  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(capacity);
  }

  /** Appends one line. */
  add(line: ScannedAccessLogLine): void {
    // A character is at most 3 UTF-8 bytes (two surrogates make 4), or 2 as a doubled quote byte;
    // the key may be written twice. Plus separators, padding and what is copied ahead.
    const worst = 9 * (line.end - line.start) + 4 * LOG_CSV_COLUMNS.length + 64 + COPY_AHEAD;
    if (this.length + worst > this.buffer.length) this.grow(this.length + worst);
    let end = -1;
    if (line.codes instanceof Uint8Array && this.plainAscii(line)) end = this.copyLine(line, line.codes);
    if (end < 0) {
      this.ahead = null;
      end = this.writeFields(line);
    }
    if (end - this.length > this.longest) this.longest = end - this.length;
    this.length = end;
    this.rows++;
  }

  clear(): void {
    this.length = 0;
    this.rows = 0;
    this.longest = 0;
    this.quotedLineBreaks = false;
    this.ahead = null;
  }

  /** Whether the line, in an ASCII block, has none of the characters the CSV would have to escape (\0, the quote byte, \r). */
  private plainAscii(line: ScannedAccessLogLine): boolean {
    if (line.codes !== this.block) {
      this.block = line.codes;
      this.nextEscape = nextToEscape(line.text, 0);
    }
    if (this.nextEscape < line.start) this.nextEscape = nextToEscape(line.text, line.start);
    return this.nextEscape >= line.end;
  }

  /** The line copied, with its few changes; -1 when it has to be written field by field. */
  private copyLine(line: ScannedAccessLogLine, codes: Uint8Array): number {
    const b = line.bounds;
    const bo = line.boundsAt;
    const ends = this.fieldEnds;
    const lineEnd = line.end;
    // Walk the fields as the scanner did: a null field has no bounds, but its place is known.
    let pos = line.start;
    let present = FIELD_COUNT;
    for (let i = 0; i < FIELD_COUNT; i++) {
      if (i > LAST_REQUIRED && pos >= lineEnd) {
        present = i;
        break;
      }
      const s = b[bo + 2 * i]!;
      const e = b[bo + 2 * i + 1]!;
      let r: number;
      switch (FIELD_SHAPE[i]) {
        case TIME:
          r = pos + TIME_WIDTH;
          if (codes[r] !== SPACE) return -1; // the scanner skips the character after ']'
          break;
        case QUOTED:
          if (s >= 0) r = e + 1;
          else if (codes[pos] === DASH) {
            r = pos + 1;
            if (r < lineEnd && codes[r] !== SPACE) return -1; // `-…` is null to the scanner
          } else r = pos + 3; // "-"
          break;
        case NUMBER:
          if (s >= 0 && e - s > (i === F_HTTP_STATUS ? INTEGER_DIGITS : EXACT_DIGITS)) return -1;
          r = s >= 0 ? e : pos + 1;
          break;
        default:
          r = s >= 0 ? e : pos + 1;
          // A host ID of two tokens (the parser reads it as one field): its space would split it here.
          if (i === F_HOST_ID && s >= 0) {
            const space = codes.indexOf(SPACE, s);
            if (space >= 0 && space < e) return -1;
          }
      }
      ends[i] = r;
      pos = r + 1;
    }
    const last = ends[present - 1]!;
    // A key url_decode would read differently: one the parser could not decode in every pass.
    const keyStart = b[bo + 2 * F_KEY]!;
    const keyEnd = b[bo + 2 * F_KEY + 1]!;
    let keyExact: string | null = null;
    if (keyStart >= 0 && isEncoded(codes, keyStart, keyEnd) && !line.keyDecodes()) keyExact = line.key()!;
    // Trailing fields past the last the parser knows go to the spare columns, or are cut off.
    let copyEnd = last;
    if (present === FIELD_COUNT && last < lineEnd && keyExact === null) {
      let extra = 0;
      for (let i = last; i < lineEnd && extra <= SPARE_COLUMNS; i++) if (codes[i] === SPACE) extra++;
      if (extra <= SPARE_COLUMNS) copyEnd = lineEnd;
    }
    const out = this.buffer;
    let o: number;
    if (copyEnd === lineEnd && keyExact === null && codes[lineEnd] === NEWLINE) {
      // The row is the line with its newline: copied already, or copied now with what follows it.
      if (codes !== this.ahead || this.aheadAt + (line.start - this.aheadStart) !== this.length || lineEnd >= this.aheadEnd) {
        const to = Math.min(codes.length, Math.max(lineEnd + 1, line.start + COPY_AHEAD));
        out.set(codes.subarray(line.start, to), this.length);
        this.ahead = codes;
        this.aheadStart = line.start;
        this.aheadEnd = to;
        this.aheadAt = this.length;
      }
      o = this.length + (lineEnd + 1 - line.start);
    } else {
      out.set(codes.subarray(line.start, copyEnd), this.length);
      this.ahead = null;
      o = this.length + (copyEnd - line.start);
      if (keyExact !== null) {
        for (let i = present; i < FIELD_COUNT + SPARE_COLUMNS; i++) {
          out[o++] = SPACE;
          out[o++] = DASH;
        }
        out[o++] = SPACE;
        o = this.writeKeyExact(out, o, keyExact);
      }
      out[o++] = NEWLINE;
    }
    const shift = this.length - line.start;
    this.writeTime(out, ends[F_TIME]! - TIME_WIDTH + shift, line.numbers[line.numbersAt + F_TIME]!);
    for (let i = 0; i < present; i++) {
      if (FIELD_SHAPE[i] !== QUOTED) continue;
      const close = ends[i]! - 1 + shift;
      if (out[close] !== LOG_QUOTE) continue; // -
      out[close] = QUOTE;
      out[(b[bo + 2 * i]! >= 0 ? b[bo + 2 * i]! - 1 : ends[i]! - 3) + shift] = QUOTE;
    }
    return o;
  }

  /** The line field by field, each quoted when it must be. */
  private writeFields(line: ScannedAccessLogLine): number {
    const out = this.buffer;
    const codes = line.codes;
    const b = line.bounds;
    const bo = line.boundsAt;
    let o = this.length;
    for (let i = 0; i < FIELD_COUNT; i++) {
      if (i > 0) out[o++] = SPACE;
      const s = b[bo + 2 * i]!;
      const shape = FIELD_SHAPE[i];
      if (shape === TIME) {
        o = writeInteger(out, o, line.numbers[line.numbersAt + i]!);
        out[o++] = ZERO; // milliseconds → microseconds, exactly
        out[o++] = ZERO;
        out[o++] = ZERO;
      } else if (s < 0 || i === F_KEY) {
        out[o++] = DASH; // null; the key goes in key_exact
      } else if (shape === NUMBER) {
        o = copyNumber(out, o, codes, s, b[bo + 2 * i + 1]!, line.numbers[line.numbersAt + i]!, i === F_HTTP_STATUS, line.line);
      } else {
        // Never exactly "-": the scanner makes that null.
        o = this.writeText(out, o, codes, s, b[bo + 2 * i + 1]!, line.text);
      }
    }
    if (b[bo + 2 * F_KEY]! >= 0) {
      for (let i = 0; i < SPARE_COLUMNS; i++) {
        out[o++] = SPACE;
        out[o++] = DASH;
      }
      out[o++] = SPACE;
      o = this.writeKeyExact(out, o, line.key()!);
    }
    out[o++] = NEWLINE;
    return o;
  }

  /** The time field (epoch ms, whole seconds) as microseconds, zero-padded to `TIME_WIDTH` at `at`. Lines of a file share seconds often. */
  private writeTime(out: Buffer, at: number, ms: number): void {
    const seconds = ms / 1000;
    const field = this.lastTime;
    if (seconds !== this.lastSeconds) {
      this.lastSeconds = seconds;
      field.fill(ZERO);
      const negative = seconds < 0;
      let value = negative ? -seconds : seconds;
      let p = TIME_WIDTH - 6; // six zeros: seconds → microseconds
      do {
        const rest = Math.floor(value / 10);
        field[--p] = ZERO + (value - rest * 10);
        value = rest;
      } while (value > 0);
      if (negative) field[0] = DASH;
    }
    out.set(field, at);
  }

  /** The exact key, quoted, after a `=` so that it is never `-` (null). */
  private writeKeyExact(out: Buffer, o: number, key: string): number {
    out[o++] = QUOTE;
    out[o++] = EQUALS;
    o = this.writeQuotedValue(out, o, key);
    out[o++] = QUOTE;
    return o;
  }

  /** A field's characters as they are, or quoted (the quote byte doubled) when one is a space, a control or past ASCII, or when it is empty. */
  private writeText(out: Buffer, o: number, codes: Uint8Array | Uint16Array, s: number, e: number, text: string): number {
    let plain = s < e;
    for (let i = s; i < e && plain; i++) plain = codes[i]! > SPACE && codes[i]! < 0x80;
    if (plain) {
      for (let i = s; i < e; i++) out[o++] = codes[i]!;
      return o;
    }
    out[o++] = QUOTE;
    o = this.writeQuotedValue(out, o, text.substring(s, e));
    out[o++] = QUOTE;
    return o;
  }

  /** The inside of a quoted value: UTF-8, the quote byte doubled. */
  private writeQuotedValue(out: Buffer, o: number, value: string): number {
    if (value.includes('\n') || value.includes('\r')) this.quotedLineBreaks = true;
    return o + out.write(value.includes('\x01') ? value.replaceAll('\x01', '\x01\x01') : value, o, 'utf8');
  }

  private grow(needed: number): void {
    const larger = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
    this.buffer.copy(larger, 0, 0, this.length);
    this.buffer = larger;
    this.ahead = null;
  }
}

/** Where the next \0, quote byte or \r is at or after `from` (Infinity when none): native searches, a few µs a block. */
function nextToEscape(text: string, from: number): number {
  let next = Infinity;
  for (const c of ['\0', '\x01', '\r']) {
    const at = text.indexOf(c, from);
    if (at >= 0 && at < next) next = at;
  }
  return next;
}

/** A key field with `%` or `+`: the parser decodes it. */
function isEncoded(codes: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const code = codes[i]!;
    if (code === PERCENT || code === PLUS) return true;
  }
  return false;
}

/** The digits as they are when the parser's value is exact; otherwise the value the parser made of them, as the appender took it. */
function copyNumber(out: Buffer, o: number, codes: Uint8Array | Uint16Array, s: number, e: number, value: number, integer: boolean, line: number): number {
  if (e - s <= (integer ? INTEGER_DIGITS : EXACT_DIGITS)) {
    for (let i = s; i < e; i++) out[o++] = codes[i]!;
    return o;
  }
  if (integer) {
    if (value > INT32_MAX) throw new RangeError(`line ${line}: the HTTP status ${value} is out of range`);
    return writeInteger(out, o, value);
  }
  const exact = BigInt(value);
  if (exact > INT64_MAX) throw new RangeError(`line ${line}: the number ${exact} is out of range`);
  return o + out.write(exact.toString(), o, 'latin1');
}

/** An integer below 2^53 in magnitude, in decimal. */
function writeInteger(out: Buffer, o: number, value: number): number {
  return o + out.write(String(value), o, 'latin1');
}

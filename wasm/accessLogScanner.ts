// The access-log parser's line scanner in WebAssembly (AssemblyScript, compiled by `npm run build`
// into src/core/accessLog/scannerWasm.ts). It does what Scan.line in parser.ts does for ASCII
// lines — find every field's bounds, read the numbers and the time, decide whether the line is
// valid — with SIMD searches for the separators, which JavaScript cannot do: finding field
// boundaries was two thirds of the parser's time. The JavaScript scanner stays the reference:
// a line this one calls malformed is scanned again there for the reason, and a differential test
// holds the two to the same results on every line.
//
// Memory: the block of lines at INPUT (JavaScript copies it there); scanBlock fills one row of
// LINES per line (start, end, status, key escapes, then two i32 per field: start -1 for null) and
// one of NUMBERS (one f64 per field: the time and the number fields). Key escapes say whether the
// key has a `%` or a `+`: most have neither, and then need no decoding. The layout's constants are
// in src/core/accessLog/scannerLayout.ts, which the host reads too.

import {
  BLANK, DEFER, FIELD_COUNT, INPUT_CAPACITY, LINE_BOUNDS, LINE_END, LINE_INTS, LINE_KEY_ESCAPES, LINE_START, LINE_STATUS,
  MALFORMED, MAX_LINES, NUMBER_ROW, VALID,
} from '../src/core/accessLog/scannerLayout';

const SPACE: i32 = 0x20;
const QUOTE: i32 = 0x22;
const DASH: i32 = 0x2d;
const SLASH: i32 = 0x2f;
const COLON: i32 = 0x3a;
const PLUS: i32 = 0x2b;
const OPEN_BRACKET: i32 = 0x5b;
const CLOSE_BRACKET: i32 = 0x5d;

const NEWLINE: i32 = 0x0a;
const RETURN: i32 = 0x0d;

// Zeroed static memory; the input has room for a 16-byte load past its end.
const INPUT: usize = memory.data(INPUT_CAPACITY + 64, 16);
const LINES: usize = memory.data(MAX_LINES * LINE_INTS * 4, 16);
const NUMBERS: usize = memory.data(MAX_LINES * NUMBER_ROW * 8, 16);

/** Where the line being scanned writes its bounds and numbers. */
let BOUNDS: usize = LINES + LINE_BOUNDS * 4;
let NUMBERS_ROW: usize = NUMBERS;
/** Where the next scanBlock call goes on. */
let resume: i32 = 0;
/** The last valid date's eleven characters (as a u64 and the last three bytes) and its midnight in epoch ms. */
let lastDate: u64 = 0;
let lastDateEnd: u32 = 0xffffffff;
let lastDayMs: f64 = 0;


export function inputPointer(): usize {
  return INPUT;
}
export function inputCapacity(): i32 {
  return INPUT_CAPACITY;
}
export function linesPointer(): usize {
  return LINES;
}
export function numbersPointer(): usize {
  return NUMBERS;
}
export function maxLines(): i32 {
  return MAX_LINES;
}
export function resumeAt(): i32 {
  return resume;
}
/** The layout this build was compiled with: the host checks it against its own (scannerLayout.ts). */
export function lineInts(): i32 {
  return LINE_INTS;
}
export function numberRow(): i32 {
  return NUMBER_ROW;
}

@inline function at(i: i32): i32 {
  return <i32>load<u8>(INPUT + <usize>i);
}

@inline function setBounds(field: i32, start: i32, end: i32): void {
  store<i32>(BOUNDS + (<usize>field << 3), start);
  store<i32>(BOUNDS + (<usize>field << 3), end, 4);
}

@inline function setNull(field: i32): void {
  store<i32>(BOUNDS + (<usize>field << 3), -1);
}

@inline function setNumber(field: i32, value: f64): void {
  store<f64>(NUMBERS_ROW + (<usize>field << 3), value);
}

/** The first `byte` at or after `pos` and before `end`, or `end`: 16 bytes a step. */
@inline function find(byte: i32, pos: i32, end: i32): i32 {
  const splat = i8x16.splat(<i8>byte);
  while (pos < end) {
    const mask = i8x16.bitmask(i8x16.eq(v128.load(INPUT + <usize>pos), splat));
    if (mask != 0) {
      const found = pos + ctz(mask);
      return found < end ? found : end;
    }
    pos += 16;
  }
  return end;
}

/** Of the key field just scanned: 1 when it has a `%`, 2 when it has a `+`, 0 for neither (or no key). */
function keyEscapes(): i32 {
  const start = load<i32>(BOUNDS + 7 * 8);
  if (start < 0) return 0;
  const end = load<i32>(BOUNDS + 7 * 8, 4);
  const percent = i8x16.splat(0x25);
  const plus = i8x16.splat(0x2b);
  let flags = 0;
  for (let i = start; i < end; i += 16) {
    const chunk = v128.load(INPUT + <usize>i);
    const rest = end - i;
    const valid = rest >= 16 ? 0xffff : (1 << rest) - 1;
    if ((i8x16.bitmask(i8x16.eq(chunk, percent)) & valid) != 0) flags |= 1;
    if ((i8x16.bitmask(i8x16.eq(chunk, plus)) & valid) != 0) flags |= 2;
  }
  return flags;
}

/** Two decimal digits at `i` as a number; -1 when either is not a digit (as the JavaScript scanner reads them). */
@inline function two(i: i32): i32 {
  const high = at(i) - 0x30;
  const low = at(i + 1) - 0x30;
  return <u32>high <= 9 && <u32>low <= 9 ? high * 10 + low : -1;
}

/** Days in a month (0 for January) of the proleptic Gregorian calendar. */
function daysInMonth(year: i32, month: i32): i32 {
  if (month == 1) return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28;
  return month == 3 || month == 5 || month == 8 || month == 10 ? 30 : 31;
}

/** Days from 1970-01-01 to the civil date (proleptic Gregorian, year ≥ 0). */
function daysFromCivil(year: i32, month: i32, day: i32): i32 {
  const y = month <= 2 ? year - 1 : year;
  const era = y / 400;
  const yoe = y - era * 400;
  const doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/** The month of a three-letter English abbreviation at `i` (0 for Jan), or -1. */
function monthAt(i: i32): i32 {
  const word = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
  switch (word) {
    case 0x4a616e: return 0; // Jan
    case 0x466562: return 1; // Feb
    case 0x4d6172: return 2; // Mar
    case 0x417072: return 3; // Apr
    case 0x4d6179: return 4; // May
    case 0x4a756e: return 5; // Jun
    case 0x4a756c: return 6; // Jul
    case 0x417567: return 7; // Aug
    case 0x536570: return 8; // Sep
    case 0x4f6374: return 9; // Oct
    case 0x4e6f76: return 10; // Nov
    case 0x446563: return 11; // Dec
  }
  return -1;
}

/** A field up to the next space (`pos < end`); returns where it ends. */
@inline function token(pos: i32, end: i32, field: i32): i32 {
  if (at(pos) == DASH && (pos + 1 == end || at(pos + 1) == SPACE)) {
    setNull(field);
    return pos + 1;
  }
  const e = find(SPACE, pos, end);
  setBounds(field, pos, e);
  return e;
}

/** `"…"` or `-`: returns the next field's start, or -1 when the line is malformed here. */
@inline function quoted(pos: i32, end: i32, field: i32): i32 {
  if (pos >= end) return -1;
  const first = at(pos);
  if (first == DASH) {
    setNull(field);
    return find(SPACE, pos, end) + 1;
  }
  if (first != QUOTE) return -1;
  const close = at(pos + 1) == DASH && at(pos + 2) == QUOTE ? pos + 2 : find(QUOTE, pos + 1, end);
  if (close >= end) return -1;
  if (close - pos == 2 && at(pos + 1) == DASH) setNull(field);
  else setBounds(field, pos + 1, close);
  if (close + 1 < end && at(close + 1) != SPACE) return -1;
  return close + 2;
}

/** The digits of `[pos, end)` read as JavaScript reads them, in doubles (rounding past 2^53). */
function doubles(pos: i32, end: i32): f64 {
  let value: f64 = 0;
  for (let k = pos; k < end; k++) value = value * 10 + <f64>(at(k) - 0x30);
  return value;
}

/** Digits or `-`: returns the next field's start, or -1 when the line is malformed here. */
@inline function number(pos: i32, end: i32, field: i32): i32 {
  if (pos >= end) return -1;
  let k = pos;
  // In integers while they are exact: the same value as JavaScript's `value * 10 + digit` in doubles.
  let value: i64 = 0;
  for (; k < end; k++) {
    const code = at(k);
    if (code == SPACE) break;
    const digit = code - 0x30;
    if (<u32>digit > 9) {
      if (k == pos && code == DASH && (k + 1 == end || at(k + 1) == SPACE)) {
        setNull(field);
        return k + 2;
      }
      return -1;
    }
    value = value * 10 + <i64>digit;
  }
  if (k == pos) return -1;
  setBounds(field, pos, k);
  setNumber(field, k - pos <= 15 ? <f64>value : doubles(pos, k));
  return k + 1;
}

/** Whether every byte of `input[0, length)` is ASCII. */
function ascii(length: i32): bool {
  let high = i8x16.splat(0);
  let i = 0;
  for (; i + 16 <= length; i += 16) high = v128.or(high, v128.load(INPUT + <usize>i));
  let tail: i32 = 0;
  for (; i < length; i++) tail |= at(i);
  return i8x16.bitmask(high) == 0 && tail < 0x80;
}

/**
 * Scans the lines of `input[from, length)`, at most MAX_LINES, into LINES and NUMBERS; returns how
 * many, or -1 when the block (looked at from 0) is not all ASCII. A line ends at `\n` or at
 * `length`; a `\r` before the `\n` is not part of it. resumeAt() then says where the next call
 * goes on (`length` when the block is done).
 */
export function scanBlock(length: i32, from: i32, count: i32): i32 {
  if (from == 0 && !ascii(length)) return -1;
  let pos = from;
  let lines = 0;
  while (pos < length && lines < MAX_LINES) {
    const newline = find(NEWLINE, pos, length);
    let end = newline;
    if (end > pos && at(end - 1) == RETURN) end--;
    const row = LINES + <usize>(lines * LINE_INTS * 4);
    BOUNDS = row + LINE_BOUNDS * 4;
    NUMBERS_ROW = NUMBERS + <usize>(lines * NUMBER_ROW * 8);
    store<i32>(row, pos, LINE_START * 4);
    store<i32>(row, end, LINE_END * 4);
    store<i32>(row, end == pos ? BLANK : scanLine(pos, end, count), LINE_STATUS * 4);
    lines++;
    pos = newline + 1;
  }
  resume = pos < length ? pos : length;
  return lines;
}

/**
 * Scans fields 0 … `count - 1` of the line `[start, end)` of the input (not blank, no line ending).
 * Returns VALID (the results are at BOUNDS and NUMBERS_ROW), MALFORMED, or DEFER.
 */
function scanLine(start: i32, end: i32, count: i32): i32 {
  let pos = start;
  if (pos >= end) return MALFORMED;
  pos = token(pos, end, 0) + 1;
  if (pos >= end) return MALFORMED;
  pos = token(pos, end, 1) + 1;
  if (pos >= end || at(pos) != OPEN_BRACKET) return MALFORMED;
  if (pos + 27 >= end || at(pos + 27) != CLOSE_BRACKET) return MALFORMED;
  // [dd/Mon/yyyy:HH:mm:ss +zzzz]; the lines of a file mostly share the date `dd/Mon/yyyy`.
  const date = load<u64>(INPUT + <usize>(pos + 1));
  const dateEnd = load<u32>(INPUT + <usize>(pos + 9)) & 0xffffff;
  if (date != lastDate || dateEnd != lastDateEnd) {
    const day = two(pos + 1);
    const month = monthAt(pos + 4);
    const century = two(pos + 8);
    const yearOfCentury = two(pos + 10);
    const year = century * 100 + yearOfCentury;
    if (month < 0 || century < 0 || yearOfCentury < 0 || !(day >= 1 && day <= daysInMonth(year, month) && year >= 1970)) return MALFORMED;
    if (at(pos + 3) != SLASH || at(pos + 7) != SLASH) return MALFORMED;
    lastDayMs = <f64>(daysFromCivil(year, month + 1, 1) + day - 1) * 86400000;
    lastDate = date;
    lastDateEnd = dateEnd;
  }
  const dayMs = lastDayMs;
  const hour = two(pos + 13);
  const minute = two(pos + 16);
  const second = two(pos + 19);
  const sign = at(pos + 22);
  const offsetHours = two(pos + 23);
  const offsetMinutes = two(pos + 25);
  if (at(pos + 12) != COLON || at(pos + 15) != COLON || at(pos + 18) != COLON || at(pos + 21) != SPACE || (sign != PLUS && sign != DASH)) return MALFORMED;
  if (!(hour >= 0 && hour < 24 && minute >= 0 && minute < 60 && second >= 0 && second < 61)) return MALFORMED;
  if (!(offsetHours >= 0 && offsetHours < 24 && offsetMinutes >= 0 && offsetMinutes < 60)) return MALFORMED;
  const offset = (sign == DASH ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  setNumber(2, dayMs + <f64>(((hour * 60 + minute) * 60 + second) * 1000) - <f64>offset * 60000);
  pos += 29;
  for (let i = 3; i <= 7; i++) {
    if (pos >= end) return MALFORMED;
    pos = token(pos, end, i) + 1;
  }
  store<i32>(BOUNDS - (LINE_BOUNDS - LINE_KEY_ESCAPES) * 4, keyEscapes());
  pos = quoted(pos, end, 8);
  if (pos < 0) return MALFORMED;
  pos = number(pos, end, 9);
  if (pos < 0) return MALFORMED;
  if (pos >= end) return MALFORMED;
  pos = token(pos, end, 10) + 1;
  for (let i = 11; i <= 14; i++) {
    pos = number(pos, end, i);
    if (pos < 0) return MALFORMED;
  }
  pos = quoted(pos, end, 15);
  if (pos < 0) return MALFORMED;
  pos = quoted(pos, end, 16);
  if (pos < 0) return MALFORMED;
  // Older logs end earlier: the missing fields are null.
  for (let i = 17; i < count; i++) {
    if (pos >= end) setNull(i);
    else {
      pos = token(pos, end, i) + 1;
      // A token after the host ID that is no signature version: perhaps a host ID of two tokens,
      // which the JavaScript scanner reads (a rare line, left to it).
      if (i == 18 && pos < end && !signatureVersionAt(pos, end)) return DEFER;
    }
  }
  return VALID;
}

/** Whether the token at `pos` is `-` or starts with `SigV`. */
@inline function signatureVersionAt(pos: i32, end: i32): bool {
  if (at(pos) == DASH) return pos + 1 == end || at(pos + 1) == SPACE;
  return pos + 4 <= end && load<u32>(INPUT + <usize>pos) == 0x56676953; // "SigV", little-endian
}

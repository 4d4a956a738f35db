// A streaming parser for append-only data objects (`KEY,PAYLOAD` or `KEY, PAYLOAD` lines, LF or CRLF): feeds on
// the body's chunks as they arrive and reports each record's key and exact byte range (the line without its line
// ending) in the object. Only the key bytes are ever copied: the payload is skipped with native indexOf, so a
// chunk costs O(lines) JavaScript work. Header, blank and malformed lines are skipped and counted. `push` gives
// keys as strings; the build uses `pushRaw`, which gives them as bytes with their timestamp (no string per record).

import { keyTimestampMs, keyTimestampMsOfBytes } from './keys';
import { utf8, utf8Decoder } from './keyOrder';

/** One record: bytes [offset, offset + length) of the data object, whose key is `key`. */
export interface RecordLocation {
  key: string;
  offset: number;
  length: number;
}

/** Receives each record as it is found (no object per record unless the sink makes one). */
export type RecordSink = (key: string, offset: number, length: number) => void;

/**
 * The build's sink: the key as bytes [keyStart, keyEnd) of `source` (trimmed, valid UTF-8; `source` is reused
 * after the call returns, so copy the bytes, e.g. EntryBatch.add), its timestamp, and the record's byte range.
 */
export type RawRecordSink = (source: Uint8Array, keyStart: number, keyEnd: number, timestampMs: number, offset: number, length: number) => void;

/** Why a line was not a record. */
export type MalformedReason = 'no-comma' | 'empty-key' | 'no-timestamp' | 'invalid-utf8' | 'key-too-long';

/** A sample of a skipped line, for the report ("line 7: no comma"). */
export interface MalformedLine {
  /** 1-based line number in the object. */
  line: number;
  /** Byte offset of the line in the object. */
  offset: number;
  reason: MalformedReason;
  /** The line's first characters (the key part), for the message. */
  text: string;
}

export interface RecordParseStats {
  /** Lines seen (a final line without newline counts). */
  lines: number;
  records: number;
  /** The first non-blank line, when it is not a record (e.g. `uuid, data`). At most 1. */
  headers: number;
  blank: number;
  malformed: number;
  /** Bytes consumed. */
  bytes: number;
}

export interface RecordParserOptions {
  /** Absolute offset of the first byte pushed (for a body that starts mid-object); default 0. */
  startOffset?: number;
  /** Whether a trimmed key is acceptable; default: it carries a timestamp (keys.ts). */
  isKey?: (key: string) => boolean;
  /** How many malformed lines to keep as samples (default 5). */
  maxSamples?: number;
}

/** Keys longer than this (UTF-8 bytes, before trimming) are malformed: the index stores keys with a u16 length. */
const MAX_KEY_BYTES = 0xffff;

function isBlankByte(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0d;
}

/** Parses one data object's body, chunk by chunk. One instance per object. */
export class RecordLineParser {
  readonly stats: RecordParseStats = { lines: 0, records: 0, headers: 0, blank: 0, malformed: 0, bytes: 0 };
  readonly samples: MalformedLine[] = [];
  private readonly isKey: (key: string) => boolean;
  private readonly maxSamples: number;
  /** Absolute offset of the next byte to be pushed. */
  private offset: number;
  /** Absolute offset where the current line starts. */
  private lineStart: number;
  /** The current line's bytes up to its first comma (or all of them while no comma has been seen). */
  private keyBytes = new Uint8Array(256);
  private keyLength = 0;
  private commaSeen = false;
  private keyOverflow = false;
  /** The byte before the next one (to drop the CR of a CRLF split across chunks). */
  private previousByte = -1;
  private sawNonBlankLine = false;
  private ended = false;
  private stringSink: RecordSink | undefined;
  private rawSink: RawRecordSink | undefined;
  /** The caller's key rule, if any (the raw fast path applies the default rule on bytes). */
  private readonly keyRule: ((key: string) => boolean) | undefined;
  private bomChecked: boolean;

  constructor(options: RecordParserOptions = {}) {
    this.offset = options.startOffset ?? 0;
    this.lineStart = this.offset;
    this.keyRule = options.isKey;
    this.isKey = options.isKey ?? ((key) => keyTimestampMs(key) !== undefined);
    this.maxSamples = options.maxSamples ?? 5;
    this.bomChecked = this.offset !== 0;
  }

  /** Consumes the next chunk of the body, calling `onRecord` for each complete record line in it. */
  push(chunk: Uint8Array, onRecord: RecordSink): void {
    this.stringSink = onRecord;
    this.rawSink = undefined;
    this.scan(chunk);
  }

  /** Like push, with the key as bytes and its timestamp (no string per record for ASCII keys). */
  pushRaw(chunk: Uint8Array, onRecord: RawRecordSink): void {
    this.rawSink = onRecord;
    this.scan(chunk);
  }

  /** Ends the body: a final line without a newline is a line too. */
  end(onRecord: RecordSink): void {
    this.stringSink = onRecord;
    this.rawSink = undefined;
    this.finish();
  }

  /** end() for pushRaw. */
  endRaw(onRecord: RawRecordSink): void {
    this.rawSink = onRecord;
    this.finish();
  }

  private scan(chunk: Uint8Array): void {
    if (this.ended) throw new Error('RecordLineParser: push after end');
    let i = 0;
    if (!this.bomChecked) {
      // A UTF-8 byte-order mark is not part of the first record (it would be part of its key).
      if (chunk.length >= 3 || chunk.length === 0) {
        this.bomChecked = chunk.length >= 3;
        if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
          i = 3;
          this.lineStart = this.offset + 3;
        }
      } else {
        this.bomChecked = true;
      }
    }
    const base = this.offset;
    const n = chunk.length;
    while (i < n) {
      const newline = chunk.indexOf(0x0a, i);
      if (newline >= 0 && this.lineStart === base + i) {
        // Fast path: the whole line is in this chunk; its key is decoded straight from it, nothing is copied.
        const contentEnd = newline > i && chunk[newline - 1] === 0x0d ? newline - 1 : newline;
        const comma = chunk.indexOf(0x2c, i);
        const hasComma = comma >= 0 && comma < newline;
        this.finishLine(chunk, i, hasComma ? comma : contentEnd, hasComma, false, base + contentEnd);
      } else {
        // The line started in an earlier chunk or goes on in the next: keep its key bytes until it ends.
        const segmentEnd = newline < 0 ? n : newline;
        if (!this.commaSeen) {
          const comma = chunk.indexOf(0x2c, i);
          const keyEnd = comma >= 0 && comma < segmentEnd ? comma : segmentEnd;
          this.appendKey(chunk, i, keyEnd);
          if (keyEnd < segmentEnd) this.commaSeen = true;
        }
        if (newline < 0) {
          this.previousByte = chunk[n - 1]!;
          break;
        }
        const before = newline > 0 ? chunk[newline - 1]! : this.previousByte;
        const contentEnd = base + newline - (before === 0x0d && base + newline > this.lineStart ? 1 : 0);
        this.finishBufferedLine(contentEnd);
      }
      this.lineStart = base + newline + 1;
      this.previousByte = 0x0a;
      i = newline + 1;
    }
    this.offset += n;
    this.stats.bytes += n;
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.offset > this.lineStart) {
      const contentEnd = this.offset - (this.previousByte === 0x0d ? 1 : 0);
      this.finishBufferedLine(contentEnd);
      this.lineStart = this.offset;
    }
  }

  private appendKey(chunk: Uint8Array, from: number, to: number): void {
    if (this.keyOverflow || to <= from) return;
    const needed = this.keyLength + (to - from);
    if (needed > MAX_KEY_BYTES + 2) {
      this.keyOverflow = true;
      return;
    }
    if (needed > this.keyBytes.length) {
      const grown = new Uint8Array(Math.max(needed, this.keyBytes.length * 2));
      grown.set(this.keyBytes.subarray(0, this.keyLength));
      this.keyBytes = grown;
    }
    this.keyBytes.set(chunk.subarray(from, to), this.keyLength);
    this.keyLength = needed;
  }

  private finishBufferedLine(contentEnd: number): void {
    const { commaSeen, keyOverflow, keyLength } = this;
    this.commaSeen = false;
    this.keyOverflow = false;
    this.keyLength = 0;
    // Without a comma the buffer holds the whole line, its CR included.
    const keyEnd = !commaSeen && keyLength > 0 && this.keyBytes[keyLength - 1] === 0x0d ? keyLength - 1 : keyLength;
    this.finishLine(this.keyBytes, 0, keyEnd, commaSeen, keyOverflow, contentEnd);
  }

  /**
   * Classifies the line that started at `this.lineStart` and ends (without its line ending) at absolute `contentEnd`:
   * its key part is bytes [keyStart, keyEnd) of `source` (the whole line when it has no comma).
   */
  private finishLine(source: Uint8Array, keyStart: number, keyEnd: number, commaSeen: boolean, overflow: boolean, contentEnd: number): void {
    const lineStart = this.lineStart;
    const stats = this.stats;
    stats.lines++;
    if (overflow || keyEnd - keyStart > MAX_KEY_BYTES + 2) return this.reject('key-too-long', lineStart, '');
    if (!commaSeen) {
      let blank = true;
      for (let j = keyStart; j < keyEnd; j++) {
        if (!isBlankByte(source[j]!)) {
          blank = false;
          break;
        }
      }
      if (blank) {
        stats.blank++;
        return;
      }
    }
    // Trim ASCII blanks on the bytes (cheaper than on the string); String.trim below catches other white space.
    let from = keyStart;
    let to = keyEnd;
    while (from < to && isBlankByte(source[from]!)) from++;
    while (to > from && isBlankByte(source[to - 1]!)) to--;
    if (this.rawSink && commaSeen && this.keyRule === undefined) {
      // The build path: an ASCII key is checked and handed on as bytes, never decoded.
      let ascii = true;
      for (let j = from; j < to; j++) {
        if (source[j]! >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        if (to === from) return this.reject('empty-key', lineStart, '');
        const timestampMs = keyTimestampMsOfBytes(source, from, to);
        if (timestampMs === undefined) return this.reject('no-timestamp', lineStart, utf8Decoder.decode(source.subarray(from, Math.min(to, from + 80))));
        this.sawNonBlankLine = true;
        stats.records++;
        this.rawSink(source, from, to, timestampMs, lineStart, contentEnd - lineStart);
        return;
      }
    }
    let text: string;
    try {
      text = utf8Decoder.decode(source.subarray(from, to));
    } catch {
      return this.reject('invalid-utf8', lineStart, '');
    }
    if (!commaSeen) return this.reject('no-comma', lineStart, text);
    const key = text.trim();
    if (key === '') return this.reject('empty-key', lineStart, text);
    if (!this.isKey(key)) return this.reject('no-timestamp', lineStart, text);
    this.sawNonBlankLine = true;
    stats.records++;
    if (this.rawSink) {
      // A non-ASCII key (or a custom key rule) on the build path: hand on its trimmed UTF-8.
      const keyBytes = utf8.encode(key);
      this.rawSink(keyBytes, 0, keyBytes.length, keyTimestampMs(key) ?? Number.NaN, lineStart, contentEnd - lineStart);
      return;
    }
    this.stringSink!(key, lineStart, contentEnd - lineStart);
  }

  private reject(reason: MalformedReason, lineStart: number, text: string): void {
    if (!this.sawNonBlankLine) {
      this.sawNonBlankLine = true;
      this.stats.headers++;
      return;
    }
    this.stats.malformed++;
    if (this.samples.length < this.maxSamples) this.samples.push({ line: this.stats.lines, offset: lineStart, reason, text: text.slice(0, 80) });
  }
}

/** Parses a whole body at once (small objects, tests). */
export function parseRecords(
  body: Uint8Array,
  options: RecordParserOptions = {},
): { records: RecordLocation[]; stats: RecordParseStats; samples: MalformedLine[] } {
  const parser = new RecordLineParser(options);
  const records: RecordLocation[] = [];
  const sink: RecordSink = (key, offset, length) => records.push({ key, offset, length });
  parser.push(body, sink);
  parser.end(sink);
  return { records, stats: parser.stats, samples: parser.samples };
}

/** Parses a stream of chunks (e.g. a GetObject body), yielding the records found in each chunk as one batch. */
export async function* recordBatches(chunks: AsyncIterable<Uint8Array>, parser: RecordLineParser = new RecordLineParser()): AsyncGenerator<RecordLocation[]> {
  let batch: RecordLocation[] = [];
  const sink: RecordSink = (key, offset, length) => batch.push({ key, offset, length });
  for await (const chunk of chunks) {
    parser.push(chunk, sink);
    if (batch.length > 0) {
      yield batch;
      batch = [];
    }
  }
  parser.end(sink);
  if (batch.length > 0) yield batch;
}

// A streaming parser for append-only data objects (`KEY,PAYLOAD` or `KEY, PAYLOAD` lines, LF or CRLF): feeds on
// the body's chunks as they arrive and reports each record's key and exact byte range (the line without its line
// ending) in the object. Only the key bytes are ever copied: the payload is skipped with native indexOf, so a
// chunk costs O(lines) JavaScript work. Header, blank and malformed lines are skipped and counted.

import { keyTimestampMs } from './keys';
import { utf8Decoder } from './keyOrder';

/** One record: bytes [offset, offset + length) of the data object, whose key is `key`. */
export interface RecordLocation {
  key: string;
  offset: number;
  length: number;
}

/** Receives each record as it is found (no object per record unless the sink makes one). */
export type RecordSink = (key: string, offset: number, length: number) => void;

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
  private bomChecked: boolean;

  constructor(options: RecordParserOptions = {}) {
    this.offset = options.startOffset ?? 0;
    this.lineStart = this.offset;
    this.isKey = options.isKey ?? ((key) => keyTimestampMs(key) !== undefined);
    this.maxSamples = options.maxSamples ?? 5;
    this.bomChecked = this.offset !== 0;
  }

  /** Consumes the next chunk of the body, calling `onRecord` for each complete record line in it. */
  push(chunk: Uint8Array, onRecord: RecordSink): void {
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
      const segmentEnd = newline < 0 ? n : newline;
      if (!this.commaSeen) {
        const comma = chunk.indexOf(0x2c, i);
        const keyEnd = comma >= 0 && comma < segmentEnd ? comma : segmentEnd;
        this.appendKey(chunk, i, keyEnd);
        if (keyEnd < segmentEnd) this.commaSeen = true;
      }
      if (newline < 0) {
        if (n > 0) this.previousByte = chunk[n - 1]!;
        break;
      }
      const before = newline > 0 ? chunk[newline - 1]! : this.previousByte;
      const contentEnd = base + newline - (before === 0x0d && base + newline > this.lineStart ? 1 : 0);
      this.finishLine(contentEnd, onRecord);
      this.lineStart = base + newline + 1;
      this.previousByte = 0x0a;
      i = newline + 1;
    }
    this.offset += n;
    this.stats.bytes += n;
  }

  /** Ends the body: a final line without a newline is a line too. */
  end(onRecord: RecordSink): void {
    if (this.ended) return;
    this.ended = true;
    if (this.offset > this.lineStart) {
      const contentEnd = this.offset - (this.previousByte === 0x0d ? 1 : 0);
      this.finishLine(contentEnd, onRecord);
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

  private finishLine(contentEnd: number, onRecord: RecordSink): void {
    const lineStart = this.lineStart;
    const stats = this.stats;
    stats.lines++;
    const commaSeen = this.commaSeen;
    const overflow = this.keyOverflow;
    const keyLength = this.keyLength;
    this.commaSeen = false;
    this.keyOverflow = false;
    this.keyLength = 0;

    if (!overflow && !commaSeen) {
      let blank = true;
      for (let j = 0; j < keyLength; j++) {
        if (!isBlankByte(this.keyBytes[j]!)) {
          blank = false;
          break;
        }
      }
      if (blank) {
        stats.blank++;
        return;
      }
    }
    if (overflow) return this.reject('key-too-long', lineStart, '');
    // Without a comma the buffer holds the whole line, CR included.
    const usable = commaSeen ? keyLength : Math.max(0, keyLength - (this.keyBytes[keyLength - 1] === 0x0d ? 1 : 0));
    let text: string;
    try {
      text = decodeKey(this.keyBytes, usable);
    } catch {
      return this.reject('invalid-utf8', lineStart, '');
    }
    if (!commaSeen) return this.reject('no-comma', lineStart, text);
    const key = text.trim();
    if (key === '') return this.reject('empty-key', lineStart, text);
    if (!this.isKey(key)) return this.reject('no-timestamp', lineStart, text);
    this.sawNonBlankLine = true;
    stats.records++;
    onRecord(key, lineStart, contentEnd - lineStart);
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

/** ASCII keys (the usual case) are built from char codes; anything else goes through the strict UTF-8 decoder. */
function decodeKey(bytes: Uint8Array, length: number): string {
  if (length <= 64) {
    let ascii = true;
    for (let j = 0; j < length; j++) {
      if (bytes[j]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, bytes.subarray(0, length) as unknown as number[]);
  }
  return utf8Decoder.decode(bytes.subarray(0, length));
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

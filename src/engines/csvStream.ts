// A streaming RFC 4180 CSV parser, for Athena's result files: every value quoted, NULL written as
// an empty unquoted field. Bytes arrive in chunks split anywhere, even inside a quoted field or a
// multi-byte UTF-8 character, and records come out as soon as they are complete.

/** A parsed field; `null` only for empty unquoted fields when `unquotedEmptyAsNull` is set. */
export type CsvField = string | null;

export interface CsvParserOptions {
  /** Athena writes NULL as an empty unquoted field and the empty string as `""`: keep them apart. */
  unquotedEmptyAsNull?: boolean;
}

export class CsvSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvSyntaxError';
  }
}

type State = 'fieldStart' | 'unquoted' | 'quoted' | 'quoteInQuoted';

const COMMA = 0x2c;
const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/**
 * Push chunks (bytes or text), get back the records they completed; `end()` returns the last one.
 * A newline ends a record, so a blank line is a record of one empty field; a final newline at the
 * end of the input adds no record. CRLF, LF and lone CR all end a record.
 */
export class CsvParser {
  // `stream: true` holds back the bytes of a character split across chunks until the rest arrives.
  private readonly decoder = new TextDecoder('utf-8');
  private readonly nullForUnquotedEmpty: boolean;
  private state: State = 'fieldStart';
  private field = '';
  private fieldQuoted = false;
  private record: CsvField[] = [];
  private records: CsvField[][] = [];
  private recordCount = 0;
  // After a CR ends a record, an LF right behind it (perhaps in the next chunk) belongs to it.
  private skipLf = false;

  constructor(options: CsvParserOptions = {}) {
    this.nullForUnquotedEmpty = options.unquotedEmptyAsNull ?? false;
  }

  push(chunk: Uint8Array | string): CsvField[][] {
    this.consume(typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true }));
    return this.takeRecords();
  }

  /** Flushes the final record; throws when the input ends inside a quoted field. */
  end(): CsvField[][] {
    this.consume(this.decoder.decode());
    if (this.state === 'quoted') throw new CsvSyntaxError(`the input ends inside a quoted field (record ${this.recordCount + 1})`);
    // In `fieldStart` with nothing collected, the input ended right after a newline (or was empty).
    if (this.state !== 'fieldStart' || this.record.length > 0) this.endRecord();
    return this.takeRecords();
  }

  private takeRecords(): CsvField[][] {
    const records = this.records;
    this.records = [];
    return records;
  }

  private consume(text: string): void {
    let i = 0;
    while (i < text.length) {
      switch (this.state) {
        case 'fieldStart':
          i = this.startField(text, i);
          break;
        case 'unquoted':
          i = this.readUnquoted(text, i);
          break;
        case 'quoted':
          i = this.readQuoted(text, i);
          break;
        case 'quoteInQuoted':
          i = this.afterQuote(text, i);
          break;
      }
    }
  }

  private startField(text: string, i: number): number {
    const c = text.charCodeAt(i);
    if (this.skipLf) {
      this.skipLf = false;
      if (c === LF) return i + 1;
    }
    if (c === QUOTE) {
      this.state = 'quoted';
      this.fieldQuoted = true;
      return i + 1;
    }
    // Not consumed: the unquoted reader also handles an empty field ending at once.
    this.state = 'unquoted';
    return i;
  }

  private readUnquoted(text: string, i: number): number {
    let end = i;
    while (end < text.length) {
      const c = text.charCodeAt(end);
      if (c === COMMA || c === CR || c === LF) break;
      if (c === QUOTE) throw new CsvSyntaxError(`a quote inside an unquoted field (record ${this.recordCount + 1})`);
      end++;
    }
    this.field += text.slice(i, end);
    if (end === text.length) return end;
    this.endFieldAt(text.charCodeAt(end));
    return end + 1;
  }

  private readQuoted(text: string, i: number): number {
    const quote = text.indexOf('"', i);
    if (quote < 0) {
      this.field += text.slice(i);
      return text.length;
    }
    this.field += text.slice(i, quote);
    this.state = 'quoteInQuoted';
    return quote + 1;
  }

  /** After a quote inside a quoted field: a second quote is a literal one, else the field ends. */
  private afterQuote(text: string, i: number): number {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      this.field += '"';
      this.state = 'quoted';
      return i + 1;
    }
    if (c !== COMMA && c !== CR && c !== LF) {
      throw new CsvSyntaxError(`unexpected text after a closing quote (record ${this.recordCount + 1}): a quote inside a quoted field must be doubled`);
    }
    this.endFieldAt(c);
    return i + 1;
  }

  /** Ends the current field at a comma, CR or LF. */
  private endFieldAt(terminator: number): void {
    if (terminator === COMMA) {
      this.pushField();
      this.state = 'fieldStart';
      return;
    }
    this.endRecord();
    this.skipLf = terminator === CR;
  }

  private pushField(): void {
    const empty = this.field === '' && !this.fieldQuoted;
    this.record.push(empty && this.nullForUnquotedEmpty ? null : this.field);
    this.field = '';
    this.fieldQuoted = false;
  }

  private endRecord(): void {
    this.pushField();
    this.records.push(this.record);
    this.record = [];
    this.recordCount++;
    this.state = 'fieldStart';
  }
}

/** Parses a byte stream; yields the records each chunk completed (no empty batches). */
export async function* parseCsvStream(source: AsyncIterable<Uint8Array | string>, options: CsvParserOptions = {}): AsyncGenerator<CsvField[][]> {
  const parser = new CsvParser(options);
  for await (const chunk of source) {
    const records = parser.push(chunk);
    if (records.length > 0) yield records;
  }
  const last = parser.end();
  if (last.length > 0) yield last;
}

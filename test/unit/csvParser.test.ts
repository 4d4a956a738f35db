import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { CsvParser, CsvSyntaxError, parseCsvStream, type CsvField, type CsvParserOptions } from '../../src/engines/csvStream';
import { Random } from '../../src/core/random';

function parse(input: string | Uint8Array[], options: CsvParserOptions = {}): CsvField[][] {
  const parser = new CsvParser(options);
  const chunks = typeof input === 'string' ? [input] : input;
  return [...chunks.flatMap((c) => parser.push(c)), ...parser.end()];
}

/** Splits bytes at the given offsets. */
function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const bounds = [0, ...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length];
  return bounds.slice(1).map((end, i) => bytes.subarray(bounds[i]!, end));
}

/** Writes records the way Athena does: every value quoted, quotes doubled, NULL as an empty unquoted field. */
function athenaCsv(records: CsvField[][], newline = '\n'): string {
  return records.map((r) => r.map((f) => (f === null ? '' : `"${f.replaceAll('"', '""')}"`)).join(',') + newline).join('');
}

describe('the CSV parser', () => {
  it('reads plain and quoted fields', () => {
    assert.deepEqual(parse('a,b,c\n1,"two",3\n'), [
      ['a', 'b', 'c'],
      ['1', 'two', '3'],
    ]);
  });

  it('keeps commas, doubled quotes and newlines inside quoted fields', () => {
    assert.deepEqual(parse('"x, y","say ""hi""","line 1\nline 2\r\nline 3"\n'), [['x, y', 'say "hi"', 'line 1\nline 2\r\nline 3']]);
  });

  it('ends records at CRLF, LF or a lone CR, and takes a last record without a newline', () => {
    assert.deepEqual(parse('a,b\r\nc,d\re,f\ng,h'), [
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
      ['g', 'h'],
    ]);
  });

  it('adds no record for a final newline, but one for a blank line and for a trailing comma', () => {
    assert.deepEqual(parse(''), []);
    assert.deepEqual(parse('a\n'), [['a']]);
    assert.deepEqual(parse('a\n\nb\n'), [['a'], [''], ['b']]);
    assert.deepEqual(parse('a,\n,\n'), [
      ['a', ''],
      ['', ''],
    ]);
  });

  it('tells Athena\'s NULL (empty, unquoted) from the empty string ("") when asked', () => {
    const input = '"a",,""\n\n';
    assert.deepEqual(parse(input, { unquotedEmptyAsNull: true }), [['a', null, ''], [null]]);
    assert.deepEqual(parse(input), [['a', '', ''], ['']]);
  });

  it('returns records as soon as a chunk completes them', () => {
    const parser = new CsvParser();
    assert.deepEqual(parser.push('"a","b'), []);
    assert.deepEqual(parser.push('"\n"c'), [['a', 'b']]);
    assert.deepEqual(parser.push('",'), []);
    assert.deepEqual(parser.end(), [['c', '']]);
  });

  it('joins chunks split inside a quoted field, between a doubled quote, and between CR and LF', () => {
    const text = '"ab""cd",e\r\n"f"\r\n';
    for (let cut = 1; cut < text.length; cut++) {
      const parser = new CsvParser();
      const records = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut)), ...parser.end()];
      assert.deepEqual(records, [['ab"cd', 'e'], ['f']], `cut at ${cut}`);
    }
  });

  it('joins multi-byte UTF-8 characters split across chunks', () => {
    const text = '"ü€","😀 emoji",日本\n';
    const bytes = new TextEncoder().encode(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      assert.deepEqual(parse(splitAt(bytes, [cut])), [['ü€', '😀 emoji', '日本']], `cut at byte ${cut}`);
    }
    // One byte at a time, too.
    assert.deepEqual(parse(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1))), [['ü€', '😀 emoji', '日本']]);
  });

  it('rejects a quote inside an unquoted field, text after a closing quote, and an unterminated quote', () => {
    assert.throws(() => parse('ab"c\n'), CsvSyntaxError);
    assert.throws(() => parse('"ab"c,d\n'), /closing quote .*record 1/);
    assert.throws(() => parse('a\n"open'), /ends inside a quoted field \(record 2\)/);
  });

  it('streams from a readable, one batch per completed chunk', async () => {
    const source = Readable.from([Buffer.from('"a"\n"b'), Buffer.from('"\n"c"'), Buffer.from('\n')]);
    const batches: CsvField[][][] = [];
    for await (const batch of parseCsvStream(source)) batches.push(batch);
    assert.deepEqual(batches, [[['a']], [['b']], [['c']]]);
  });

  it('round-trips random records split into random chunks (seeded fuzz)', () => {
    const random = new Random(20241121);
    const alphabet = ['a', 'Z', '0', ' ', ',', '"', '\n', '\r', '\r\n', 'ü', '€', '😀', '\t', "'"];
    const field = (): CsvField => {
      if (random.chance(0.1)) return null;
      return Array.from({ length: random.int(8) }, () => alphabet[random.int(alphabet.length)]).join('');
    };
    for (let round = 0; round < 300; round++) {
      const width = 1 + random.int(5);
      const records = Array.from({ length: random.int(12) }, () => Array.from({ length: width }, field));
      const bytes = new TextEncoder().encode(athenaCsv(records, random.chance(0.5) ? '\n' : '\r\n'));
      const cuts = Array.from({ length: random.int(6) }, () => random.int(bytes.length + 1));
      assert.deepEqual(parse(splitAt(bytes, cuts), { unquotedEmptyAsNull: true }), records, `round ${round}, cuts ${cuts.join(',')}`);
    }
  });
});

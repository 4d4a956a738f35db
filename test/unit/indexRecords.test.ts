// The streaming record parser of append-only data objects (src/core/index/records.ts): exact byte ranges, whatever
// the chunking.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { RecordLineParser, parseRecords, recordBatches, type RecordLocation } from '../../src/core/index/records';
import { keyTimestampMs } from '../../src/core/index/keys';
import { Random } from '../../src/core/random';

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Parses `body` pushed in the given chunks. */
function parseChunks(chunks: Uint8Array[]): { records: RecordLocation[]; parser: RecordLineParser } {
  const parser = new RecordLineParser();
  const records: RecordLocation[] = [];
  const sink = (key: string, offset: number, length: number) => records.push({ key, offset, length });
  for (const chunk of chunks) parser.push(chunk, sink);
  parser.end(sink);
  return { records, parser };
}

/** Every record's bytes as text. */
function texts(body: Uint8Array, records: RecordLocation[]): string[] {
  return records.map((r) => decode(body.subarray(r.offset, r.offset + r.length)));
}

describe('the record parser', () => {
  it("reads the seed's file: a header, then `uuid-unixtime, payload` lines", () => {
    const body = encode('uuid, data\n8057149c-d437-4067-9120-75834f4ac821-1683832386, {"key": "foo", "value": "var"}\n');
    const { records, stats } = parseRecords(body);
    assert.deepEqual(records, [{ key: '8057149c-d437-4067-9120-75834f4ac821-1683832386', offset: 11, length: 79 }]);
    assert.deepEqual(texts(body, records), ['8057149c-d437-4067-9120-75834f4ac821-1683832386, {"key": "foo", "value": "var"}']);
    assert.deepEqual(stats, { lines: 2, records: 1, headers: 1, blank: 0, malformed: 0, bytes: body.length });
  });

  it('gives the line without its ending for LF, CRLF and a last line without a newline', () => {
    const body = encode('a-1,x\nb-2,yy\r\nc-3,zzz');
    const { records } = parseRecords(body);
    assert.deepEqual(records, [
      { key: 'a-1', offset: 0, length: 5 },
      { key: 'b-2', offset: 6, length: 6 },
      { key: 'c-3', offset: 14, length: 7 },
    ]);
    assert.deepEqual(parseRecords(encode('a-1,x\r')).records, [{ key: 'a-1', offset: 0, length: 5 }]);
    assert.deepEqual(parseRecords(encode('a-1,x\r\n')).records, [{ key: 'a-1', offset: 0, length: 5 }]);
  });

  it('splits at the first comma and trims the key; the payload may hold commas and a CR', () => {
    const body = encode('  k-5 \t, a,b,\rc\n');
    const { records } = parseRecords(body);
    assert.deepEqual(records, [{ key: 'k-5', offset: 0, length: 15 }]);
    assert.deepEqual(texts(body, records), ['  k-5 \t, a,b,\rc']);
  });

  it('counts multi-byte UTF-8 in bytes, in keys and payloads', () => {
    const body = encode('clé-1683832386,dé jà vu 😀\n日本-1683832387,😀\n');
    const { records } = parseRecords(body);
    assert.deepEqual(
      records.map((r) => r.key),
      ['clé-1683832386', '日本-1683832387'],
    );
    assert.deepEqual(texts(body, records), ['clé-1683832386,dé jà vu 😀', '日本-1683832387,😀']);
    assert.equal(records[1]!.offset, encode('clé-1683832386,dé jà vu 😀\n').length);
  });

  it('skips and counts the header, blank lines and malformed lines, keeping samples', () => {
    const body = encode('uuid, data\n\n  \r\nno comma here\n, empty key\nnotime,x\nk-1,ok\nbad-12x,y\n\n');
    const { records, stats, samples } = parseRecords(body);
    assert.deepEqual(
      records.map((r) => r.key),
      ['k-1'],
    );
    assert.deepEqual(stats, { lines: 9, records: 1, headers: 1, blank: 3, malformed: 4, bytes: body.length });
    assert.deepEqual(
      samples.map((s) => [s.line, s.reason, s.text]),
      [
        [4, 'no-comma', 'no comma here'],
        [5, 'empty-key', ''],
        [6, 'no-timestamp', 'notime'],
        [8, 'no-timestamp', 'bad-12x'],
      ],
    );
    assert.equal(samples[0]!.offset, 16);
  });

  it('takes only the first non-record line as a header; a file without one has none', () => {
    assert.equal(parseRecords(encode('k-1,a\nuuid, data\n')).stats.malformed, 1);
    assert.equal(parseRecords(encode('k-1,a\nuuid, data\n')).stats.headers, 0);
    assert.equal(parseRecords(encode('\n\nuuid, data\nk-1,a\n')).stats.headers, 1);
  });

  it('finds the same records whatever the chunk boundaries (CRLF, UTF-8 sequences and keys split across chunks)', () => {
    const random = new Random(12);
    const lines: string[] = ['uuid, data'];
    for (let i = 0; i < 60; i++) {
      const key = `${random.chance(0.3) ? 'ü日😀' : ''}${random.uuid()}-${1683832386 + i}`;
      const payload = random.chance(0.1) ? '' : `{"v": "${random.chars('abc,é😀 ', random.int(40))}"}`;
      lines.push(random.chance(0.1) ? '' : `${random.chance(0.5) ? ' ' : ''}${key}${random.chance(0.5) ? ', ' : ','}${payload}`);
    }
    const text = lines.map((line) => `${line}${random.chance(0.5) ? '\r\n' : '\n'}`).join('') + 'last-1683839999,tail';
    const body = encode(text);
    const whole = parseRecords(body);
    assert.ok(whole.records.length > 40);
    // Every record's bytes are exactly its line.
    for (const record of whole.records) {
      const line = decode(body.subarray(record.offset, record.offset + record.length));
      assert.ok(!line.includes('\n') && !line.endsWith('\r'), line);
      assert.equal(line.split(',')[0]!.trim(), record.key);
    }
    // Every split into two chunks, then random splits into many (including empty chunks and single bytes).
    for (let cut = 0; cut <= body.length; cut++) {
      assert.deepEqual(parseChunks([body.subarray(0, cut), body.subarray(cut)]).records, whole.records, `cut at ${cut}`);
    }
    for (let trial = 0; trial < 50; trial++) {
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < body.length;) {
        const size = random.int(trial % 5 === 0 ? 3 : 40);
        chunks.push(body.subarray(at, at + size));
        at += size;
      }
      const { records, parser } = parseChunks(chunks);
      assert.deepEqual(records, whole.records);
      assert.deepEqual(parser.stats, whole.stats);
    }
  });

  it('does not take a UTF-8 byte-order mark into the first key', () => {
    const body = new Uint8Array([0xef, 0xbb, 0xbf, ...encode('k-1,a\n')]);
    assert.deepEqual(parseRecords(body).records, [{ key: 'k-1', offset: 3, length: 5 }]);
  });

  it('counts from startOffset when the body starts mid-object', () => {
    assert.deepEqual(parseRecords(encode('k-1,a\n'), { startOffset: 1000 }).records, [{ key: 'k-1', offset: 1000, length: 5 }]);
  });

  it('treats invalid UTF-8 in a key and over-long keys as malformed, without buffering the whole line', () => {
    const invalid = new Uint8Array([...encode('k-0,a\n'), 0xff, 0xfe, ...encode('-1,x\n')]);
    const parsed = parseRecords(invalid);
    assert.equal(parsed.stats.malformed, 1);
    assert.equal(parsed.samples[0]!.reason, 'invalid-utf8');
    const long = encode(`k-0,a\n${'x'.repeat(70000)}-1,x\n${'y'.repeat(200000)}\nk-2,b\n`);
    const longParsed = parseRecords(long);
    assert.deepEqual(
      longParsed.records.map((r) => r.key),
      ['k-0', 'k-2'],
    );
    assert.deepEqual(
      longParsed.samples.map((s) => s.reason),
      ['key-too-long', 'key-too-long'],
    );
  });

  it('accepts another key rule', () => {
    const { records } = parseRecords(encode('anything,a\n'), { isKey: () => true });
    assert.equal(records[0]!.key, 'anything');
  });

  it('streams batches from an async body', async () => {
    async function* body() {
      yield encode('uuid, data\nk-1,a');
      yield encode('\nk-2,b\n');
      yield encode('k-3,c');
    }
    const batches: RecordLocation[][] = [];
    for await (const batch of recordBatches(body())) batches.push(batch);
    assert.deepEqual(
      batches.map((b) => b.map((r) => r.key)),
      [['k-1', 'k-2'], ['k-3']],
    );
  });

  it('refuses input after end', () => {
    const parser = new RecordLineParser();
    parser.end(() => undefined);
    assert.throws(() => parser.push(encode('k-1,a'), () => undefined), /after end/);
  });

  it('hands the build the same records as key bytes with their timestamps, whatever the chunking (pushRaw)', () => {
    const random = new Random(21);
    const lines = ['uuid, data', ''];
    for (let i = 0; i < 80; i++)
      lines.push(
        `${random.chance(0.5) ? ' ' : ''}${random.chance(0.2) ? 'ké-' : ''}${random.uuid()}-${1683832386 + i}${random.chance(0.5) ? ' , ' : ','}p${i}`,
      );
    lines.push('bad line', 'x-12a,y', 'k-1683832386123,ms');
    const body = encode(lines.join(random.chance(0.5) ? '\r\n' : '\n'));
    const expected = parseRecords(body);
    for (const size of [1, 2, 7, 64, body.length]) {
      const parser = new RecordLineParser();
      const got: (RecordLocation & { timestampMs: number })[] = [];
      const sink = (source: Uint8Array, keyStart: number, keyEnd: number, timestampMs: number, offset: number, length: number) =>
        got.push({ key: decode(source.subarray(keyStart, keyEnd)), offset, length, timestampMs });
      for (let at = 0; at < body.length; at += size) parser.pushRaw(body.subarray(at, at + size), sink);
      parser.endRaw(sink);
      assert.deepEqual(
        got.map(({ key, offset, length }) => ({ key, offset, length })),
        expected.records,
        `chunks of ${size}`,
      );
      for (const record of got) assert.equal(record.timestampMs, keyTimestampMs(record.key));
      assert.deepEqual(parser.stats, expected.stats);
      assert.deepEqual(parser.samples, expected.samples);
    }
  });
});

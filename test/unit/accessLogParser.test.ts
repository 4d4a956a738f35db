import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  ACCESS_LOG_FIELDS,
  AccessLogParser,
  defaultAccessLogScanner,
  parseAccessLogText,
  type AccessLogField,
  type AccessLogParserOptions,
  type ParsedAccessLogRecord,
} from '../../src/core/accessLog/parser';
import * as layout from '../../src/core/accessLog/scannerLayout';
import { ACCESS_LOG_SCANNER_WASM } from '../../src/core/accessLog/scannerWasm';
import { Random } from '../../src/core/random';
import { decodeLogKey } from '../../src/core/s3keys';
import { AWS_ACCESS_LOG_REGEX, generateInto, listFiles, smallEstateOptions } from './estate/fixture';
import { mutateLine } from './mutations';

// From the AWS documentation's "Amazon S3 server access log format" examples.
const AWS_EXAMPLE =
  '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be amzn-s3-demo-bucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /amzn-s3-demo-bucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSV1.2 arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes us-east-1';
const GET_OBJECT =
  'owner1 my-bucket [14/Jul/2023:09:15:02 +0000] 2001:db8::1 arn:aws:iam::123456789012:user/alice ABCDEF0123456789 REST.GET.OBJECT tenant-042/2023/07/14/a%2Bb%252Bc.json "GET /my-bucket/tenant-042/2023/07/14/a%20b%2Bc.json?versionId=v1 HTTP/1.1" 206 - 1024 4096 35 12 "https://console.aws.amazon.com/" "aws-cli/2.13.5 Python/3.11.4 Linux/5.15 exe/x86_64.ubuntu.22 prompt/off" v1 HOSTID= SigV4 TLS_AES_128_GCM_SHA256 AuthHeader my-bucket.s3.us-east-1.amazonaws.com TLSv1.3 - - us-east-1';

describe('the access-log parser', () => {
  it('reads the AWS documentation example with its field names, - as null, numbers as numbers', () => {
    const { records, malformed } = parseAccessLogText(AWS_EXAMPLE);
    assert.deepEqual(malformed, []);
    const r = records[0]!;
    assert.equal(r.bucket, 'amzn-s3-demo-bucket1');
    assert.equal(new Date(r.time).toISOString(), '2019-02-06T00:00:38.000Z');
    assert.equal(r.remote_ip, '192.0.2.3');
    assert.equal(r.request_id, '3E57427F3EXAMPLE');
    assert.equal(r.operation, 'REST.GET.VERSIONING');
    assert.equal(r.key, null);
    assert.equal(r.request_uri, 'GET /amzn-s3-demo-bucket1?versioning HTTP/1.1');
    assert.equal(r.http_status, 200);
    assert.equal(r.error_code, null);
    assert.equal(r.bytes_sent, 113);
    assert.equal(r.object_size, null);
    assert.equal(r.total_time, 7);
    assert.equal(r.turn_around_time, null);
    assert.equal(r.referrer, null);
    assert.equal(r.user_agent, 'S3Console/0.4');
    assert.equal(r.signature_version, 'SigV4');
    assert.equal(r.host_header, 'amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com');
    assert.equal(r.access_point_arn, 'arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP');
    assert.equal(r.acl_required, 'Yes');
    assert.equal(r.source_region, 'us-east-1');
  });

  it("reads quoted fields with spaces, IPv6, and URL-decodes the key (twice, as S3 encodes a request's key)", () => {
    const r = parseAccessLogText(GET_OBJECT).records[0]!;
    assert.equal(r.remote_ip, '2001:db8::1');
    assert.equal(r.key, 'tenant-042/2023/07/14/a b+c.json');
    assert.equal(r.user_agent, 'aws-cli/2.13.5 Python/3.11.4 Linux/5.15 exe/x86_64.ubuntu.22 prompt/off');
    assert.equal(r.referrer, 'https://console.aws.amazon.com/');
    assert.equal(r.http_status, 206);
    assert.equal(r.version_id, 'v1');
    assert.equal(r.tls_version, 'TLSv1.3');
  });

  it('ignores fields S3 may append after the known ones, and accepts older, shorter lines', () => {
    const longer = parseAccessLogText(`${GET_OBJECT} some-future-field another`).records[0]!;
    assert.equal(longer.source_region, 'us-east-1');
    const older = parseAccessLogText(GET_OBJECT.split(' v1 HOSTID=')[0]!).records[0]!;
    assert.equal(older.user_agent, 'aws-cli/2.13.5 Python/3.11.4 Linux/5.15 exe/x86_64.ubuntu.22 prompt/off');
    assert.equal(older.version_id, null);
    assert.equal(older.source_region, null);
  });

  it('reports truncated and garbled lines with their line numbers, and keeps the good ones', () => {
    const text = [AWS_EXAMPLE, AWS_EXAMPLE.slice(0, 150), 'not a log line', GET_OBJECT.replace('"GET /my', 'GET /my'), '', GET_OBJECT].join('\n');
    const { records, malformed } = parseAccessLogText(text);
    assert.equal(records.length, 2);
    assert.deepEqual(
      malformed.map((m) => m.line),
      [2, 3, 4],
    );
    assert.match(malformed[0]!.reason, /no closing quote|ends before/);
    assert.match(malformed[1]!.reason, /time field/);
    assert.match(malformed[2]!.reason, /not quoted|not a number/);
  });

  it('rejects impossible times with the reason, instead of rolling them over', () => {
    const at = (time: string) => GET_OBJECT.replace('14/Jul/2023:09:15:02 +0000', time);
    const { records, malformed } = parseAccessLogText(
      [
        at('31/Feb/2026:10:00:00 +0000'),
        at('14/Jul/2023:1::00:00 +0000'),
        at('14/Jul/2023:09:15:02 +2460'),
        at('14/Jul/2023:09:15:02 *0000'),
        at('29/Feb/2024:23:59:59 -0130'),
      ].join('\n'),
    );
    assert.deepEqual(
      malformed.map((m) => [m.line, m.reason]),
      [
        [1, 'the time field has no such date'],
        [2, 'the time field has no such time of day'],
        [3, 'the time field has no such time zone offset'],
        [4, 'the time field is not [dd/Mon/yyyy:HH:mm:ss +zzzz]'],
      ],
    );
    assert.equal(new Date(records[0]!.time).toISOString(), '2024-03-01T01:29:59.000Z');
  });

  it('handles CRLF endings, a missing final newline, and chunks split anywhere', () => {
    const text = `${AWS_EXAMPLE}\r\n${GET_OBJECT}\r\n${AWS_EXAMPLE}`;
    const whole = parseAccessLogText(text).records;
    const bytes = Buffer.from(text);
    const pieces: ParsedAccessLogRecord[] = [];
    const parser = new AccessLogParser(
      (r) => pieces.push(r),
      () => assert.fail('no malformed lines'),
    );
    for (let i = 0; i < bytes.length; i += 7) parser.push(bytes.subarray(i, i + 7));
    parser.end();
    assert.equal(whole.length, 3);
    assert.deepEqual(pieces, whole);
  });

  it("decodes a request's key twice and S3's own operations' keys once, as decodeLogKey does, and keeps the raw text when it is not valid URL-encoding", () => {
    const keys = [
      'a%20b',
      'a%2520b',
      'dt%253D2025-06-07/part',
      'a+b%2Bc',
      'a%2Bb%252Bc',
      '%3d%3D',
      'caf%25C3%25A9%2B%25E2%259C%2593',
      'caf%C3%A9%20%E2%9C%93%20%F0%9F%9A%80',
      'x%zz',
      'x%',
      'x%4',
      'bad%C3',
      'bad%C3%28',
      '%ED%A0%80',
      'plain/key.json',
      '100%25',
      '100%2525',
      '%7F%80',
      'foo-%2525Y',
    ];
    for (const operation of ['REST.GET.OBJECT', 'WEBSITE.GET.OBJECT', 'BATCH.DELETE.OBJECT', 'S3.EXPIRE.OBJECT', 'S3.CREATE.DELETEMARKER']) {
      for (const key of keys) {
        // Decoded as often as S3 encoded it; where the second pass fails, once; where even that fails, the text as it is.
        const expected = decodeLogKey(key, operation) ?? decodeLogKey(key, 'S3.EXPIRE.OBJECT') ?? key;
        const line = GET_OBJECT.replace('REST.GET.OBJECT tenant-042/2023/07/14/a%2Bb%252Bc.json "', `${operation} ${key} "`);
        for (const scanner of ['wasm', 'js'] as const)
          assert.equal(parseAccessLogText(line, { scanner }).records[0]!.key, expected, `${operation} ${key} (${scanner})`);
      }
    }
  });

  it('decodes any key field exactly as decodeLogKey does, whatever escapes it mixes (fuzz)', () => {
    const random = new Random(1207);
    const pieces = [
      'a',
      'Z',
      '0',
      '/',
      '.',
      '%',
      '2',
      '5',
      'B',
      'C',
      '3',
      'A',
      '9',
      'E',
      '+',
      '%25',
      '%2B',
      '%2b',
      '%20',
      '%2520',
      '%252B',
      '%C3',
      '%A9',
      '%25C3',
      '%25A9',
      '%E2%9C%93',
      '%25E2%259C%2593',
      '%F0%9F%9A%80',
      '%zz',
      '%2',
    ];
    for (let n = 0; n < 3000; n++) {
      const field = Array.from({ length: 1 + random.int(10) }, () => random.pick(pieces)).join('');
      for (const operation of ['REST.GET.OBJECT', 'S3.EXPIRE.OBJECT']) {
        const expected = decodeLogKey(field, operation) ?? decodeLogKey(field, 'S3.EXPIRE.OBJECT') ?? field;
        const line = GET_OBJECT.replace('REST.GET.OBJECT tenant-042/2023/07/14/a%2Bb%252Bc.json "', `${operation} ${field} "`);
        for (const scanner of ['wasm', 'js'] as const)
          assert.equal(parseAccessLogText(line, { scanner }).records[0]!.key, expected, `${operation} ${field} (${scanner})`);
      }
    }
  });

  it("reads Yelp's example of the two encodings: foo-%2525Y is foo-%Y for a request and foo-%25Y for S3's expiration", () => {
    const line = (operation: string) => GET_OBJECT.replace('REST.GET.OBJECT tenant-042/2023/07/14/a%2Bb%252Bc.json "', `${operation} foo-%2525Y "`);
    assert.equal(parseAccessLogText(line('REST.GET.OBJECT')).records[0]!.key, 'foo-%Y');
    assert.equal(parseAccessLogText(line('S3.EXPIRE.OBJECT')).records[0]!.key, 'foo-%25Y');
    assert.equal(parseAccessLogText(line('BATCH.DELETE.OBJECT')).records[0]!.key, 'foo-%25Y');
  });

  it('reads lines with non-ASCII text, split anywhere (inside a character too), and lines longer than a decoding block', () => {
    const accented = GET_OBJECT.replace('"aws-cli/2.13.5', '"caf\u00e9 \u2713 \ud83d\ude80 aws-cli/2.13.5');
    const long = AWS_EXAMPLE.replace('"S3Console/0.4"', `"${'x'.repeat(200_000)}"`);
    const lines: string[] = [];
    for (let i = 0; i < 400; i++) lines.push(i % 3 === 0 ? accented : i % 5 === 0 ? 'garbled line' : GET_OBJECT, i === 200 ? long : AWS_EXAMPLE);
    const bytes = Buffer.from(lines.join('\r\n'));
    const whole = parseAccessLogText(bytes);
    assert.equal(whole.records.length + whole.malformed.length, lines.length);
    assert.equal(whole.records.filter((r) => r.user_agent?.startsWith('caf\u00e9 \u2713 \ud83d\ude80 ')).length, 134);
    assert.equal(whole.records.find((r) => r.user_agent?.length === 200_000)?.bucket, 'amzn-s3-demo-bucket1');
    for (const size of [1, 13, 4096, 100_000]) {
      const records: ParsedAccessLogRecord[] = [];
      const malformed: number[] = [];
      const parser = new AccessLogParser(
        (r) => records.push(r),
        (m) => malformed.push(m.line),
      );
      for (let i = 0; i < bytes.length; i += size) parser.push(bytes.subarray(i, i + size));
      parser.end();
      assert.deepEqual(records, whole.records, `chunks of ${size}`);
      assert.deepEqual(
        malformed,
        whole.malformed.map((m) => m.line),
        `chunks of ${size}`,
      );
    }
  });

  it("with `fields`, gives records of just those fields, in the log's order", () => {
    const full = parseAccessLogText(GET_OBJECT).records[0]!;
    const { records } = parseAccessLogText(GET_OBJECT, { fields: ['version_id', 'key', 'time'] });
    const r = records[0]!;
    assert.deepEqual(Object.keys(r), ['time', 'key', 'version_id']);
    assert.deepEqual(r, { time: full.time, key: full.key, version_id: full.version_id });
    // A projection of every field is the full record.
    assert.deepEqual(parseAccessLogText(GET_OBJECT, { fields: [...ACCESS_LOG_FIELDS].reverse() }).records[0], full);
    assert.throws(
      () =>
        new AccessLogParser(
          () => undefined,
          () => undefined,
          { fields: ['nope' as AccessLogField] },
        ),
      /unknown access-log field/,
    );
  });

  describe('the WebAssembly scanner', () => {
    /** Everything a parse gives, with the scanner named: records (or scanned lines), malformed lines, counts. */
    const outcome = (bytes: Buffer, scanner: 'wasm' | 'js', options: AccessLogParserOptions = {}, chunk = 65_537) => {
      const records: unknown[] = [];
      const malformed: unknown[] = [];
      const scanned = options.onScannedLine !== undefined;
      const parser = new AccessLogParser(
        (r, line) => records.push([line, r]),
        (m) => malformed.push(m),
        {
          ...options,
          scanner,
          ...(scanned
            ? {
                // What a consumer may read of a scanned line: the bounds of present fields, the numbers, the key.
                onScannedLine: (l) => {
                  const [b, o, n, no] = [l.bounds, l.boundsAt, l.numbers, l.numbersAt];
                  const fields = ACCESS_LOG_FIELDS.map((f, i) =>
                    f === 'time' ? n[no + i] : b[o + 2 * i]! < 0 ? null : [b[o + 2 * i], b[o + 2 * i + 1], n[no + i]],
                  );
                  records.push([l.line, l.start, l.end, l.text.substring(l.start, l.end), fields, l.key()]);
                },
              }
            : {}),
        },
      );
      for (let i = 0; i < bytes.length; i += chunk) parser.push(bytes.subarray(i, i + chunk));
      parser.end();
      // The scanners must agree on which lines are valid, not only end with the same records.
      assert.equal(parser.rescued, 0, 'lines the WebAssembly scanner rejected and the JavaScript one accepted');
      return { records, malformed, counts: [parser.records, parser.malformed] };
    };

    it('is the one in use', () => {
      assert.equal(defaultAccessLogScanner(), 'wasm');
    });

    it('is built with the memory layout the host reads: scannerLayout.ts, the one definition of it', () => {
      type Api = { Instance: new (m: object, i: object) => { exports: Record<string, () => number> }; Module: new (b: Uint8Array) => object };
      const { WebAssembly } = globalThis as unknown as { WebAssembly: Api };
      const exports = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(ACCESS_LOG_SCANNER_WASM, 'base64')), {}).exports;
      assert.deepEqual(
        { lineInts: exports.lineInts!(), numberRow: exports.numberRow!(), maxLines: exports.maxLines!(), inputCapacity: exports.inputCapacity!() },
        { lineInts: layout.LINE_INTS, numberRow: layout.NUMBER_ROW, maxLines: layout.MAX_LINES, inputCapacity: layout.INPUT_CAPACITY },
      );
      assert.equal(layout.FIELD_COUNT, ACCESS_LOG_FIELDS.length);
      // The scanner takes its layout from the shared module and defines none of it itself.
      const source = readFileSync(join(__dirname, '..', '..', '..', 'wasm', 'accessLogScanner.ts'), 'utf8');
      assert.match(source, /from '\.\.\/src\/core\/accessLog\/scannerLayout';/);
      for (const name of Object.keys(layout)) assert.doesNotMatch(source, new RegExp(`^\\s*(export\\s+)?(const|let|var)\\s+${name}\\b`, 'm'), name);
    });

    it('falls back to the JavaScript scanner where WebAssembly is missing, and says so in the log once', () => {
      const parser = join(__dirname, '..', '..', 'src', 'core', 'accessLog', 'parser.js');
      const script = `
        const { parseAccessLogText, setAccessLogParserLog, defaultAccessLogScanner } = require(${JSON.stringify(parser)});
        const said = [];
        setAccessLogParserLog({ trace: () => {}, info: () => {}, error: () => {}, warn: (m) => said.push(m) });
        const line = process.argv[1];
        const records = [parseAccessLogText(line).records, parseAccessLogText(line).records, parseAccessLogText(line, { scanner: 'js' }).records];
        process.stdout.write(JSON.stringify({ scanner: defaultAccessLogScanner(), keys: records.map((r) => r[0].key), said }));`;
      // --noexpose_wasm: V8 without the WebAssembly global, as where WebAssembly is not available.
      const output = execFileSync(process.execPath, ['--noexpose_wasm', '-e', script, GET_OBJECT], { encoding: 'utf8' });
      const out = JSON.parse(output) as { scanner: string; keys: string[]; said: string[] };
      assert.equal(out.scanner, 'js');
      assert.deepEqual(out.keys, Array(3).fill(parseAccessLogText(GET_OBJECT).records[0]!.key));
      assert.equal(out.said.length, 1, out.said.join('\n'));
      assert.match(out.said[0]!, /JavaScript scanner.*WebAssembly one could not be loaded \(WebAssembly is not defined\)/);
    });

    it("reads dates as the JavaScript scanner does: leap days, days past a month's end, odd characters, time zones", () => {
      const dates = [
        '29/Feb/2024:12:00:00 +0000',
        '29/Feb/2023:12:00:00 +0000',
        '31/Apr/2026:23:59:59 -1200',
        '01/Jan/1970:00:00:00 +0000',
        '31/Dec/1969:23:59:59 +0000',
        '15/Dec/9999:10:10:10 +1400',
        '0:/Mar/2026:0:/0:/0: +0:30',
        '12/mar/2026:01:02:03 +0000',
        '12/Mar/2026:24:00:00 +0000',
        '12/Mar/2026:23:60:00 +0000',
        '12/Mar/2026:23:59:60 +0000',
        '12/Mar/2026:23:59:61 +0000',
        '12-Mar-2026:01:02:03 +0000',
        '00/Mar/2026:01:02:03 +0000',
        '32/Mar/2026:01:02:03 +0000',
        '12/Mar/20/6:01:02:03 +0000',
      ];
      const text = Buffer.from(dates.map((d) => GET_OBJECT.replace('14/Jul/2023:09:15:02 +0000', d)).join('\n'));
      const js = outcome(text, 'js');
      // Real dates (a leap day, the epoch, a leap second, the widest offset) only; no day past its month's end.
      assert.deepEqual(
        (js.malformed as { line: number }[]).map((m) => m.line),
        [2, 3, 5, 7, 8, 9, 10, 12, 13, 14, 15, 16],
      );
      assert.deepEqual(outcome(text, 'wasm'), js);
    });

    it("gives the JavaScript scanner's records, scanned lines and malformed lines, line for line (fuzz)", () => {
      const random = new Random(4242);
      const junk = [
        '"',
        '[',
        ']',
        ' ',
        '  ',
        '-',
        '- ',
        '"-"',
        '\t',
        '%',
        '+',
        '\u00e9',
        '\u2713',
        '\u0000',
        '\r',
        '9',
        '0',
        '/',
        ':',
        'Feb',
        '+0000',
        '99999999999999999999',
        '%C3',
      ];
      const base = [AWS_EXAMPLE, GET_OBJECT, `${GET_OBJECT} extra trailing`, GET_OBJECT.split(' v1 HOSTID=')[0]!];
      const lines: string[] = [];
      for (let n = 0; n < 6000; n++) {
        const line = mutateLine(random, base[random.int(base.length)]!, junk, { replace: true });
        lines.push(line.replace(/\n/g, ' '));
      }
      // Mostly ASCII blocks (the WebAssembly scanner's), some not (the JavaScript scanner's), CRLF and blank lines.
      const text = Buffer.from(lines.map((l, i) => (i % 97 === 0 ? '' : i % 13 === 0 ? `${l}\r` : l)).join('\n'));
      const projections: (readonly AccessLogField[] | undefined)[] = [
        undefined,
        ['bucket', 'time', 'requester', 'request_id', 'operation', 'key', 'http_status', 'version_id'],
        ['time'],
        ['source_region', 'bytes_sent'],
      ];
      for (const fields of projections) {
        for (const chunk of [65_537, 4093]) {
          const js = outcome(text, 'js', fields ? { fields } : {}, chunk);
          assert.ok(js.counts[0]! > 1000 && js.counts[1]! > 1000, 'the corpus has both outcomes');
          assert.deepEqual(outcome(text, 'wasm', fields ? { fields } : {}, chunk), js, `${fields?.join() ?? 'full'}, chunks of ${chunk}`);
        }
      }
      const scanned = { onScannedLine: () => undefined };
      assert.deepEqual(outcome(text, 'wasm', scanned), outcome(text, 'js', scanned));
    });

    it('rejects exactly the lines the JavaScript scanner rejects, one rule at a time', () => {
      const f = GET_OBJECT.split(' ');
      const cut = (n: number, tail = '') => f.slice(0, n).join(' ') + tail;
      const lines = [
        'owner',
        'owner ',
        'owner bucket',
        'owner bucket ',
        'owner bucket x',
        'owner bucket [14/Jul/2023:09:15:02 +0000',
        'owner bucket [14/Jul/2023:09:15:02 +0000]',
        cut(4),
        cut(5, ' '),
        cut(8),
        cut(8, ' '),
        cut(8, ' -'),
        cut(8, ' "GET'),
        cut(8, ' "GET x"y'),
        cut(8, ' -abc 206'),
        GET_OBJECT.replace(' 206 ', ' 2x6 '),
        GET_OBJECT.replace(' 206 ', '  '),
        GET_OBJECT.replace(' 206 ', ' -x '),
        GET_OBJECT.replace(' 206 ', ' - '),
        GET_OBJECT.replace(' 1024 4096 ', ' 1024  '),
        GET_OBJECT.replace(' 35 12 ', ' 35 -'),
        GET_OBJECT.replace(' 35 12 ', ' 35 12'),
        GET_OBJECT.split(' v1 HOSTID=')[0]!,
        GET_OBJECT.split(' v1 HOSTID=')[0]! + 'x',
        GET_OBJECT.split(' v1 HOSTID=')[0]! + ' ',
        GET_OBJECT.split(' v1 HOSTID=')[0]!.slice(0, -1),
        GET_OBJECT.replace('"https://console.aws.amazon.com/"', '"-"x'),
        GET_OBJECT.replace('"https://console.aws.amazon.com/"', '-'),
        GET_OBJECT.replace('"https://console.aws.amazon.com/"', '"'),
        GET_OBJECT.replace('"https://console.aws.amazon.com/"', 'x"y"'),
        GET_OBJECT.replace('"https://console.aws.amazon.com/" ', '"https://console.aws.amazon.com/"'),
        GET_OBJECT.replace('[14/Jul/2023:09:15:02 +0000]', '[14/Jul/2023:09:15:02 +0000]x'),
        GET_OBJECT.replace('[14/Jul/2023:09:15:02 +0000] ', '[14/Jul/2023:09:15:02 +0000]'),
        GET_OBJECT.replace('owner1 my-bucket', '- -'),
        GET_OBJECT.replace('REST.GET.OBJECT', '-x'),
        GET_OBJECT.replace(' 206 - ', ' 206 -'),
      ];
      for (const line of lines) {
        for (const end of ['', '\r']) {
          const text = Buffer.from(`${line}${end}\n${GET_OBJECT}`);
          assert.deepEqual(outcome(text, 'wasm'), outcome(text, 'js'), JSON.stringify(line));
        }
      }
    });

    it('goes on past its table of lines: a block of many short lines', () => {
      const lines: string[] = [];
      for (let i = 0; i < 12_000; i++) lines.push(i % 50 === 0 ? GET_OBJECT : i % 2 === 0 ? '' : 'x');
      const text = Buffer.from(lines.join('\n'));
      const wasm = outcome(text, 'wasm');
      assert.deepEqual(wasm, outcome(text, 'js'));
      assert.deepEqual(wasm.counts, [240, 6000]);
    });
  });

  describe('on a generated estate', () => {
    let dir: string;
    let lines: string[];
    before(async () => {
      ({ dir } = await generateInto(smallEstateOptions({ objects: 1500, days: 4 })));
      lines = listFiles(dir)
        .filter((f) => f.startsWith('logs/'))
        .flatMap((f) =>
          readFileSync(join(dir, f), 'utf8')
            .split('\n')
            .filter((l) => l !== ''),
        );
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('parses every line the AWS regex accepts, to the same fields', () => {
      const { records, malformed } = parseAccessLogText(lines.join('\n'));
      assert.deepEqual(malformed, []);
      assert.equal(records.length, lines.length);
      records.forEach((r, i) => {
        const m = AWS_ACCESS_LOG_REGEX.exec(lines[i]!)!;
        assert.equal(r.bucket_owner, m[1]);
        assert.equal(r.request_id, m[6]);
        assert.equal(r.operation, m[7]);
        assert.equal(r.key, m[8] === '-' ? null : decodeLogKey(m[8]!, m[7]!));
        assert.equal(r.http_status, m[10] === '-' ? null : Number(m[10]));
        assert.equal(r.user_agent, m[17] === '-' || m[17] === '"-"' ? null : m[17]!.slice(1, -1));
        assert.equal(r.version_id, m[18] === '-' ? null : m[18]);
      });
    });

    it('never crashes on mutated lines, accounts for every line, and loses no valid line among them (fuzz)', () => {
      const random = new Random(99);
      const junk = ['"', '[', ']', ' ', '-', '\t', '%', '\u00e9', '\u0000', '9'];
      const stream: string[] = [];
      const validIds = new Set<string>();
      for (let n = 0; n < 3000; n++) {
        const original = lines[random.int(lines.length)]!;
        let line = original;
        for (let k = 1 + random.int(3); k > 0; k--) {
          const at = random.int(line.length + 1);
          const op = random.int(3);
          if (op === 0) line = line.slice(0, at) + line.slice(at + 1 + random.int(8));
          else if (op === 1) line = line.slice(0, at) + random.pick(junk) + line.slice(at);
          else line = line.slice(0, at);
        }
        line = line.replace(/[\r\n]/g, ' ');
        // Each mutated line on its own: one outcome, a record or a reported malformed line, never a throw.
        const alone = parseAccessLogText(line);
        assert.equal(alone.records.length + alone.malformed.length, line === '' ? 0 : 1, line);
        // And in a stream, between valid lines that must all come through.
        const valid = lines[random.int(lines.length)]!;
        validIds.add(AWS_ACCESS_LOG_REGEX.exec(valid)![6]!);
        stream.push(line, valid);
      }
      const { records } = parseAccessLogText(stream.join('\n'));
      const seen = new Set(records.map((r) => r.request_id));
      for (const id of validIds) assert.ok(seen.has(id), `valid line ${id} came through`);
    });

    it('with `fields`, gives the same values and the same malformed lines as full records (fuzz)', () => {
      const random = new Random(2024);
      const junk = ['"', '[', ']', ' ', '-', '\t', '%', '+', '\u00e9', '\u0120', '\u0000', '9', '/', ':', '%C3', '\r'];
      const stream: string[] = [];
      for (let n = 0; n < 4000; n++) {
        const line = mutateLine(random, lines[random.int(lines.length)]!, junk);
        stream.push(line.replace(/\n/g, ' '));
      }
      const bytes = Buffer.from(stream.join('\n'));
      const parse = <F extends AccessLogField>(fields?: readonly F[]) => {
        const records: [number, Pick<ParsedAccessLogRecord, F>][] = [];
        const malformed: unknown[] = [];
        const parser = new AccessLogParser<F>(
          (r, line) => records.push([line, r]),
          (m) => malformed.push(m),
          fields ? { fields } : {},
        );
        for (let i = 0; i < bytes.length; i += 65_537) parser.push(bytes.subarray(i, i + 65_537));
        parser.end();
        return { records, malformed, counts: [parser.records, parser.malformed] };
      };
      const full = parse();
      assert.ok(full.records.length > 1000 && full.malformed.length > 1000, 'the corpus has both outcomes');
      const projections: (readonly AccessLogField[])[] = [
        ['bucket', 'time', 'requester', 'request_id', 'operation', 'key', 'http_status', 'version_id'],
        ['time'],
        ['user_agent', 'bucket_owner'],
        ['source_region', 'object_size', 'host_id'],
      ];
      for (const fields of projections) {
        const projected = parse(fields);
        assert.deepEqual(projected.malformed, full.malformed, fields.join());
        assert.deepEqual(projected.counts, full.counts, fields.join());
        assert.deepEqual(
          projected.records,
          full.records.map(([line, r]) => [line, Object.fromEntries(ACCESS_LOG_FIELDS.filter((f) => fields.includes(f)).map((f) => [f, r[f]]))]),
          fields.join(),
        );
      }
    });
  });
});

// S3 server access logs as others wrote them: the shared corpus (its SOURCES.md says where each file
// comes from): AWS's documentation examples, other parsers' fixtures, and real log objects. Every
// line must be read, or rejected with its reason where it is truly broken, and alike by the
// WebAssembly and the JavaScript scanner. Where a source says what a line's fields are, an adapter
// maps its names and representations to ours and we must say the same, field by field, except where
// the product reads a field otherwise on purpose: each such difference is named and asserted below.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import {
  ACCESS_LOG_FIELDS,
  AccessLogParser,
  defaultAccessLogScanner,
  type AccessLogField,
  type KeyUriDisagreement,
  type MalformedLine,
  type ParsedAccessLogRecord,
} from '../../../src/core/accessLog/parser';
import { decodeLogKey, decodeS3Key, requestUriNamesKey } from '../../../src/core/s3keys';
import { externalPath, readExternal } from '../externalCorpus';

type Rec = ParsedAccessLogRecord;
/** What a source says of a line's fields, in our names and representations. */
type Theirs = Partial<Record<AccessLogField, unknown>>;
type Scanner = 'wasm' | 'js';

// ---------------------------------------------------------------------------------------------
// Reading a corpus file

interface Reading {
  records: [number, Rec][];
  malformed: MalformedLine[];
  disagreements: KeyUriDisagreement[];
  counters: { records: number; malformed: number; recovered: number; rescued: number; keyUriDisagreements: number };
}

function read(bytes: Buffer, scanner: Scanner, chunk = bytes.length): Reading {
  const records: [number, Rec][] = [];
  const malformed: MalformedLine[] = [];
  const disagreements: KeyUriDisagreement[] = [];
  const parser = new AccessLogParser(
    (r, line) => records.push([line, r]),
    (m) => malformed.push(m),
    {
      scanner,
      onKeyUriDisagreement: (d) => disagreements.push(d),
    },
  );
  const step = Math.max(1, chunk);
  for (let at = 0; at < bytes.length; at += step) parser.push(bytes.subarray(at, at + step));
  parser.end();
  const { recovered, rescued, keyUriDisagreements } = parser;
  return { records, malformed, disagreements, counters: { records: parser.records, malformed: parser.malformed, recovered, rescued, keyUriDisagreements } };
}

interface LogFile {
  name: string;
  /** The physical lines without their line endings: [0] is line 1. */
  lines: string[];
  /** Records by line number. */
  records: Map<number, Rec>;
  malformed: MalformedLine[];
  recovered: number;
  /** The lines that parse only through recovery (each line read on its own). */
  recoveredLines: number[];
  keyUriDisagreements: number;
}

const readFiles = new Map<string, LogFile>();

/**
 * A corpus file as the parser reads it, with both scanners (which must agree on every record,
 * rejection and counter), whole and in small chunks; and each line on its own, which must read as
 * it does in its file, and says whether it needed recovery.
 */
function logFile(name: string): LogFile {
  const known = readFiles.get(name);
  if (known) return known;
  const bytes = readFileSync(externalPath('access-logs', name));
  const wasm = read(bytes, 'wasm');
  assert.deepEqual(read(bytes, 'js'), wasm, `${name}: the JavaScript scanner reads it as the WebAssembly one does`);
  assert.deepEqual(read(bytes, 'wasm', 61), wasm, `${name}: fed in 61-byte chunks, as fed whole`);
  assert.deepEqual(read(bytes, 'js', 61), wasm, `${name}: fed in 61-byte chunks to the JavaScript scanner, as fed whole`);
  assert.equal(wasm.counters.rescued, 0, `${name}: no line the WebAssembly scanner refused was accepted by the reference`);
  assert.deepEqual([wasm.counters.records, wasm.counters.malformed], [wasm.records.length, wasm.malformed.length], `${name}: .records and .malformed`);
  assert.deepEqual(wasm.disagreements, [], `${name}: key/URI disagreements`);
  const lines = bytes
    .toString('utf8')
    .split('\n')
    .map((line) => line.replace(/\r$/, ''));
  if (lines[lines.length - 1] === '') lines.pop();
  const records = new Map(wasm.records);
  const recoveredLines: number[] = [];
  lines.forEach((line, i) => {
    if (line === '') return;
    const alone = read(Buffer.from(line, 'utf8'), 'wasm');
    assert.deepEqual(read(Buffer.from(line, 'utf8'), 'js'), alone, `${name} line ${i + 1} alone: both scanners`);
    const inFile = records.get(i + 1);
    assert.deepEqual(
      alone.records.map(([, r]) => r),
      inFile ? [inFile] : [],
      `${name} line ${i + 1} reads alone as in its file`,
    );
    if (alone.counters.recovered > 0) recoveredLines.push(i + 1);
  });
  const file: LogFile = {
    name,
    lines,
    records,
    malformed: wasm.malformed,
    recovered: wasm.counters.recovered,
    recoveredLines,
    keyUriDisagreements: wasm.counters.keyUriDisagreements,
  };
  readFiles.set(name, file);
  return file;
}

function recordAt(file: LogFile, line: number): Rec {
  const record = file.records.get(line);
  assert.ok(record, `${file.name} line ${line} is a record`);
  return record;
}

interface LineExpectations {
  /** The lines the parser must reject, with the reason it gives. */
  rejected?: Record<number, RegExp>;
  /** The lines that parse only through recovery (quoted fields holding quotes). */
  recovered?: number[];
}

/**
 * Every physical line of the file is a record, but the rejected ones, which are reported with their
 * line number and reason; the recovered lines are exactly those; no request's key disagrees with its URI.
 */
function readsEveryLine(name: string, physicalLines: number, expect: LineExpectations = {}): LogFile {
  const file = logFile(name);
  assert.equal(file.lines.length, physicalLines, `${name}: physical lines (wc -l)`);
  const nonBlank = file.lines.flatMap((line, i) => (line === '' ? [] : [i + 1]));
  const rejected = Object.keys(expect.rejected ?? {}).map(Number);
  assert.deepEqual(
    file.malformed.map((m) => m.line),
    rejected,
    `${name}: the lines rejected`,
  );
  for (const m of file.malformed) {
    assert.match(m.reason, expect.rejected![m.line]!, `${name} line ${m.line}: the reason`);
    assert.ok(file.lines[m.line - 1]!.startsWith(m.text), `${name} line ${m.line}: the report quotes the line's start`);
  }
  assert.deepEqual(
    [...file.records.keys()],
    nonBlank.filter((line) => !rejected.includes(line)),
    `${name}: every other line is a record`,
  );
  assert.equal(file.records.size + file.malformed.length, nonBlank.length);
  assert.equal(file.recovered, (expect.recovered ?? []).length, `${name}: .recovered`);
  assert.deepEqual(file.recoveredLines, expect.recovered ?? [], `${name}: the lines read through recovery`);
  assert.equal(file.keyUriDisagreements, 0, `${name}: .keyUriDisagreements`);
  return file;
}

/** The fields in which two records differ. */
function differingFields(a: Rec, b: Rec): AccessLogField[] {
  return ACCESS_LOG_FIELDS.filter((field) => !isDeepStrictEqual(a[field], b[field]));
}

const iso = (ms: number) => new Date(ms).toISOString();
const LATER_THAN_18 = ACCESS_LOG_FIELDS.slice(ACCESS_LOG_FIELDS.indexOf('host_id'));
const LATER_THAN_24 = ['access_point_arn', 'acl_required', 'source_region'] as const;

// ---------------------------------------------------------------------------------------------
// Comparing with what a source says

/**
 * Our record against a source's (already in our names and representations): every field the
 * source speaks of must be ours. All mismatches show at once.
 */
function assertAgrees(ours: Rec, theirs: Theirs, where: string): void {
  const mine: Theirs = {};
  for (const field of Object.keys(theirs) as AccessLogField[]) mine[field] = ours[field];
  assert.deepEqual(mine, theirs, where);
}

/**
 * A deliberate, named difference: the source has `their`, we have `our` in `field`, which then
 * leaves the comparison. Both values are asserted, so the difference cannot grow unnoticed.
 */
function differs(theirs: Theirs, ours: Rec, field: AccessLogField, their: unknown, our: unknown): void {
  assert.ok(field in theirs, `the source speaks of ${field}`);
  assert.deepEqual(theirs[field], their, `their ${field}`);
  assert.deepEqual(ours[field], our, `our ${field}`);
  delete theirs[field];
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `[dd/Mon/yyyy:HH:mm:ss +zzzz]`, brackets optional, as epoch ms (the zone offset applied). */
function clfToEpoch(text: string): number {
  const m = /^\[?(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})\]?$/.exec(text);
  assert.ok(m, `a log time: ${text}`);
  const [, day, month, year, hour, minute, second, sign, offsetHours, offsetMinutes] = m;
  const offset = (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes));
  assert.ok(MONTHS.includes(month!));
  return Date.UTC(Number(year), MONTHS.indexOf(month!), Number(day), Number(hour), Number(minute), Number(second)) - offset * 60_000;
}

/** Epoch ms as a log time in UTC, `dd/Mon/yyyy:HH:mm:ss +0000`. */
function epochToClf(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  const date = `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}`;
  return `${date}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/** A request URI's parts (`GET /a?b HTTP/1.1`), as Elastic, Logstash and NCBI split it. */
function requestParts(uri: string | null): { method: string; target: string; version: string } | undefined {
  const m = uri === null ? null : /^(\S+) (\S+) HTTP\/(\S+)$/.exec(uri);
  return m ? { method: m[1]!, target: m[2]!, version: m[3]! } : undefined;
}

function expectedJson<T>(name: string): T {
  return JSON.parse(readExternal('access-logs', name)) as T;
}

// ---------------------------------------------------------------------------------------------
// Values quoted from the corpus

const DOC_OWNER = '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be';
const PHP_SCAN =
  '/?s=index/\\think\\template\\driver\\file/write&cacheFile=robots.php&content=xbshell1<?php$password%20=%20"xinba";' +
  '$ch%20=%20explode(".","hello.ass.world.er.t");array_intersect_ukey(array($_REQUEST[$password]%20=>%201),%20array(1),%20$ch[1].$ch[3].$ch[4]);?>';
const QUOTED_MOZILLA = '"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/67.0.3396.99 Safari/537.36';
const PRESIGNED_WITH_FILENAME =
  'GET /blobs/30a/9ff/30a9ffac-7c86-4323-b9d1-442860bbcaca?response-content-disposition=attachment;%20filename=' +
  '"sub-20220105001_ses-20220105T155227_slice-20220105001_cell-20220105001_icephys.nwb"&X-Amz-Algorithm=AWS4-HMAC-SHA256' +
  '&X-Amz-Credential=XYZ/20241113/us-east-2/s3/aws4_request&X-Amz-Date=20241113T182411Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host' +
  '&X-Amz-Signature=XXXXXXXX HTTP/1.1';
const PIP_JSON = {
  ci: null,
  cpu: 'x86_64',
  distro: { id: 'Core', libc: { lib: 'glibc', version: '2.17' }, name: 'CentOS Linux', version: '7' },
  implementation: { name: 'CPython', version: '3.6.7' },
  installer: { name: 'pip', version: '19.1' },
  openssl_version: 'OpenSSL 1.1.1b  26 Feb 2019',
  python: '3.6.7',
  setuptools_version: '41.0.1',
  system: { name: 'Linux', release: '3.10.0-514.10.2.el7.x86_64' },
};
const PIP_USER_AGENT =
  'pip/19.1 {"ci":null,"cpu":"x86_64","distro":{"id":"Core","libc":{"lib":"glibc","version":"2.17"},"name":"CentOS Linux","version":"7"},' +
  '"implementation":{"name":"CPython","version":"3.6.7"},"installer":{"name":"pip","version":"19.1"},"openssl_version":"OpenSSL 1.1.1b  26 Feb 2019",' +
  '"python":"3.6.7","setuptools_version":"41.0.1","system":{"name":"Linux","release":"3.10.0-514.10.2.el7.x86_64"}}';
const TWO_TOKEN_HOST_ID = 'AIDAISBTTLPGXGH6YFFAY LzYGhqEwXn5Xiuil9tI6JtK2PiIo+SC6Ute3Isq2qEmt/t0Z7qFkyD0mp1ZIc43bm0qSX4tBbbc=';
const HADOOP_UA = 'Hadoop 3.4.0-SNAPSHOT, aws-sdk-java/1.11.901 Mac_OS_X/10.15.7 OpenJDK_64-Bit_Server_VM/25.252-b09 java/1.8.0_252 vendor/AdoptOpenJDK';

const CORPUS_FILES = [
  'aws-docs-current-partial.log',
  'aws-docs-devguide-2018.log',
  'aws-docs-devguide-2019.log',
  'aws-docs-devguide-2021.log',
  'aws-docs-userguide-2023.log',
  'cocoonlife-s3-log-parse-tests.log',
  'dandi-2020-01-01-05-06-35-0123456789ABCDEF.log',
  'dandi-2022-01-01-05-06-35-0123456789ABCDEF.log',
  'dandi-s3-log-parser-reduction_example_2-2022-04-06.log',
  'donnemartin-mrjob-s3-log-parser-test.log',
  'elastic-beats-filebeat-s3access-s3_server_access.log',
  'elastic-beats-filebeat-s3access-test.log',
  'elastic-integrations-aws-s3access-pipeline.log',
  'hadoop-s3a-audit-stevel-london-2021-02-24.log',
  'kdgm-logstash-plugins-s3_access_log_spec.log',
  'knil-sama-s3-access-log-rust.log',
  'lnav-s3_log-format-samples.log',
  'logstash-patterns-core-aws_spec.log',
  'lovit-s3-log-parser-docstring.log',
  'ncbi-logging-aws_bucket_log.log',
  'ncbi-logging-aws_testlines.log',
  'ncbi-logging-parser-tests.log',
  'panther-s3_server_access_test.log',
];

// ---------------------------------------------------------------------------------------------

describe('S3 access logs as others wrote them: every line read, or rejected with its reason, alike by both scanners', () => {
  it('covers each of the 23 .log files of the corpus (175 lines: 172 records, 3 rejected), with the WebAssembly scanner in use', () => {
    assert.equal(defaultAccessLogScanner(), 'wasm', 'WebAssembly is available here, so wasm and js are two different scanners');
    assert.deepEqual(
      readdirSync(externalPath('access-logs'))
        .filter((name) => name.endsWith('.log'))
        .sort(),
      CORPUS_FILES,
    );
    const files = CORPUS_FILES.map(logFile);
    assert.equal(
      files.reduce((n, f) => n + f.lines.length, 0),
      175,
    );
    assert.equal(
      files.reduce((n, f) => n + f.records.size, 0),
      172,
    );
    assert.equal(
      files.reduce((n, f) => n + f.malformed.length, 0),
      3,
    );
  });

  it("reads the 2018 developer guide's 18-field example: the version ID is the last field, everything after it null", () => {
    const file = readsEveryLine('aws-docs-devguide-2018.log', 6);
    for (const r of file.records.values()) {
      assert.equal(r.bucket, 'mybucket');
      assert.equal(r.requester, DOC_OWNER);
      assert.equal(r.referrer, null);
      assert.equal(r.user_agent, 'S3Console/0.4');
      for (const field of ['version_id', ...LATER_THAN_18] as const) assert.equal(r[field], null, field);
    }
    const put = recordAt(file, 5);
    assert.equal(iso(put.time), '2014-02-06T00:01:57.000Z');
    assert.deepEqual(
      [put.operation, put.key, put.request_uri, put.http_status, put.bytes_sent, put.object_size, put.total_time, put.turn_around_time],
      ['REST.PUT.OBJECT', 's3-dg.pdf', 'PUT /mybucket/s3-dg.pdf HTTP/1.1', 200, null, 4406583, 41754, 28],
    );
    // The sixth line, which later versions of the page dropped.
    assert.equal(recordAt(file, 6).request_id, 'BC3C074D0EXAMPLE');
    assert.equal(iso(recordAt(file, 6).time), '2014-02-06T00:03:21.000Z');
    assert.deepEqual([recordAt(file, 3).http_status, recordAt(file, 3).error_code, recordAt(file, 3).bytes_sent], [404, 'NoSuchBucketPolicy', 297]);
  });

  it('reads the 2019 developer guide\'s 24-field example (SigV2, "TLSV1.1" as written), exactly as Filebeat\'s copy of it', () => {
    const file = readsEveryLine('aws-docs-devguide-2019.log', 5);
    const filebeat = logFile('elastic-beats-filebeat-s3access-test.log');
    for (const [line, r] of file.records) {
      assert.deepEqual(r, recordAt(filebeat, line), `line ${line} as Filebeat's test.log line ${line}`);
      assert.equal(r.signature_version, line === 5 ? 'SigV4' : 'SigV2');
      assert.equal(r.tls_version, 'TLSV1.1');
      assert.equal(r.host_header, 'awsexamplebucket.s3.amazonaws.com');
      assert.equal(r.authentication_type, 'AuthHeader');
      for (const field of LATER_THAN_24) assert.equal(r[field], null, field);
    }
    assert.equal(recordAt(file, 5).cipher_suite, 'ECDHE-RSA-AES128-SHA');
    assert.equal(recordAt(file, 1).host_id, 's9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234=');
  });

  it("reads the 2021 developer guide's example as the 2019 one, but for its bucket name and regional host header", () => {
    const file = readsEveryLine('aws-docs-devguide-2021.log', 5);
    const earlier = logFile('aws-docs-devguide-2019.log');
    for (const [line, r] of file.records) {
      const before = recordAt(earlier, line);
      assert.deepEqual(differingFields(r, before), ['bucket', 'request_uri', 'host_header'], `line ${line}`);
      assert.equal(r.bucket, 'awsexamplebucket1');
      assert.equal(r.request_uri, before.request_uri!.replace('/awsexamplebucket', '/awsexamplebucket1'));
      assert.equal(r.host_header, 'awsexamplebucket1.s3.us-west-1.amazonaws.com');
    }
  });

  it('reads the 2023 user guide\'s 26 fields (access point ARN, aclRequired), line 3\'s trailing space after "Yes" included', () => {
    const file = readsEveryLine('aws-docs-userguide-2023.log', 5);
    assert.ok(file.lines[2]!.endsWith(' Yes '), "the source's trailing space is there");
    assert.deepEqual(
      [...file.records.values()].map((r) => [r.access_point_arn, r.acl_required, r.source_region]),
      [
        ['arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP', 'Yes', null],
        [null, null, null],
        [null, 'Yes', null],
        [null, null, null],
        [null, 'Yes', null],
      ],
    );
    for (const r of file.records.values()) {
      assert.equal(r.bucket, 'DOC-EXAMPLE-BUCKET1');
      assert.equal(r.tls_version, 'TLSV1.2');
    }
  });

  it("reads the current page's 27th field, the source Region, in the aws and aws-cn partitions; lines 1-2 are the 2023 lines renamed", () => {
    const file = readsEveryLine('aws-docs-current-partial.log', 3);
    const y2023 = logFile('aws-docs-userguide-2023.log');
    for (const r of file.records.values()) assert.equal(r.source_region, 'us-east-1');
    const cn = recordAt(file, 3);
    assert.equal(cn.host_header, 'amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com.cn');
    assert.equal(cn.access_point_arn, 'arn:aws-cn:s3:us-west-1:123456789012:accesspoint/example-AP');
    assert.equal(cn.acl_required, 'Yes');
    for (const line of [1, 2]) {
      const renamed = (text: string | null) => text?.replaceAll('DOC-EXAMPLE-BUCKET1', 'amzn-s3-demo-bucket1') ?? null;
      const old = recordAt(y2023, line);
      assert.deepEqual(recordAt(file, line), {
        ...old,
        bucket: renamed(old.bucket),
        request_uri: renamed(old.request_uri),
        host_header: renamed(old.host_header),
        source_region: 'us-east-1',
      });
    }
  });

  it("reads cocoonlife's 26-field line", () => {
    const r = recordAt(readsEveryLine('cocoonlife-s3-log-parse-tests.log', 1), 1);
    assert.deepEqual(
      [r.host_header, r.tls_version, r.access_point_arn, r.acl_required, r.source_region],
      ['bucket-name.s3.amazonaws.com', 'TLSv1.2', null, null, null],
    );
  });

  it("reads DANDI's 2020 lines: 25 and 26 fields, a version ID in the URI and in its field, anonymous requests with no signature", () => {
    const file = readsEveryLine('dandi-2020-01-01-05-06-35-0123456789ABCDEF.log', 4);
    for (const r of file.records.values()) {
      assert.deepEqual([r.remote_ip, r.requester, r.signature_version, r.authentication_type], ['192.0.2.0', null, null, null]);
      assert.deepEqual([r.cipher_suite, r.host_header, r.tls_version], ['ECDHE-RSA-AES128-GCM-SHA256', 'dandiarchive.s3.amazonaws.com', 'TLSv1.2']);
      assert.equal(r.access_point_arn, null);
      assert.equal(r.acl_required, null);
    }
    assert.equal(recordAt(file, 1).http_status, 206);
    assert.equal(recordAt(file, 2).version_id, 'MwI7yXtui4mtwTeuZxHoT4qHap44j3T2');
    assert.equal(recordAt(file, 2).user_agent, 'git-annex/10.20220927-geb4a544');
    const versioned = recordAt(file, 3);
    assert.equal(versioned.version_id, 'yn5YAJiwT36Rv78jGYLM71GZumWL.QWn');
    assert.ok(versioned.request_uri!.includes(`?versionId=${versioned.version_id} `));
    assert.equal(recordAt(file, 4).host_id, 'FAKEHASHVALUE0000000000000000000001=');
  });

  it("reads DANDI's hardest lines: quotes inside the request URI, referrer and user agent recovered; a line with an empty requester field rejected", () => {
    const file = readsEveryLine('dandi-2022-01-01-05-06-35-0123456789ABCDEF.log', 9, {
      // Two spaces between the remote IP and the requester: a redaction left an empty field.
      rejected: { 7: /^the requester field is empty \(two spaces in a row\)$/ },
      recovered: [1, 2, 4],
    });
    // The user agent `""Mozilla/5.0 …"`: the client's own quote is part of it.
    const quotedUa = recordAt(file, 1);
    assert.equal(quotedUa.user_agent, QUOTED_MOZILLA);
    assert.deepEqual([quotedUa.referrer, quotedUa.http_status, quotedUa.bytes_sent, quotedUa.object_size], [null, 200, 6616308, 422868123111]);
    // A PHP-injection scan: its quotes in the request URI and in the referrer.
    const scan = recordAt(file, 2);
    assert.equal(scan.request_uri, `GET /${PHP_SCAN} HTTP/1.1`);
    assert.equal(scan.referrer, `https://dandiarchive.s3.amazonaws.com/${PHP_SCAN}`);
    assert.equal(scan.user_agent, 'Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)');
    assert.deepEqual([scan.key, scan.http_status, scan.error_code, scan.bytes_sent, scan.total_time], ['/', 404, 'NoSuchKey', 272, 9]);
    assert.equal(scan.host_id, 'V9t1ypjyDY4plW1QdEvZxgIn2dEET3gncqHpXCat9UyAups5FXGyiU0kcrI2fWZmTh66E67H/tI=');
    // A presigned URL with `filename="….nwb"` in its query.
    const presigned = recordAt(file, 4);
    assert.equal(presigned.request_uri, PRESIGNED_WITH_FILENAME);
    assert.equal(presigned.referrer, null);
    assert.deepEqual(
      [presigned.requester, presigned.signature_version, presigned.cipher_suite, presigned.authentication_type, presigned.tls_version],
      ['arn:aws:iam::123:user/dandi-api-heroku', 'SigV4', 'TLS_AES_128_GCM_SHA256', 'QueryString', 'TLSv1.3'],
    );
    const zarr = recordAt(file, 3);
    assert.deepEqual(
      [zarr.key, zarr.http_status, zarr.bytes_sent, zarr.object_size, zarr.cipher_suite, zarr.tls_version],
      ['zarr/2cae90ba-cfc5-4500-9f10-adf9533413ee/0/1/1/3', 304, null, 250340, 'TLS_AES_128_GCM_SHA256', 'TLSv1.3'],
    );
    assert.equal(zarr.referrer, 'https://neuroglancer-demo.appspot.com/');
    assert.deepEqual([recordAt(file, 6).bytes_sent, recordAt(file, 6).object_size], [null, 0]);
    assert.equal(recordAt(file, 9).host_id, 'FAKEHASHVALUE0000000000000000000003=');
  });

  it("reads the DANDI reduction example's raw log, lines 1 and 3 through recovery, as the archive's own lines", () => {
    const file = readsEveryLine('dandi-s3-log-parser-reduction_example_2-2022-04-06.log', 5, { recovered: [1, 3] });
    const archive = logFile('dandi-2022-01-01-05-06-35-0123456789ABCDEF.log');
    assert.equal(recordAt(file, 1).user_agent, QUOTED_MOZILLA);
    assert.deepEqual(differingFields(recordAt(file, 1), recordAt(archive, 1)), ['key', 'request_uri']);
    assert.deepEqual(recordAt(file, 3), recordAt(archive, 2));
    assert.equal(recordAt(file, 3).request_uri, `GET /${PHP_SCAN} HTTP/1.1`);
  });

  it("reads mrjob's HEAD line (a federated user, a version ID) and rejects its line cut short after the remote IP", () => {
    const file = readsEveryLine('donnemartin-mrjob-s3-log-parser-test.log', 2, { rejected: { 2: /^the line ends before the requester field$/ } });
    const r = recordAt(file, 1);
    assert.deepEqual(
      [r.requester, r.operation, r.key, r.http_status, r.bytes_sent, r.object_size, r.total_time, r.turn_around_time],
      ['arn:aws:sts::000005646931:federated-user/user', 'REST.HEAD.OBJECT', 'user/file.pdf', 200, null, 4000272, 18, null],
    );
    assert.equal(r.request_uri, 'HEAD /user/file.pdf?versionId=00000XMHZJp6DjM9x50000000000SDZk HTTP/1.1');
    assert.equal(r.user_agent, 'Boto/2.5.1 (darwin) USER-AGENT/1.0.14.0');
    assert.equal(r.version_id, '00000XMHZJp6DjM9x5JVEAMo8MG00000');
    for (const field of LATER_THAN_18) assert.equal(r[field], null, field);
  });

  it("reads Filebeat's non-anonymised lines as Elastic's integration's anonymised copies, but for the remote IP and requester", () => {
    const file = readsEveryLine('elastic-beats-filebeat-s3access-s3_server_access.log', 5);
    const anonymised = logFile('elastic-integrations-aws-s3access-pipeline.log');
    for (const [line, r] of file.records) assert.deepEqual(differingFields(r, recordAt(anonymised, line)), ['remote_ip', 'requester'], `line ${line}`);
    assert.equal(recordAt(file, 1).remote_ip, '72.21.217.31');
    assert.equal(recordAt(file, 5).remote_ip, '77.227.156.41');
    assert.equal(recordAt(file, 5).requester, 'arn:aws:iam::627959692251:user/jaime.soriano@elastic.co');
  });

  it("reads Filebeat's test log, its synthetic line's +0200 zone applied (14:48:42 +0200 is 12:48:42 UTC)", () => {
    const file = readsEveryLine('elastic-beats-filebeat-s3access-test.log', 6);
    const fake = recordAt(file, 6);
    assert.equal(iso(fake.time), '2021-02-09T12:48:42.000Z');
    assert.deepEqual([fake.bucket, fake.operation, fake.key, fake.request_uri], ['faketest', 'REST.OPTIONS.FAKE', 's3-dg.pdf', 'OPTIONS * HTTP/1.0']);
  });

  it("reads Elastic's pipeline fixture: bare-dash BATCH.DELETE.OBJECT lines, delivery-service lines with no remote IP, a 2025 S3.EXPIRE.OBJECT", () => {
    const file = readsEveryLine('elastic-integrations-aws-s3access-pipeline.log', 10);
    for (const line of [5, 6]) {
      const r = recordAt(file, line);
      assert.deepEqual([r.operation, r.request_uri, r.http_status, r.referrer, r.user_agent], ['BATCH.DELETE.OBJECT', null, 204, null, null]);
    }
    // BATCH.DELETE.OBJECT's key is encoded once: `+` is a space.
    assert.equal(recordAt(file, 6).key, 'Screen Shot 2019-09-09 at 9.08.44 AM.png');
    for (const line of [7, 8, 9]) {
      const r = recordAt(file, line);
      assert.deepEqual([r.remote_ip, r.requester, r.referrer, r.user_agent], [null, 'svc:delivery.logs.amazonaws.com', null, null]);
    }
    assert.deepEqual([recordAt(file, 7).access_point_arn, recordAt(file, 7).acl_required], [null, null]);
    assert.deepEqual([recordAt(file, 8).access_point_arn, recordAt(file, 8).acl_required], ['arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP', 'Yes']);
    assert.deepEqual([recordAt(file, 9).http_status, recordAt(file, 9).acl_required], [null, null]);
    const expire = recordAt(file, 10);
    assert.deepEqual(
      [expire.operation, expire.requester, expire.remote_ip, expire.request_uri, expire.http_status, expire.object_size],
      ['S3.EXPIRE.OBJECT', 'AmazonS3', null, null, null, 317],
    );
    assert.equal(expire.version_id, 'qsEq9bDa2VyxyZ4cz0c7oBnF67VYTTij');
    assert.equal(expire.host_id, 'DMlPb9al4CvVBck150CgpEIIYgtSI3HC/atetNVYwPtHZffW6jfpg+BrffhbT9/B');
    // Seven trailing dashes: 26 fields, each null.
    for (const field of ACCESS_LOG_FIELDS.slice(ACCESS_LOG_FIELDS.indexOf('signature_version'))) assert.equal(expire[field], null, field);
  });

  it("reads Hadoop's whole S3A audit log object: 42 lines of 24 fields, each multi-object delete with one BATCH.DELETE.OBJECT line per key", () => {
    const file = readsEveryLine('hadoop-s3a-audit-stevel-london-2021-02-24.log', 42);
    const records = [...file.records.values()];
    const operations: Record<string, number> = {};
    for (const r of records) operations[r.operation!] = (operations[r.operation!] ?? 0) + 1;
    assert.deepEqual(operations, {
      'BATCH.DELETE.OBJECT': 23,
      'REST.GET.BUCKET': 6,
      'REST.HEAD.OBJECT': 3,
      'REST.PUT.OBJECT': 3,
      'REST.POST.MULTI_OBJECT_DELETE': 3,
      'REST.POST.UPLOADS': 2,
      'REST.PUT.PART': 2,
    });
    const batch = records.filter((r) => r.operation === 'BATCH.DELETE.OBJECT');
    for (const r of batch) {
      assert.ok(r.key!.endsWith('/'), `a directory marker: ${r.key}`);
      assert.deepEqual([r.request_uri, r.referrer, r.user_agent, r.http_status], [null, null, null, 204]);
    }
    const deletes = records.filter((r) => r.operation === 'REST.POST.MULTI_OBJECT_DELETE');
    assert.deepEqual(
      deletes.map((r) => r.request_uri),
      Array(3).fill('POST /?delete HTTP/1.1'),
    );
    assert.deepEqual(new Set(batch.map((r) => r.request_id)), new Set(deletes.map((r) => r.request_id)), "the per-key lines share their request's ID");
    assert.equal(records.filter((r) => /^https:\/\/hadoop\.apache\.org\/audit\/[^ ]*\?principal=stevel&/.test(r.referrer ?? '')).length, 19);
    assert.deepEqual([...new Set(records.map((r) => r.user_agent).filter((ua) => ua !== null))].sort(), [
      HADOOP_UA,
      `${HADOOP_UA} com.amazonaws.services.s3.transfer.TransferManager/1.11.901`,
    ]);
    for (const r of records) {
      assert.deepEqual([r.bucket, r.tls_version, r.host_header], ['stevel-london', 'TLSv1.2', 'stevel-london.s3.eu-west-2.amazonaws.com']);
      assert.notEqual(r.host_id, null);
      for (const field of LATER_THAN_24) assert.equal(r[field], null, field);
    }
  });

  it("reads kdgm's 30 real lines (2010-2019): SOAP, bare-dash copies, 307 redirects, and its malformed line 11 through recovery", () => {
    const file = readsEveryLine('kdgm-logstash-plugins-s3_access_log_spec.log', 30, { recovered: [11] });
    // kdgm's spec rejects line 11 (a doubled quote after the referrer); we read the referrer as
    // ending in a literal quote, the rest of the line being in place: a deliberate difference.
    const doubled = recordAt(file, 11);
    assert.equal(doubled.referrer, 'http://kerkdienstgemist.nl/mp3/recorder.php?id=452"');
    assert.deepEqual(differingFields(doubled, recordAt(file, 1)), ['referrer']);
    const soap = recordAt(file, 8);
    assert.deepEqual(
      [soap.operation, soap.key, soap.request_uri, soap.user_agent],
      ['SOAP.PUT.OBJECT', 'logs/2010-02-10-07-17-02-F6EFD00DAB9A08B6', 'POST /soap/ HTTP/1.1', 'Axis/1.3'],
    );
    assert.deepEqual([recordAt(file, 9).requester, recordAt(file, 9).http_status, recordAt(file, 9).error_code], [null, 307, 'TemporaryRedirect']);
    for (const line of [12, 13, 14]) {
      const copy = recordAt(file, line);
      assert.deepEqual(
        [copy.operation, copy.request_uri, copy.http_status, copy.bytes_sent, copy.total_time, copy.referrer, copy.user_agent, copy.version_id],
        ['REST.COPY.OBJECT_GET', null, 200, null, null, null, null, null],
      );
    }
    assert.equal(recordAt(file, 6).error_code, 'NoSuchLifecycleConfiguration');
    assert.equal(recordAt(file, 15).user_agent, 'VLC media player - version 1.0.5 Goldeneye - (c) 1996-2010 the VideoLAN team');
    const acl = recordAt(file, 21);
    assert.equal(acl.key, '92221041-v1014211/20140914075120_15201610-mp4.mp4');
    assert.equal(acl.request_uri, 'PUT /92221041-v1014211%2F20140914075120_15201610-mp4.mp4?acl HTTP/1.1');
    const fog = recordAt(file, 28);
    assert.deepEqual(
      [fog.user_agent, fog.signature_version, fog.host_header, fog.tls_version],
      ['fog/1.37.0 fog-core/1.42.0', 'SigV4', 's3-eu-west-1.amazonaws.com', 'TLSv1.2'],
    );
    const denied = recordAt(file, 30);
    assert.deepEqual(
      [denied.requester, denied.http_status, denied.error_code, denied.signature_version, denied.host_header],
      [null, 403, 'AccessDenied', null, 'media.kerkdienstgemist.nl'],
    );
    assert.equal(recordAt(file, 16).authentication_type, 'QueryString');
  });

  it("reads knil-sama's WEBSITE.GET.OBJECT line from CloudFront, its signature and TLS fields all dashes", () => {
    const r = recordAt(readsEveryLine('knil-sama-s3-access-log-rust.log', 1), 1);
    assert.deepEqual(
      [r.operation, r.key, r.http_status, r.error_code, r.user_agent],
      ['WEBSITE.GET.OBJECT', 'favicon.ico', 404, 'NoSuchKey', 'Amazon CloudFront'],
    );
    assert.deepEqual([r.signature_version, r.cipher_suite, r.authentication_type, r.tls_version], [null, null, null, null]);
    assert.equal(r.host_header, 'aws-website-demonchy-5v3aj.s3-website-us-east-1.amazonaws.com');
  });

  it("reads lnav's 17-field WEBSITE line (no version ID field at all) in a -0500 zone, and its second sample as the 2021 guide's line", () => {
    const file = readsEveryLine('lnav-s3_log-format-samples.log', 2);
    const website = recordAt(file, 1);
    assert.equal(iso(website.time), '2012-02-10T21:42:07.000Z', '16:42:07 -0500');
    assert.deepEqual(
      [website.bucket, website.operation, website.key, website.request_uri],
      ['www.example.com', 'WEBSITE.GET.OBJECT', 'index', 'GET /index HTTP/1.1'],
    );
    assert.equal(website.user_agent, 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/535.11 (KHTML, like Gecko) Chrome/17.0.963.56 Safari/535.11');
    for (const field of ['version_id', ...LATER_THAN_18] as const) assert.equal(website[field], null, field);
    assert.deepEqual(recordAt(file, 2), recordAt(logFile('aws-docs-devguide-2021.log'), 1));
  });

  it("reads logstash-patterns-core's lines: a truncated owner, an anonymous 304, a user agent with commas", () => {
    const file = readsEveryLine('logstash-patterns-core-aws_spec.log', 3);
    assert.deepEqual([recordAt(file, 1).bucket_owner, recordAt(file, 1).requester], ['79a5', '79a5']);
    const notModified = recordAt(file, 2);
    assert.deepEqual([notModified.requester, notModified.http_status, notModified.bytes_sent, notModified.object_size], [null, 304, null, 1718]);
    assert.equal(recordAt(file, 3).turn_around_time, 12);
  });

  it("reads lovit's masked line as written: asterisks are values, not dashes", () => {
    const r = recordAt(readsEveryLine('lovit-s3-log-parser-docstring.log', 1), 1);
    assert.deepEqual([r.bucket_owner, r.remote_ip, r.requester, r.request_id], ['1e28afdbd73****', '***.***.***.***', '1e28afdbd73f***', 'F6425****']);
    assert.deepEqual([r.key, r.object_size, r.version_id], ['directory/subdirectory/filename', 276913361, null]);
  });

  it("reads NCBI's 2020 bucket log, CRLF line endings and all: no carriage return in the last field", () => {
    const file = readsEveryLine('ncbi-logging-aws_bucket_log.log', 9);
    for (const r of file.records.values()) assert.equal(r.tls_version, 'TLSv1.2');
    const operations = [...file.records.values()].map((r) => r.operation);
    assert.deepEqual(operations, ['REST.PUT.PART', 'REST.GET.BUCKET', 'REST.HEAD.OBJECT', ...Array(6).fill('REST.PUT.PART')]);
    const list = recordAt(file, 2);
    assert.equal(list.request_uri, 'GET /?list-type=2&delimiter=%2F&prefix=SRR11691992%2FCDI8.R1.fastq.gz.1&encoding-type=url HTTP/1.1');
    assert.deepEqual([recordAt(file, 3).key, recordAt(file, 3).object_size], ['SRR11567906/CHORI-BC00301_S1_L004_I1_001.fastq.1', 8727112454]);
    const part = /^PUT \/SRR11691263\/AslQ8-2_S53_L008_R2_001\.fastq\.1\?partNumber=4&uploadId=0XhDnT\.QPE_[^ ]+-- HTTP\/1\.1$/;
    assert.match(recordAt(file, 4).request_uri!, part);
  });

  it('reads NCBI\'s production test lines: a wildcard key, a key ".", bare-dash copies, an anonymous GET, a two-token host ID', () => {
    const file = readsEveryLine('ncbi-logging-aws_testlines.log', 9);
    const wildcard = recordAt(file, 2);
    assert.equal(wildcard.key, 'SRR9154112/*.fastq*');
    assert.equal(requestUriNamesKey(wildcard.request_uri!, wildcard.bucket, wildcard.key!), true, 'the URI writes * as %2A');
    assert.deepEqual(recordAt(file, 5), recordAt(file, 6), 'lines 5 and 6 are the same line');
    assert.equal(recordAt(file, 5).key, '.');
    const copy = recordAt(file, 3);
    assert.deepEqual(
      [copy.request_uri, copy.http_status, copy.object_size, copy.user_agent, copy.host_header],
      [null, null, 351400, null, 'sra-pub-sars-cov2.s3.amazonaws.com'],
    );
    const anonymous = recordAt(file, 8);
    assert.deepEqual(
      [anonymous.requester, anonymous.signature_version, anonymous.authentication_type, anonymous.cipher_suite],
      [null, null, null, 'ECDHE-RSA-AES128-GCM-SHA256'],
    );
    assert.equal(recordAt(file, 9).host_id, TWO_TOKEN_HOST_ID);
  });

  it("reads NCBI's parser edge cases: the pip JSON user agent through recovery, an 18-field restore, two fused records rejected", () => {
    const file = readsEveryLine('ncbi-logging-parser-tests.log', 7, {
      rejected: { 5: /^another record's time follows the time field: two records on one line$/ },
      recovered: [1],
    });
    const pip = recordAt(file, 1);
    assert.equal(pip.user_agent, PIP_USER_AGENT);
    assert.deepEqual(JSON.parse(pip.user_agent!.slice('pip/19.1 '.length)), PIP_JSON, 'the user agent is the whole JSON');
    assert.deepEqual([pip.referrer, pip.version_id, pip.signature_version, pip.tls_version], [null, null, null, 'TLSv1.2']);
    const restore = recordAt(file, 2);
    assert.deepEqual(
      [restore.operation, restore.requester, restore.remote_ip, restore.key, restore.request_uri, restore.object_size],
      ['S3.RESTORE.OBJECT', 'AmazonS3', null, 'data_check_loop.log', null, 7803564],
    );
    for (const field of ['version_id', ...LATER_THAN_18] as const) assert.equal(restore[field], null, field);
    assert.deepEqual([recordAt(file, 3).tls_version, recordAt(file, 3).referrer], ['TLSv1', 'https://sra-pub-src-2.s3.amazonaws.com/ERR1676719/']);
    assert.equal(recordAt(file, 4).authentication_type, 'QueryString');
    assert.equal(recordAt(file, 7).host_id, TWO_TOKEN_HOST_ID);
  });

  it("reads Panther's fixture, an assumed-role requester and an S3.EXPIRE.OBJECT with no remote IP or status among it", () => {
    const file = readsEveryLine('panther-s3_server_access_test.log', 5);
    assert.equal(recordAt(file, 3).requester, 'arn:aws:sts::123456789012:assumed-role/PantherLogProcessingRole/1579693334126446707');
    const expire = recordAt(file, 5);
    assert.deepEqual([expire.operation, expire.remote_ip, expire.http_status, expire.requester], ['S3.EXPIRE.OBJECT', null, null, 'AmazonS3']);
    // The fields after the host ID are five dashes.
    for (const field of ['signature_version', 'cipher_suite', 'authentication_type', 'host_header', 'tls_version', ...LATER_THAN_24] as const) {
      assert.equal(expire[field], null, field);
    }
    // Line 4 is line 3's request with two more fields, `test1 test2`: they are in the 25th and 26th
    // places, which AWS's format has since given to the access point ARN and aclRequired.
    assert.deepEqual(differingFields(recordAt(file, 4), recordAt(file, 3)), ['requester', 'access_point_arn', 'acl_required']);
  });
});

// ---------------------------------------------------------------------------------------------

interface ElasticEvent {
  line_no: number;
  '@timestamp': string;
  'aws.s3access': Record<string, string | number>;
  'event.duration'?: number;
  http?: { request?: { method: string }; version?: string; response?: { status_code?: number; body?: { bytes: number } } };
  url?: { original: string };
}

/** Elastic's names where they are not ours. */
const ELASTIC_NAMES: Partial<Record<AccessLogField, string>> = { access_point_arn: 'point_arn', acl_required: 'aclrequired' };

/** Elastic's aws.s3access object in our terms: it leaves out a field that is `-` (http_status too), so absent is null. */
function fromElastic(event: ElasticEvent): Theirs {
  const s3 = event['aws.s3access'];
  const known = ACCESS_LOG_FIELDS.map((field) => ELASTIC_NAMES[field] ?? field);
  assert.deepEqual(
    Object.keys(s3).filter((name) => !known.includes(name)),
    [],
    'every field Elastic writes is one of ours',
  );
  const theirs: Theirs = {};
  for (const field of ACCESS_LOG_FIELDS) theirs[field] = field === 'time' ? Date.parse(event['@timestamp']) : (s3[ELASTIC_NAMES[field] ?? field] ?? null);
  return theirs;
}

/** The ECS fields Elastic derives from the line, derived from our record the same way. */
function ecsOf(r: Rec) {
  const request = requestParts(r.request_uri);
  return {
    method: request?.method,
    version: request?.version,
    original: request?.target,
    status: r.http_status ?? undefined,
    bytes: r.bytes_sent ?? undefined,
    durationNs: r.total_time === null ? undefined : r.total_time * 1_000_000,
  };
}

interface LegacyCase {
  line_no: number;
  legacy?: Record<string, string | number>;
  legacy_nil?: string[];
  ecs_v1?: EcsGrok;
  ecs_v1_partial?: EcsGrok;
}

interface EcsGrok {
  timestamp?: string;
  client?: { ip?: string; user?: { id?: string } };
  http?: { request?: { method: string }; version?: string; response?: { status_code?: number } };
  url?: { original: string };
  aws?: { s3access?: Record<string, string | number> };
  tls?: { cipher?: string };
  user_agent?: { original?: string };
}

/** The legacy grok pattern's capture names, in ours. */
const LEGACY_NAMES: Record<string, AccessLogField> = {
  owner: 'bucket_owner',
  bucket: 'bucket',
  clientip: 'remote_ip',
  requester: 'requester',
  request_id: 'request_id',
  operation: 'operation',
  key: 'key',
  response: 'http_status',
  error_code: 'error_code',
  bytes: 'bytes_sent',
  object_size: 'object_size',
  request_time_ms: 'total_time',
  turnaround_time_ms: 'turn_around_time',
  referrer: 'referrer',
  agent: 'user_agent',
  version_id: 'version_id',
};

/** Legacy grok captures in our terms: the time is the bracketed text, verb/request/httpversion split the URI, referrer and agent keep their quotes. */
function fromLegacyGrok(legacy: Record<string, string | number>, nil: string[]): Theirs {
  const theirs: Theirs = {};
  for (const [name, value] of Object.entries(legacy)) {
    if (name === 'timestamp') theirs.time = clfToEpoch(String(value));
    else if (name === 'verb' || name === 'request' || name === 'httpversion') continue;
    else {
      const field = LEGACY_NAMES[name];
      assert.ok(field, `a legacy capture we know: ${name}`);
      if (field === 'referrer' || field === 'user_agent') {
        assert.match(String(value), /^".*"$/, `legacy ${name} keeps its quotes`);
        theirs[field] = String(value).slice(1, -1);
      } else theirs[field] = value;
    }
  }
  if ('verb' in legacy) theirs.request_uri = `${legacy.verb} ${legacy.request} HTTP/${legacy.httpversion}`;
  for (const name of nil) {
    if (name === 'tags') continue; // grok's tags (none: the line matched)
    const field = LEGACY_NAMES[name];
    assert.ok(field, `a legacy capture we know: ${name}`);
    theirs[field] = null;
  }
  return theirs;
}

/** ECS-mode grok captures in our terms (aws.s3access.* have our names). */
function fromEcsGrok(ecs: EcsGrok): Theirs {
  const theirs: Theirs = { ...ecs.aws?.s3access };
  const unknown = Object.keys(theirs).filter((name) => !(ACCESS_LOG_FIELDS as readonly string[]).includes(name));
  assert.deepEqual(unknown, [], 'every aws.s3access capture is one of our fields');
  if (ecs.timestamp !== undefined) theirs.time = clfToEpoch(ecs.timestamp);
  if (ecs.client?.ip !== undefined) theirs.remote_ip = ecs.client.ip;
  if (ecs.client?.user?.id !== undefined) theirs.requester = ecs.client.user.id;
  if (ecs.http?.response?.status_code !== undefined) theirs.http_status = ecs.http.response.status_code;
  if (ecs.tls?.cipher !== undefined) theirs.cipher_suite = ecs.tls.cipher;
  if (ecs.user_agent?.original !== undefined) theirs.user_agent = ecs.user_agent.original;
  return theirs;
}

/** Panther's Go struct fields, in ours (it knew the 24 fields of 2020). */
const PANTHER_NAMES: Record<string, AccessLogField> = {
  BucketOwner: 'bucket_owner',
  Bucket: 'bucket',
  Time: 'time',
  RemoteIP: 'remote_ip',
  Requester: 'requester',
  RequestID: 'request_id',
  Operation: 'operation',
  Key: 'key',
  RequestURI: 'request_uri',
  HTTPStatus: 'http_status',
  ErrorCode: 'error_code',
  BytesSent: 'bytes_sent',
  ObjectSize: 'object_size',
  TotalTime: 'total_time',
  TurnAroundTime: 'turn_around_time',
  Referrer: 'referrer',
  UserAgent: 'user_agent',
  VersionID: 'version_id',
  HostID: 'host_id',
  SignatureVersion: 'signature_version',
  CipherSuite: 'cipher_suite',
  AuthenticationType: 'authentication_type',
  HostHeader: 'host_header',
  TLSVersion: 'tls_version',
};

/** A Panther struct in our terms: a field absent from the literal is nil (a dash); the time is RFC 3339. */
function fromPanther(expected: Record<string, unknown>): Theirs {
  for (const name of Object.keys(expected)) assert.ok(name in PANTHER_NAMES || name === 'AdditionalFields', `a Panther field we know: ${name}`);
  const theirs: Theirs = {};
  for (const [name, field] of Object.entries(PANTHER_NAMES)) {
    const value = expected[name];
    theirs[field] = value === undefined ? null : field === 'time' ? Date.parse(String(value)) : value;
  }
  return theirs;
}

/** NCBI's output names, in ours. */
const NCBI_NAMES: Record<string, AccessLogField> = {
  owner: 'bucket_owner',
  bucket: 'bucket',
  ip: 'remote_ip',
  requester: 'requester',
  request_id: 'request_id',
  operation: 'operation',
  key: 'key',
  res_code: 'http_status',
  error: 'error_code',
  res_len: 'bytes_sent',
  obj_size: 'object_size',
  total_time: 'total_time',
  turnaround_time: 'turn_around_time',
  referer: 'referrer',
  agent: 'user_agent',
  version_id: 'version_id',
  host_id: 'host_id',
  sig_ver: 'signature_version',
  cipher_suite: 'cipher_suite',
  auth_type: 'authentication_type',
  host_header: 'host_header',
  tls_version: 'tls_version',
};
/** What NCBI's parser derives from the path and the user agent for its own analyses: not fields of the line. */
const NCBI_DERIVED = [
  'accession',
  'filename',
  'extension',
  'vdb_libc',
  'vdb_os',
  'vdb_phid_compute_env',
  'vdb_phid_guid',
  'vdb_phid_session_id',
  'vdb_release',
  'vdb_tool',
];
const NUMBER_FIELDS: readonly AccessLogField[] = ['http_status', 'bytes_sent', 'object_size', 'total_time', 'turn_around_time'];

/** A line of NCBI's JSONL in our terms: '' is null, numbers are strings, the time keeps its brackets, the URI is method, path and version. */
function fromNcbi(out: Record<string, string>): Theirs {
  const theirs: Theirs = {};
  for (const [name, value] of Object.entries(out)) {
    if (NCBI_DERIVED.includes(name) || name === 'method' || name === 'path' || name === 'vers') continue;
    if (name === 'time') {
      assert.match(value, /^\[.*\]$/);
      theirs.time = clfToEpoch(value);
      continue;
    }
    const field = NCBI_NAMES[name];
    assert.ok(field, `an NCBI field we know: ${name}`);
    if (value === '') theirs[field] = null;
    else if (NUMBER_FIELDS.includes(field)) {
      assert.equal(String(Number(value)), value, `${name} is a whole number`);
      theirs[field] = Number(value);
    } else theirs[field] = value;
  }
  const parts = [out.method, out.path, out.vers];
  assert.ok(parts.every((p) => p === '') || parts.every((p) => p !== ''), 'method, path and version are all there or none');
  theirs.request_uri = out.method === '' ? null : parts.join(' ');
  return theirs;
}

interface KdgmAssertion {
  field?: string;
  equals?: string | null;
  equals_int?: number;
  equals_field?: string;
  includes?: string;
  excludes?: string;
  helper?: string;
  comment?: string;
  event_dropped?: boolean;
}

/**
 * Kerkdienst Gemist's CLF rendering of a line (its filter's `message`): `remote_ip - requester[0..9]
 * [time] "request_uri" status bytes "referrer" "agent" seconds`, with a `-` byte count as 0 and the
 * total time in whole seconds; its site rule renders REST.COPY.OBJECT_GET as a POST of the key, the
 * operation in the referrer's place.
 */
function kdgmClf(r: Rec, bytes = r.bytes_sent ?? 0): string {
  const copy = r.operation === 'REST.COPY.OBJECT_GET';
  const request = copy ? `POST /${r.key} HTTP/1.1` : r.request_uri;
  const referrer = copy ? r.operation : (r.referrer ?? '-');
  const requester = r.requester === null ? '-' : r.requester.slice(0, 10);
  const seconds = Math.round((r.total_time ?? 0) / 1000);
  const agent = r.user_agent ?? '-';
  return `${r.remote_ip ?? '-'} - ${requester} [${epochToClf(r.time)}] "${request}" ${r.http_status ?? '-'} ${bytes} "${referrer}" "${agent}" ${seconds}`;
}

describe('S3 access logs as others wrote them: field by field against what their parsers say', () => {
  it('reads Elastic\'s pipeline fixture as Elastic does, except keys (`+` is a space) and a `"-"` request URI (null)', () => {
    const file = logFile('elastic-integrations-aws-s3access-pipeline.log');
    const { expected } = expectedJson<{ expected: ElasticEvent[] }>('elastic-integrations-aws-s3access-pipeline.expected.json');
    assert.deepEqual(
      expected.map((e) => e.line_no),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    for (const event of expected) {
      const ours = recordAt(file, event.line_no);
      const theirs = fromElastic(event);
      if (event.line_no === 6) {
        // Elastic keeps + in keys; we decode it as S3 does (BATCH.DELETE.OBJECT keys are encoded once).
        differs(theirs, ours, 'key', 'Screen+Shot+2019-09-09+at+9.08.44+AM.png', 'Screen Shot 2019-09-09 at 9.08.44 AM.png');
      }
      if (event.line_no === 10) {
        // Elastic keeps a quoted dash as the request URI "-"; for us `"-"` is null like `-`.
        differs(theirs, ours, 'request_uri', '-', null);
      }
      assertAgrees(ours, theirs, `Elastic event ${event.line_no}`);
      const ecs = {
        method: event.http?.request?.method,
        version: event.http?.version,
        original: event.url?.original,
        status: event.http?.response?.status_code,
        bytes: event.http?.response?.body?.bytes,
        durationNs: event['event.duration'],
      };
      assert.deepEqual(ecsOf(ours), ecs, `Elastic event ${event.line_no}: the ECS fields`);
    }
  });

  it("reads Filebeat's test log as Filebeat does, field for field (its line 6, newer than the expectations, aside)", () => {
    const file = logFile('elastic-beats-filebeat-s3access-test.log');
    const { expected } = expectedJson<{ expected: Record<string, string | number>[] }>('elastic-beats-filebeat-s3access-test.expected.json');
    assert.deepEqual(
      expected.map((e) => e.line_no),
      [1, 2, 3, 4, 5],
    );
    for (const event of expected) {
      const line = Number(event.line_no);
      const ours = recordAt(file, line);
      const names = Object.keys(event)
        .filter((name) => name.startsWith('aws.s3access.'))
        .map((name) => name.slice('aws.s3access.'.length));
      assert.deepEqual(
        names.filter((name) => !(ACCESS_LOG_FIELDS as readonly string[]).includes(name)),
        [],
        'every aws.s3access field is one of ours',
      );
      const theirs: Theirs = {};
      // Filebeat leaves out a field that is `-`: absent is null.
      for (const field of ACCESS_LOG_FIELDS) {
        theirs[field] = field === 'time' ? Date.parse(String(event['@timestamp'])) : (event[`aws.s3access.${field}`] ?? null);
      }
      assertAgrees(ours, theirs, `Filebeat event ${line}`);
      // What Filebeat derives: event.duration (a string of ms in this version), the status, the error code, the TLS version's number.
      assert.equal(event['event.duration'], String(ours.total_time));
      assert.equal(event['http.response.status_code'], ours.http_status);
      assert.equal(event['event.code'], ours.error_code ?? undefined);
      assert.equal(event['tls.version'], ours.tls_version!.replace(/^TLSv/i, ''));
    }
  });

  it("reads logstash-patterns-core's lines as its grok captures, except the `-` legacy mode keeps in key, requester and referrer", () => {
    const file = logFile('logstash-patterns-core-aws_spec.log');
    const { expected } = expectedJson<{ expected: LegacyCase[] }>('logstash-patterns-core-aws_spec.expected.json');
    assert.deepEqual(
      expected.map((e) => e.line_no),
      [1, 2, 3],
    );
    let compared = 0;
    for (const test of expected) {
      const ours = recordAt(file, test.line_no);
      if (test.legacy) {
        const theirs = fromLegacyGrok(test.legacy, test.legacy_nil ?? []);
        // Legacy mode reads `-` as nil only where a pattern says so (error code, numbers, version ID);
        // key and requester keep the dash as text, and the referrer `"-"` too. For us `-` is null.
        if (test.line_no !== 2) differs(theirs, ours, 'key', '-', null);
        if (test.line_no === 2) differs(theirs, ours, 'requester', '-', null);
        differs(theirs, ours, 'referrer', '-', null);
        assertAgrees(ours, theirs, `legacy grok, line ${test.line_no}`);
        compared++;
      }
      for (const ecs of [test.ecs_v1, test.ecs_v1_partial]) {
        if (!ecs) continue;
        assertAgrees(ours, fromEcsGrok(ecs), `ECS grok, line ${test.line_no}`);
        if (ecs.http?.request) {
          assert.equal(`${ecs.http.request.method} ${ecs.url!.original} HTTP/${ecs.http.version}`, ours.request_uri);
        }
        compared++;
      }
    }
    assert.equal(compared, 5, 'three legacy cases, one ECS case, one partial ECS case');
  });

  it("reads Panther's fixture as Panther does, except the extra fields it keeps aside: we read them as the 25th and 26th fields", () => {
    const file = logFile('panther-s3_server_access_test.log');
    const expected = expectedJson<{ line_no: number; test: string; expected: Record<string, unknown> }[]>('panther-s3_server_access_test.expected.json');
    assert.deepEqual(
      expected.map((e) => e.line_no),
      [1, 2, 3, 4, 5],
    );
    for (const test of expected) {
      const ours = recordAt(file, test.line_no);
      assertAgrees(ours, fromPanther(test.expected), `${test.test} (line ${test.line_no})`);
      if (test.line_no === 4) {
        // Panther's 24-field struct keeps `test1 test2` as AdditionalFields; in AWS's format the 25th
        // and 26th fields are the access point ARN and aclRequired, and we read them there.
        assert.deepEqual(test.expected.AdditionalFields, ['test1', 'test2']);
        assert.deepEqual([ours.access_point_arn, ours.acl_required, ours.source_region], ['test1', 'test2', null]);
      } else {
        assert.equal(test.expected.AdditionalFields, undefined);
        for (const field of LATER_THAN_24) assert.equal(ours[field], null, field);
      }
    }
  });

  it("reads cocoonlife's line as cocoonlife does, except the 0 it writes for a `-` object size and turn-around time (null for us)", () => {
    const ours = recordAt(logFile('cocoonlife-s3-log-parse-tests.log'), 1);
    const { expected } = expectedJson<{ expected: Record<string, unknown>[] }>('cocoonlife-s3-log-parse-tests.expected.json');
    assert.equal(expected.length, 1);
    const names: Record<string, AccessLogField> = { s3_key: 'key', status_code: 'http_status', timestamp: 'time' };
    const theirs: Theirs = {};
    for (const [name, value] of Object.entries(expected[0]!)) {
      if (name === 'line_no') continue;
      const field = names[name] ?? (name as AccessLogField);
      assert.ok(ACCESS_LOG_FIELDS.includes(field), `a cocoonlife field we know: ${name}`);
      theirs[field] = field === 'time' ? Date.parse(String(value)) : value;
    }
    differs(theirs, ours, 'object_size', 0, null);
    differs(theirs, ours, 'turn_around_time', 0, null);
    assert.equal(Object.keys(theirs).length, 24, 'the other 24 fields are compared');
    assertAgrees(ours, theirs, 'cocoonlife');
  });

  it("reads knil-sama's line as knil-sama does, except the `-` it keeps as text in five fields (null for us)", () => {
    const ours = recordAt(logFile('knil-sama-s3-access-log-rust.log'), 1);
    const { expected } = expectedJson<{ expected: Record<string, unknown>[] }>('knil-sama-s3-access-log-rust.expected.json');
    assert.equal(expected.length, 1);
    const names: Record<string, AccessLogField> = { bucket_name: 'bucket', referer: 'referrer' };
    const theirs: Theirs = {};
    for (const [name, value] of Object.entries(expected[0]!)) {
      if (name === 'line_no') continue;
      const field = names[name] ?? (name as AccessLogField);
      assert.ok(ACCESS_LOG_FIELDS.includes(field), `a knil-sama field we know: ${name}`);
      theirs[field] = field === 'time' ? clfToEpoch(String(value)) : value;
    }
    // It maps `-` to None only in requester, bytes sent, object size, turn-around time, TLS version,
    // access point ARN and aclRequired; elsewhere it keeps the dash.
    for (const field of ['referrer', 'version_id', 'signature_version', 'cipher_suite', 'authentication_type'] as const) {
      differs(theirs, ours, field, '-', null);
    }
    assert.equal(Object.keys(theirs).length, 21, 'the other 21 fields are compared');
    assertAgrees(ours, theirs, 'knil-sama');
  });

  it("reads NCBI's production lines as NCBI's parser does, field for field (its '' is null, its URI is method, path and version)", () => {
    const file = logFile('ncbi-logging-aws_testlines.log');
    const out = readExternal('access-logs', 'ncbi-logging-aws_testlines.expected.jsonl')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, string>);
    assert.equal(out.length, 9);
    out.forEach((o, i) => {
      const theirs = fromNcbi(o);
      assert.equal(Object.keys(theirs).length, 24, 'the 24 fields of these lines');
      assertAgrees(recordAt(file, i + 1), theirs, `NCBI line ${i + 1}`);
    });
    // The two-token host ID: one host_id with the space, as NCBI has it.
    assert.equal(out[8]!.host_id, TWO_TOKEN_HOST_ID);
  });

  it("agrees with NCBI's parser tests, except that it rejects the pip user agent and the 18-field restore we read, and keeps keys encoded", () => {
    const file = logFile('ncbi-logging-parser-tests.log');
    type Case = { line_no: number; test: string; line: string; expected: string | Record<string, string> };
    const expected = expectedJson<Case[]>('ncbi-logging-parser-tests.expected.json');
    assert.deepEqual(
      expected.map((e) => e.line_no),
      [1, 2, 3, 4, 5, 6, 7],
    );
    for (const test of expected) assert.equal(test.line, file.lines[test.line_no - 1], `${test.test}: the line NCBI tests is line ${test.line_no}`);
    const verdict = (line: number) => expected[line - 1]!.expected;
    // NCBI's v1 parser rejects the unescaped quotes of the pip user agent; we recover the line.
    assert.match(String(verdict(1)), /^parse_reject/);
    assert.equal(recordAt(file, 1).user_agent, PIP_USER_AGENT);
    // NCBI's v1 parser rejects an 18-field line; we read it, the later fields null.
    assert.match(String(verdict(2)), /^parse_reject/);
    assert.equal(recordAt(file, 2).operation, 'S3.RESTORE.OBJECT');
    assert.match(String(verdict(3)), /^parse_accept \(TLS version "TLSv1"\)/);
    assert.equal(recordAt(file, 3).tls_version, 'TLSv1');
    assert.match(String(verdict(4)), /^parse_accept/);
    assert.equal(recordAt(file, 4).user_agent, 'linux64 ncbi-vdb.2.10.5 (phid=LS1419242d,libc=2.26)linux64 ncbi-vdb.2.10.5 (phid=LS1419242d,libc=2.26)');
    assert.equal(recordAt(file, 4).authentication_type, 'QueryString');
    assert.match(String(verdict(5)), /must be classified bad/);
    assert.deepEqual(
      file.malformed.map((m) => m.line),
      [5],
    );
    // NCBI keeps the key field as written; we decode it as S3 encoded it (twice for REST.*): %253D is '='.
    const key = 'SRR12318371/run2249_lane2_read2_indexN703%253DDropSeq_Potter_BrainWT_8_17_17_N703.fastq.gz.1';
    assert.deepEqual(verdict(6), { key });
    assert.equal(recordAt(file, 6).key, 'SRR12318371/run2249_lane2_read2_indexN703=DropSeq_Potter_BrainWT_8_17_17_N703.fastq.gz.1');
    assert.deepEqual(verdict(7), { ip: '130.14.20.103' });
    assert.equal(recordAt(file, 7).remote_ip, '130.14.20.103');
  });

  it("renders kdgm's lines in its CLF as its spec expects, except its site rules and its rejection of line 11", () => {
    const file = logFile('kdgm-logstash-plugins-s3_access_log_spec.log');
    type Case = { line_no: number; line: string; spec_cases: { shared_examples: string; assertions: KdgmAssertion[] }[] };
    const { expected } = expectedJson<{ expected: Case[] }>('kdgm-logstash-plugins-s3_access_log_spec.expected.json');
    assert.deepEqual(
      expected.map((e) => e.line_no),
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    const compared: Record<string, number> = {};
    const count = (what: string) => (compared[what] = (compared[what] ?? 0) + 1);
    for (const { line_no: line, line: text, spec_cases: cases } of expected) {
      assert.equal(text, file.lines[line - 1], `kdgm line ${line} is the line its spec tests`);
      const ours = recordAt(file, line);
      for (const { shared_examples: example, assertions } of cases) {
        const where = `kdgm line ${line}, "${example}"`;
        // The site's filter recalculates the bytes of some partial mp3 responses (tag bytes_recalculated): a site rule, not S3's.
        const recalculated = assertions.some((a) => a.field === 'tags' && a.includes === 'bytes_recalculated');
        for (const a of assertions) {
          if (a.event_dropped) {
            // The site drops these events (its policy); we read the line.
            assert.ok(file.records.has(line), where);
            count('event_dropped: read');
          } else if (a.helper !== undefined || a.comment !== undefined || a.field === 'tags' || a.equals_field !== undefined) {
            // Not compared: helpers whose contents were not transcribed, the site's tags, and
            // equals_field, which compares two of their own fields (clientip/remote_ip, response/http_status).
            if (a.field === 'tags' && a.includes === '<parse_failure_tag>') {
              // kdgm's spec rejects line 11; we read its referrer as ending in a literal quote.
              assert.equal(line, 11);
              assert.equal(ours.referrer, 'http://kerkdienstgemist.nl/mp3/recorder.php?id=452"');
              count('rejected by them, recovered by us');
            } else if (a.field === 'tags' && a.excludes === '<parse_failure_tag>') {
              assert.ok(file.records.has(line), where);
              count('parsed by both');
            } else count('not compared');
          } else if (a.field === 'message') {
            if (line === 11) {
              assert.equal(a.equals, null, where);
            } else if (line === 17) {
              // The site's filter leaves the message of a HEAD request empty: a site rule.
              assert.equal(a.equals, '', where);
              assert.match(ours.request_uri!, /^HEAD /);
              count('message: site rule (HEAD)');
            } else if (recalculated) {
              assert.equal(a.equals, kdgmClf(ours, 135872), where);
              assert.equal(ours.bytes_sent, 4194304);
              count('message: site rule (recalculated bytes)');
            } else {
              assert.equal(a.equals, kdgmClf(ours), where);
              count('message');
            }
          } else if (a.field === 'bytes') {
            if (recalculated) {
              assert.deepEqual([line, a.equals_int, ours.bytes_sent], [15, 135872, 4194304], where);
              count('bytes: site rule (recalculated)');
            } else {
              assert.equal(a.equals_int, ours.bytes_sent, where);
              count('bytes');
            }
          } else if (a.field === 's3_message') {
            // Their filter keeps the S3 line as it came.
            assert.equal(a.equals, file.lines[line - 1], where);
            count('s3_message');
          } else if (a.field === 'timestamp') {
            assert.equal(a.equals, epochToClf(ours.time), where);
            count('timestamp');
          } else if (a.field === 'verb') {
            assert.equal(a.equals, requestParts(ours.request_uri)?.method, where);
            count('verb');
          } else if (a.field === 'error_code' || a.field === 'version_id') {
            assert.equal(a.equals, ours[a.field], where);
            count(a.field);
          } else if (a.field === 'trailing_fields') {
            if (line === 18) {
              // kdgm's 18-field pattern keeps what follows the version ID as trailing fields; we read
              // the fields after it by their place in AWS's format: the host ID, the signature version, the cipher suite.
              assert.equal(a.equals, 'any other fields', where);
              assert.deepEqual([ours.host_id, ours.signature_version, ours.cipher_suite], ['any', 'other', 'fields']);
              assert.deepEqual(differingFields(ours, recordAt(file, 17)), ['host_id', 'signature_version', 'cipher_suite']);
              count('trailing_fields: read as fields 19-21');
            } else {
              assert.equal(a.equals, null, where);
              for (const field of LATER_THAN_18) assert.equal(ours[field], null, `${where}: ${field}`);
              count('trailing_fields');
            }
          } else assert.fail(`${where}: an assertion this test does not know: ${JSON.stringify(a)}`);
        }
      }
    }
    assert.deepEqual(compared, {
      message: 26,
      'message: site rule (HEAD)': 1,
      'message: site rule (recalculated bytes)': 1,
      bytes: 3,
      'bytes: site rule (recalculated)': 1,
      s3_message: 2,
      timestamp: 3,
      verb: 1,
      error_code: 1,
      version_id: 1,
      trailing_fields: 1,
      'trailing_fields: read as fields 19-21': 1,
      'event_dropped: read': 7,
      'rejected by them, recovered by us': 1,
      'parsed by both': 1,
      'not compared': 13,
    });
  });

  it("reproduces DANDI's reduction TSV from our records: its GET.OBJECT lines with a 2xx status (the 404 scan and the 304 dropped)", () => {
    const file = logFile('dandi-s3-log-parser-reduction_example_2-2022-04-06.log');
    const succeeded = (r: Rec) => r.http_status !== null && r.http_status >= 200 && r.http_status < 300;
    const kept = [...file.records.entries()].filter(([, r]) => r.operation === 'REST.GET.OBJECT' && succeeded(r));
    assert.deepEqual(
      kept.map(([line]) => line),
      [1, 2, 4],
    );
    assert.deepEqual([recordAt(file, 3).http_status, recordAt(file, 5).http_status], [404, 304]);
    const rows = kept.map(([, r]) => [iso(r.time).slice(0, 19), r.remote_ip, r.key, r.bytes_sent].join('\t'));
    const tsv = readExternal('access-logs', 'dandi-s3-log-parser-reduction_example_2-2022-04-06.expected.tsv');
    assert.deepEqual(['timestamp\tip_address\tobject_key\tbytes_sent', ...rows], tsv.replace(/\n$/, '').split('\n'));
  });
});

describe('S3 access-log keys and host IDs as real logs have them', () => {
  it("finds each request's key in its request URI by the twice/once rule, but where a line was rewritten or its URI names no object", () => {
    const mismatches: string[] = [];
    let named = 0;
    for (const name of CORPUS_FILES) {
      for (const [line, r] of logFile(name).records) {
        if (r.key === null || r.request_uri === null) continue;
        const names = requestUriNamesKey(r.request_uri, r.bucket, r.key);
        if (names === true) named++;
        else mismatches.push(`${name}:${line} ${r.operation} ${String(names)}`);
      }
    }
    assert.equal(named, 75, 'the other 75 lines with a key and a request URI');
    assert.deepEqual(mismatches, [
      // Filebeat's synthetic `OPTIONS *`: no path.
      'elastic-beats-filebeat-s3access-test.log:6 REST.OPTIONS.FAKE undefined',
      // Elastic anonymised the flow-log key (`…_fl-_2021…`) but not its URI (`…_fl-0e7c13bf00cf15bfe_2021…`).
      'elastic-integrations-aws-s3access-pipeline.log:7 REST.PUT.OBJECT false',
      'elastic-integrations-aws-s3access-pipeline.log:8 REST.PUT.OBJECT false',
      'elastic-integrations-aws-s3access-pipeline.log:9 REST.PUT.OBJECT false',
      // A SOAP request's URI is the SOAP endpoint.
      'kdgm-logstash-plugins-s3_access_log_spec.log:8 SOAP.PUT.OBJECT false',
    ]);
  });

  it('decodes the key `…indexN703%253DDropSeq…` twice, to `=`, as its request URI `…%3DDropSeq…` names it; decoding once would disagree', () => {
    const file = logFile('ncbi-logging-parser-tests.log');
    const field = 'SRR12318371/run2249_lane2_read2_indexN703%253DDropSeq_Potter_BrainWT_8_17_17_N703.fastq.gz.1';
    assert.ok(file.lines[5]!.includes(` REST.PUT.PART ${field} "PUT /SRR12318371/run2249_lane2_read2_indexN703%3DDropSeq_`));
    const r = recordAt(file, 6);
    const twice = 'SRR12318371/run2249_lane2_read2_indexN703=DropSeq_Potter_BrainWT_8_17_17_N703.fastq.gz.1';
    assert.equal(r.key, twice);
    assert.equal(decodeLogKey(field, r.operation!), twice);
    assert.equal(requestUriNamesKey(r.request_uri!, r.bucket, r.key!), true);
    const once = decodeS3Key(field);
    assert.equal(once, 'SRR12318371/run2249_lane2_read2_indexN703%3DDropSeq_Potter_BrainWT_8_17_17_N703.fastq.gz.1');
    assert.equal(requestUriNamesKey(r.request_uri!, r.bucket, once), false, 'the key decoded once is not the object the URI names');
    assert.equal(file.keyUriDisagreements, 0);
  });

  it('reads a host ID of two tokens (`AIDA… LzYG…=`) as one host_id with the space, the fields after it in their places', () => {
    for (const [name, line] of [
      ['ncbi-logging-aws_testlines.log', 9],
      ['ncbi-logging-parser-tests.log', 7],
    ] as const) {
      const r = recordAt(logFile(name), line);
      assert.deepEqual(
        [r.host_id, r.signature_version, r.cipher_suite, r.authentication_type, r.host_header, r.tls_version, r.access_point_arn],
        [TWO_TOKEN_HOST_ID, 'SigV4', 'ECDHE-RSA-AES128-SHA', 'AuthHeader', 's3.amazonaws.com', 'TLSv1.2', null],
        `${name} line ${line}`,
      );
      assert.deepEqual([r.operation, r.request_uri, r.error_code], ['REST.GET.TAGGING', 'GET /sra-pub-run-1?tagging= HTTP/1.1', 'NoSuchTagSet']);
    }
  });
});

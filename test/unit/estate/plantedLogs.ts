// Log files planted beside a generated estate's logs to show which files an analysis reads: one
// dated long before the window (holding, impossibly, a read in it, and malformed lines), one with
// no date in its name, one delivered late, one in the early margin. Shared by the file:// (unit)
// and S3 (integration) tests.

import * as assert from 'node:assert/strict';
import { formatAccessLogLine, type AccessLogRecord, type LogLayout } from '../../../src/core/accessLog/format';
import type { EstateTruth } from '../../../src/core/estate/generate';
import { formatDay, parseDay } from '../../../src/core/time';

const HOUR = 3_600_000;

/** A counted read of `key` at `time`. */
export function readLine(bucket: string, key: string, time: number, id: string): string {
  const record: AccessLogRecord = {
    bucketOwner: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
    bucket,
    time,
    remoteIp: '192.0.2.9',
    requester: 'arn:aws:iam::123456789012:user/reader',
    requestId: id,
    operation: 'REST.GET.OBJECT',
    key,
    request: `GET /${bucket}/x`,
    httpStatus: 200,
    errorCode: null,
    bytesSent: 10,
    objectSize: 10,
    totalTimeMs: 5,
    turnAroundMs: 4,
    referrer: null,
    userAgent: 'curl/8.0',
    versionId: null,
    hostId: 'h',
    signatureVersion: 'SigV4',
    cipherSuite: 'ECDHE-RSA-AES128-GCM-SHA256',
    authType: 'AuthHeader',
    hostHeader: 's3.us-east-1.amazonaws.com',
    tlsVersion: 'TLSv1.2',
    accessPointArn: null,
    aclRequired: null,
    sourceRegion: null,
  };
  return formatAccessLogLine(record);
}

/** Log files planted beside an estate's logs, each holding a read of one of its unused prefixes. */
export interface PlantedLogs {
  /** Keys (relative to the logs folder) and contents. */
  files: { key: string; text: string }[];
  /** Read only in a file dated 40 days before the window (the line itself in the window): must stay unused. */
  readOutside: string;
  /** Read in a file with no date in its name: must count. */
  readUndated: string;
  /** Read on the window's last day, delivered three days later: must count. */
  readLate: string;
  /** Read on the window's first day, in a file dated the day before (the margin): must count. */
  readEarly: string;
}

/**
 * The files, for the estate's layout: `relativeLogKey` is any of its log files' key relative to
 * the logs folder (its account/region/bucket folders, for the partitioned layout).
 */
export function plantedLogs(truth: EstateTruth, layout: LogLayout, relativeLogKey: string): PlantedLogs {
  const unused = truth.unusedPrefixes.map((u) => u.prefix).filter((p) => p !== '');
  assert.ok(unused.length >= 4, 'the estate has four unused prefixes to read');
  const [readOutside, readUndated, readLate, readEarly] = unused as [string, string, string, string];
  const bucket = truth.generator.bucket;
  const start = Date.parse(`${truth.window.start}T00:00:00Z`);
  const end = Date.parse(`${truth.window.end}T00:00:00Z`);
  const day = (offset: number, from: number) => formatDay(parseDay(new Date(from).toISOString().slice(0, 10)) + offset);
  const folder = layout === 'partitioned' ? relativeLogKey.replace(/\d{4}\/\d{2}\/\d{2}\/[^/]+$/, '') : relativeLogKey.replace(/[^/]+$/, '');
  const dated = (date: string, unique: string) =>
    layout === 'partitioned' ? `${folder}${date.replace(/-/g, '/')}/${date}-12-00-00-${unique}` : `${folder}${date}-12-00-00-${unique}`;
  const garbage = 'garbage that no parser can read\n';
  return {
    readOutside,
    readUndated,
    readLate,
    readEarly,
    files: [
      // A file no window line can be in (dated long before it) that holds one anyway, and malformed lines.
      {
        key: dated(day(-40, start), 'PLANTEDOUTSIDE00'),
        text: `${readLine(bucket, `${readOutside}/planted`, start + 12 * HOUR, 'PLANTED-OUT')}\n${garbage}${garbage}`,
      },
      { key: `${folder}manual-export.log`, text: `${readLine(bucket, `${readUndated}/planted`, start + 13 * HOUR, 'PLANTED-UNDATED')}\n${garbage}` },
      { key: dated(day(3, end), 'PLANTEDLATE00000'), text: `${readLine(bucket, `${readLate}/planted`, end + 23 * HOUR, 'PLANTED-LATE')}\n` },
      { key: dated(day(-1, start), 'PLANTEDEARLY0000'), text: `${readLine(bucket, `${readEarly}/planted`, start + HOUR / 6, 'PLANTED-EARLY')}\n` },
    ],
  };
}

/** What the report of an analysis over the planted logs must say. */
export function assertReadOnlyTheWindowsFiles(
  report: { prefixes: { prefix: string }[]; notes: string[]; coverage: { malformed: { lines: number } } },
  planted: PlantedLogs,
): void {
  const unused = new Set(report.prefixes.map((p) => p.prefix));
  const notes = report.notes.join('\n');
  assert.ok(unused.has(planted.readOutside), `the file dated outside the window was not read, so ${planted.readOutside} is unused:\n${notes}`);
  for (const read of [planted.readUndated, planted.readLate, planted.readEarly]) assert.ok(!unused.has(read), `the read of ${read} was seen`);
  // The undated file's malformed line is the only one loaded: the outside file's two were never parsed.
  assert.equal(report.coverage.malformed.lines, 1);
  assert.match(notes, /access logs: \d+ files, \d+ records, 1 malformed line \(/);
  assert.match(notes, /dated outside \d{4}\/\d{2}\/\d{2}…\d{4}\/\d{2}\/\d{2} not read \(the analysed days, with a day before and a week after/);
}

// Append-only data for the key index (issue 16): text files of `uuid-unixtime, payload` lines, as
// several writers append them, one file per writer and time window. A file holds mostly its own
// window's times, plus late arrivals from earlier windows, so timestamps interleave across files
// (the seed's "S3 data file 1 / file 2" case). Deterministic by seed; memory does not grow with lines.
// append-only-truth.json says where a sample of keys is (object, byte offset, length, the record)
// and lists keys that are absent, so index builds and lookups can be checked against it.

import { hash32, Random } from '../random';
import type { FolderOutput } from './output';

/** 1: the first layout. Bump when the bytes for a seed change. */
export const APPEND_ONLY_GENERATOR_VERSION = 1;

export const APPEND_ONLY_TRUTH_FILE = 'append-only-truth.json';

export interface AppendOnlyOptions {
  seed: number;
  /** The source bucket the files go to (named in the truth; the upload puts them there). */
  bucket: string;
  /** Key prefix of the data files, ending with '/': the files are written at these paths in the output folder, too. */
  prefix: string;
  /** Data files in all; file f is written by writer f mod writers, in window floor(f / writers). */
  files: number;
  /** Writers appending at once: each window has one file per writer. */
  writers: number;
  /** Records per file (header and malformed lines come on top). */
  linesPerFile: number;
  /** Approximate bytes of each record's payload (ASCII). */
  payloadBytes: number;
  /** Share of a file's records whose timestamp falls in an earlier window (late arrivals). */
  lateFraction: number;
  /** How many windows back a late record reaches, at most. */
  lateWindows: number;
  /** Seconds per window: every writer starts a new file when a window ends. */
  windowSeconds: number;
  /** Unix seconds at which the first window starts. */
  startSeconds: number;
  /** Share of lines that are malformed (no timestamp in the key, or blank): the index skips and counts them. */
  malformedFraction: number;
  /** Present keys to list in the truth, about. */
  samples: number;
  /** Absent keys to list in the truth. */
  absent: number;
}

export const DEFAULT_APPEND_ONLY: Omit<AppendOnlyOptions, 'seed' | 'bucket' | 'startSeconds'> = {
  prefix: 'data/',
  files: 24,
  writers: 4,
  linesPerFile: 10_000,
  payloadBytes: 64,
  lateFraction: 0.05,
  lateWindows: 3,
  windowSeconds: 300,
  malformedFraction: 0.0005,
  samples: 1000,
  absent: 200,
};

export interface AppendOnlyFileTruth {
  /** Object key (in the source bucket; also the path in the output folder). */
  key: string;
  bytes: number;
  /** Records (indexable lines). */
  records: number;
  /** Lines an index skips: the header line and malformed lines. */
  skippedLines: number;
  /** Records whose timestamp is in an earlier window than the file's. */
  lateRecords: number;
  writer: number;
  /** Unix seconds at which the file's window starts. */
  windowStart: number;
  lineEnding: 'LF' | 'CRLF';
}

export interface AppendOnlySample {
  key: string;
  /** The data object holding the record. */
  object: string;
  /** Byte offset of the record's first byte in the object. */
  offset: number;
  /** The record's bytes, without its line ending. */
  length: number;
  record: string;
}

export interface AppendOnlyTruth {
  generator: { version: number; seed: number; options: Omit<AppendOnlyOptions, 'seed' | 'bucket'> };
  bucket: string;
  prefix: string;
  /** `s3://bucket/prefix`: what `index build --data` takes. */
  dataUri: string;
  files: AppendOnlyFileTruth[];
  records: number;
  skippedLines: number;
  lateRecords: number;
  /** Earliest and latest record timestamps, unix seconds. */
  timeRange: { first: number; last: number };
  samples: AppendOnlySample[];
  /** Keys no file holds, with valid timestamps: most inside the data's time range, some before it. */
  absent: string[];
}

const PAYLOAD_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.';

export function validateAppendOnlyOptions(options: AppendOnlyOptions): void {
  const whole = (name: keyof AppendOnlyOptions, min: number) => {
    const value = options[name] as number;
    if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number of at least ${min}, not ${value}`);
  };
  whole('files', 1);
  whole('writers', 1);
  whole('linesPerFile', 1);
  whole('payloadBytes', 0);
  whole('lateWindows', 1);
  whole('windowSeconds', 1);
  whole('startSeconds', 0);
  whole('samples', 0);
  whole('absent', 0);
  for (const name of ['lateFraction', 'malformedFraction'] as const) {
    const value = options[name];
    if (!(value >= 0 && value <= 1)) throw new Error(`${name} must be from 0 to 1, not ${value}`);
  }
  if (!/^([^/]+\/)+$/.test(options.prefix)) throw new Error(`the data prefix must be one or more folder names ending with '/', not "${options.prefix}"`);
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `YYYY/MM/DD/HH` and `YYYYMMDDTHHmmss` of a unix time, UTC. */
function timeParts(seconds: number): { folder: string; stamp: string } {
  const d = new Date(seconds * 1000);
  const [y, m, day, h, min, s] = [
    d.getUTCFullYear(),
    pad2(d.getUTCMonth() + 1),
    pad2(d.getUTCDate()),
    pad2(d.getUTCHours()),
    pad2(d.getUTCMinutes()),
    pad2(d.getUTCSeconds()),
  ];
  return { folder: `${y}/${m}/${day}/${h}`, stamp: `${y}${m}${day}T${h}${min}${s}` };
}

/** The object key of a writer's file in a window: sorted by window, then writer. */
export function appendOnlyFileKey(prefix: string, writer: number, windowStart: number): string {
  const { folder, stamp } = timeParts(windowStart);
  return `${prefix}${folder}/writer-${pad2(writer)}-${stamp}.csv`;
}

/**
 * Writes the data files and append-only-truth.json into `output`. Returns the truth (its samples
 * included: they are bounded by `samples`).
 */
export async function generateAppendOnlyData(options: AppendOnlyOptions, output: FolderOutput): Promise<AppendOnlyTruth> {
  validateAppendOnlyOptions(options);
  const { seed, writers, linesPerFile, windowSeconds, startSeconds } = options;
  const totalRecords = options.files * linesPerFile;
  // A record is sampled when a hash of its number falls under this: independent of the data's random stream.
  const sampleThreshold = Math.min(2 ** 32, Math.ceil((options.samples / totalRecords) * 2 ** 32));
  const files: AppendOnlyFileTruth[] = [];
  const samples: AppendOnlySample[] = [];
  let first = Infinity;
  let last = -Infinity;
  let recordNumber = 0;

  for (let f = 0; f < options.files; f++) {
    const writer = f % writers;
    const window = Math.floor(f / writers);
    const windowStart = startSeconds + window * windowSeconds;
    const key = appendOnlyFileKey(options.prefix, writer, windowStart);
    const random = new Random(seed, 0xa0d0, f);
    // One writer in four runs on Windows: its lines end with CRLF.
    const lineEnding = writer % 4 === 1 ? '\r\n' : '\n';
    const file = output.open(key);
    let offset = 0;
    let text = '';
    const write = async (line: string) => {
      text += line;
      text += lineEnding;
      offset += line.length + lineEnding.length;
      if (text.length >= 1 << 20) {
        await file.write(text);
        text = '';
      }
    };
    let skippedLines = 1;
    let lateRecords = 0;
    await write('uuid, data');
    for (let j = 0; j < linesPerFile; j++) {
      if (options.malformedFraction > 0 && random.chance(options.malformedFraction)) {
        skippedLines++;
        await write(random.chance(0.5) ? '' : `${random.uuid()}-notatime, {"broken":true}`);
      }
      let time: number;
      if (window > 0 && random.chance(options.lateFraction)) {
        const back = 1 + random.int(Math.min(options.lateWindows, window));
        time = windowStart - back * windowSeconds + random.int(windowSeconds);
        lateRecords++;
      } else {
        // On time: nearly in order through the window, as an appending writer writes.
        time = windowStart + Math.min(windowSeconds - 1, Math.floor(((j + random.next()) * windowSeconds) / linesPerFile));
      }
      if (time < first) first = time;
      if (time > last) last = time;
      const recordKey = `${random.uuid()}-${time}`;
      const record = `${recordKey}, ${payload(random, j, options.payloadBytes)}`;
      if (sampleThreshold > 0 && hash32(seed, 0x5a, recordNumber) < sampleThreshold) {
        samples.push({ key: recordKey, object: key, offset, length: record.length, record });
      }
      recordNumber++;
      await write(record);
    }
    if (text !== '') await file.write(text);
    const written = await file.close();
    files.push({
      key,
      bytes: written.bytes,
      records: linesPerFile,
      skippedLines,
      lateRecords,
      writer,
      windowStart,
      lineEnding: lineEnding === '\n' ? 'LF' : 'CRLF',
    });
  }

  const absent: string[] = [];
  const absentRandom = new Random(seed, 0xab5e);
  for (let i = 0; i < options.absent; i++) {
    // One in ten before the data starts (no index bucket there), the rest among the data's times.
    const time = i % 10 === 9 ? startSeconds - 86_400 - absentRandom.int(86_400) : first + absentRandom.int(last - first + 1);
    absent.push(`${absentRandom.uuid()}-${time}`);
  }

  const recorded: Omit<AppendOnlyOptions, 'seed' | 'bucket'> & { seed?: number; bucket?: string } = { ...options };
  delete recorded.seed;
  delete recorded.bucket;
  const truth: AppendOnlyTruth = {
    generator: { version: APPEND_ONLY_GENERATOR_VERSION, seed, options: recorded },
    bucket: options.bucket,
    prefix: options.prefix,
    dataUri: `s3://${options.bucket}/${options.prefix}`,
    files,
    records: totalRecords,
    skippedLines: files.reduce((n, f) => n + f.skippedLines, 0),
    lateRecords: files.reduce((n, f) => n + f.lateRecords, 0),
    timeRange: { first, last },
    samples,
    absent,
  };
  await output.writeWhole(APPEND_ONLY_TRUTH_FILE, JSON.stringify(truth, null, 1) + '\n');
  return truth;
}

/** A small JSON object of about `bytes` ASCII bytes. */
function payload(random: Random, n: number, bytes: number): string {
  const head = `{"n":${n},"v":"`;
  const fill = Math.max(0, bytes - head.length - 2);
  return `${head}${random.chars(PAYLOAD_ALPHABET, fill)}"}`;
}

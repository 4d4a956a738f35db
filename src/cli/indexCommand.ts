// `s3-lifecycle index build|lookup|status`: a key index over append-only data in S3, kept in S3
// (docs/index-format.md). A thin shell over src/app/index: it parses, shows progress and prints.

import { buildIndex, type BuildProgress, type BuildResult } from '../app/index/build';
import { IndexConfigError, MAX_PART_ENTRIES, normalizeIndexLocation, type IndexSettings } from '../app/index/indexConfig';
import { IndexReader, type LookupResult } from '../app/index/lookup';
import { readIndexStatus } from '../app/index/status';
import { describeS3Error } from '../aws/errors';
import { ObjectStore, type RequestCounts } from '../aws/objectStore';
import { formatBytes, formatCount, formatDecimal } from '../core/format';
import { GRANULARITIES, parseGranularity } from '../core/index/keys';
import { IndexFormatError } from '../core/index/errors';
import { formatS3Uri, parseS3Uri, S3UriError, type S3Location } from '../core/s3uri';
import { readFileSync } from 'node:fs';
import { CONNECTION_OPTIONS, openScope } from './connection';
import { CliFailure, EXIT_OK, integerOption, stringOption, UsageError, type CliCommand, type CliIo, type ParsedCommandLine } from './framework';

const ACTIONS = ['build', 'lookup', 'status'] as const;
type Action = (typeof ACTIONS)[number];

/** Which options each action takes: anything else is a usage error. */
const ACTION_OPTIONS: Record<Action, string[]> = {
  build: ['data', 'index', 'granularity', 'part-entries', 'bits-per-key', 'builder', 'batch-entries'],
  lookup: ['index', 'keys-file', 'batch'],
  status: ['index'],
};

function location(args: ParsedCommandLine, name: string): S3Location {
  const value = stringOption(args, name);
  if (!value) throw new UsageError(`--${name} s3://BUCKET/PREFIX is required`);
  try {
    return normalizeIndexLocation(parseS3Uri(value));
  } catch (error) {
    if (error instanceof S3UriError) throw new UsageError(`--${name}: ${error.message}`);
    throw error;
  }
}

/** Build settings from the flags; each checked here so a mistake is a usage error. */
export function buildSettings(args: ParsedCommandLine): IndexSettings {
  const settings: IndexSettings = {};
  const granularity = stringOption(args, 'granularity');
  if (granularity !== undefined) {
    try {
      settings.granularity = parseGranularity(granularity);
    } catch {
      throw new UsageError(`--granularity must be one of ${GRANULARITIES.join(', ')}, not "${granularity}"`);
    }
  }
  const partEntries = integerOption(args, 'part-entries', { min: 1, max: MAX_PART_ENTRIES });
  if (partEntries !== undefined) settings.partEntries = partEntries;
  const bits = stringOption(args, 'bits-per-key');
  if (bits !== undefined) {
    const value = Number(bits);
    if (bits.trim() === '' || !(value >= 1 && value <= 64))
      throw new UsageError(`--bits-per-key must be a number from 1 to 64 (10.5 gives about 1% false positives), not "${bits}"`);
    settings.bitsPerKey = value;
  }
  return settings;
}

function countsText(c: RequestCounts): string {
  const kinds = [c.gets && `${formatCount(c.gets)} GET`, c.puts && `${formatCount(c.puts)} PUT`, c.lists && `${formatCount(c.lists)} LIST`].filter(Boolean);
  return `${formatCount(c.requests)} request${c.requests === 1 ? '' : 's'}${kinds.length ? ` (${kinds.join(', ')})` : ''}, ${formatBytes(c.bytesIn)} read, ${formatBytes(c.bytesOut)} written`;
}

function failure(error: unknown, endpoint: string, bucket: string): never {
  if (error instanceof UsageError || error instanceof CliFailure) throw error;
  if (error instanceof IndexConfigError) throw new CliFailure(error.message);
  if (error instanceof IndexFormatError) throw new CliFailure(`The index is damaged: ${error.message}`);
  const name = (error as { name?: string })?.name;
  if (name === 'AbortError') throw error;
  throw new CliFailure(describeS3Error(error, { endpoint, bucket }).message);
}

async function runBuild(args: ParsedCommandLine, io: CliIo): Promise<number> {
  const data = location(args, 'data');
  const index = location(args, 'index');
  const settings = buildSettings(args);
  const batchEntries = integerOption(args, 'batch-entries', { min: 1000, max: 100_000_000 });
  const builderId = stringOption(args, 'builder');
  const scope = openScope(args, io);
  const interactive = process.stderr.isTTY === true && args.format !== 'json';
  const onProgress = interactive
    ? (p: BuildProgress) =>
        io.err(
          `\r${p.phase}: ${formatCount(p.objectsDone)} / ${formatCount(p.objectsTotal)} objects, ${formatBytes(p.bytesRead)} / ${formatBytes(p.bytesTotal)}, ${formatCount(p.entries)} keys, ${formatCount(p.partsWritten)} parts   `,
        )
    : undefined;
  let result: BuildResult;
  try {
    const store = new ObjectStore(scope.s3Service().client);
    result = await buildIndex(store, {
      data,
      index,
      settings,
      signal: io.signal,
      ...(onProgress ? { onProgress } : {}),
      ...(batchEntries !== undefined ? { maxBatchEntries: batchEntries } : {}),
      ...(builderId ? { builderId } : {}),
    });
  } catch (error) {
    failure(error, scope.settings.connection.endpoint, index.bucket);
  } finally {
    if (interactive) io.err('\n');
    await scope.dispose();
  }
  const peakRssMb = Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
  const keysPerSecond = Math.round(result.entries / Math.max(result.seconds, 0.001));
  if (args.format === 'json') {
    io.out(JSON.stringify({ ...result, keysPerSecond, peakRssMb }) + '\n');
  } else {
    const o = result.objects;
    const n = formatCount;
    const skipped = result.lines.headers + result.lines.blank + result.lines.malformed;
    io.out(
      `${result.created ? 'Created' : 'Extended'} the index ${result.index} (${result.config.granularity} buckets) from ${result.data}: ` +
        `${n(o.indexed)} data object${o.indexed === 1 ? '' : 's'} indexed, ${n(result.entries)} keys in ${formatDecimal(result.seconds, 2)} s (${n(keysPerSecond)} keys/s, peak memory ${peakRssMb} MB)\n` +
        `  objects   ${n(o.listed)} listed, ${n(o.unchanged)} already indexed, ${n(o.changed)} changed since indexed, ${n(o.claimedElsewhere.length)} claimed by another builder, ${n(o.failed.length)} failed\n` +
        `  lines     ${n(result.lines.records)} records, ${n(skipped)} skipped (${n(result.lines.headers)} headers, ${n(result.lines.blank)} blank, ${n(result.lines.malformed)} malformed)\n` +
        `  wrote     ${n(result.parts)} parts in ${n(result.buckets.length)} time buckets, ${n(result.manifestConflicts)} manifest retries (another builder wrote first)\n` +
        `  requests  ${countsText(result.requests)}\n`,
    );
    for (const sample of result.malformedSamples.slice(0, 3))
      io.out(`  malformed ${sample.object} line ${sample.line}: ${sample.reason} (${JSON.stringify(sample.text)})\n`);
    for (const note of result.notes) io.out(`  note: ${note}\n`);
    for (const f of o.failed) io.out(`  failed: ${f.object}: ${f.reason}\n`);
  }
  if (result.objects.failed.length > 0)
    throw new CliFailure(`${result.objects.failed.length} data object(s) could not be indexed (listed above): run the same command again to index them`);
  return EXIT_OK;
}

function lookupKeys(args: ParsedCommandLine): string[] {
  const keys = args.positionals.slice(1).map((k) => k.trim());
  const file = stringOption(args, 'keys-file');
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (error) {
      throw new UsageError(`--keys-file ${file} cannot be read: ${(error as Error).message}`);
    }
    for (const line of text.split(/\r?\n/)) if (line.trim() !== '') keys.push(line.trim());
  }
  if (keys.length === 0) throw new UsageError('give the keys to look up: index lookup --index s3://B/I KEY… (or --keys-file FILE, one key per line)');
  return keys;
}

interface KeyOutput {
  key: string;
  status: LookupResult['status'];
  record?: string;
  location?: LookupResult['location'];
  requests: number;
  bytes: number;
  /** Milliseconds. */
  time: number;
  via: LookupResult['via'];
  /** Blocks read that did not hold the key (Bloom false positives): requests beyond 3 cold / 2 warm. */
  falsePositiveReads: number;
  notes: string[];
}

function keyOutput(r: LookupResult): KeyOutput {
  return {
    key: r.key,
    status: r.status,
    ...(r.record !== undefined ? { record: r.record } : {}),
    ...(r.location ? { location: r.location } : {}),
    requests: r.requests,
    bytes: r.bytes,
    time: Math.round(r.ms * 100) / 100,
    via: r.via,
    falsePositiveReads: r.falsePositiveReads,
    notes: r.notes,
  };
}

async function runLookup(args: ParsedCommandLine, io: CliIo): Promise<number> {
  const index = location(args, 'index');
  const keys = lookupKeys(args);
  const scope = openScope(args, io);
  const json = args.format === 'json';
  try {
    const store = new ObjectStore(scope.s3Service().client);
    const reader = await IndexReader.open(store, index, { signal: io.signal });
    const results: KeyOutput[] = [];
    const started = performance.now();
    if (args.values.batch) {
      const batch = await reader.lookupMany(keys, { signal: io.signal });
      results.push(...batch.results.map(keyOutput));
    } else {
      for (const key of keys) results.push(keyOutput(await reader.lookup(key, { signal: io.signal })));
    }
    const total = { requests: reader.counts.requests - reader.openCounts.requests, bytes: reader.counts.bytesIn - reader.openCounts.bytesIn };
    const time = Math.round((performance.now() - started) * 100) / 100;
    if (json) {
      io.out(
        JSON.stringify({
          index: formatS3Uri(index),
          data: reader.config.data,
          open: { requests: reader.openCounts.requests, bytes: reader.openCounts.bytesIn },
          keys: results,
          requests: total.requests,
          bytes: total.bytes,
          time,
        }) + '\n',
      );
    } else {
      for (const r of results) {
        const cost = `${formatCount(r.requests)} request${r.requests === 1 ? '' : 's'} · ${formatBytes(r.bytes)} · ${formatDecimal(r.time, 1)} ms`;
        io.out(`${r.key}  ${r.status}  (${cost}${r.via === 'scan' ? ', by scanning data' : ''})\n`);
        if (r.record !== undefined) io.out(`  ${r.record}\n`);
        if (r.location) io.out(`  at s3://${parseS3Uri(reader.config.data).bucket}/${r.location.object} bytes ${r.location.offset}+${r.location.length}\n`);
        for (const note of r.notes) io.out(`  note: ${note}\n`);
      }
      io.out(
        `${formatCount(results.filter((r) => r.status === 'found').length)} of ${formatCount(results.length)} found: ${formatCount(total.requests)} requests, ${formatBytes(total.bytes)} (+1 request to open the index)\n`,
      );
    }
    return EXIT_OK;
  } catch (error) {
    failure(error, scope.settings.connection.endpoint, index.bucket);
  } finally {
    await scope.dispose();
  }
}

async function runStatus(args: ParsedCommandLine, io: CliIo): Promise<number> {
  const index = location(args, 'index');
  const scope = openScope(args, io);
  try {
    const status = await readIndexStatus(new ObjectStore(scope.s3Service().client), index, { compareData: true, signal: io.signal });
    if (args.format === 'json') io.out(JSON.stringify(status) + '\n');
    else if (!status.exists) io.out(`No index at ${status.index}: build one with s3-lifecycle index build --data s3://B/P --index ${status.index}\n`);
    else
      io.out(
        `${status.index}: ${status.config!.granularity} buckets over ${status.config!.data}; ${formatCount(status.indexedObjects)} data objects indexed` +
          `${status.lastIndexedAt ? ` (last ${status.lastIndexedAt})` : ''}, ${formatCount(status.unindexedObjects ?? 0)} of ${formatCount(status.dataObjects ?? 0)} not yet\n`,
      );
    return EXIT_OK;
  } catch (error) {
    failure(error, scope.settings.connection.endpoint, index.bucket);
  } finally {
    await scope.dispose();
  }
}

export const indexCommand: CliCommand = {
  name: 'index',
  summary: 'Build a key index over append-only data in S3 (kept in S3), and look records up by key',
  usage: 'build --data s3://B/P --index s3://B/I | lookup --index s3://B/I KEY… | status --index s3://B/I',
  options: {
    data: { type: 'string', description: 'build: the append-only data (lines KEY, PAYLOAD; KEY ends with -unixtime)', valueName: 's3://B/P' },
    index: { type: 'string', description: 'Where the index is kept (its objects; may be inside the data prefix)', valueName: 's3://B/I' },
    granularity: { type: 'string', description: `build: time bucket per manifest, ${GRANULARITIES.join('|')} (default hour)`, valueName: 'unit' },
    'part-entries': { type: 'string', description: 'build: entries per part file, at most (default 65536)', valueName: 'n' },
    'bits-per-key': { type: 'string', description: 'build: Bloom filter bits per key (default 10.5: about 1% false positives)', valueName: 'x' },
    builder: { type: 'string', description: 'build: name of this builder in claims and the ledger (default host/pid/random)', valueName: 'name' },
    'batch-entries': { type: 'string', description: 'build: entries held in memory before parts are written (default 1000000)', valueName: 'n' },
    'keys-file': { type: 'string', description: 'lookup: more keys, one per line (- for standard input)', valueName: 'file' },
    batch: { type: 'boolean', description: 'lookup: all keys at once, sharing reads (per-key counts then include shared requests)' },
    ...CONNECTION_OPTIONS,
  },
  details: [
    'build lists the data prefix and indexes only data objects not indexed yet (by key and ETag); run it again after new data arrives.',
    "Several builders may run at once on the same index: they split the data objects and never lose each other's entries.",
    'lookup prints, per key: its status (found, absent, changed, invalid-key), the record, the requests, bytes and time it took, and notes',
    '(damage found and the fallback taken, or data that changed since it was indexed). Opening the index costs one request more.',
    'Exit codes: 0 when the lookups ran (whatever they found), 1 on a failure (no index, S3 unreachable), 2 on bad usage.',
  ],
  async run(args, io) {
    const action = args.positionals[0];
    if (!action || !(ACTIONS as readonly string[]).includes(action))
      throw new UsageError(`index takes an action: ${ACTIONS.join(', ')}${action ? `, not "${action}"` : ''}`);
    const allowed = new Set([...ACTION_OPTIONS[action as Action], ...Object.keys(CONNECTION_OPTIONS), 'format', 'help']);
    const stray = Object.keys(args.values).find((name) => args.values[name] !== undefined && !allowed.has(name));
    if (stray) throw new UsageError(`index ${action} does not take --${stray}`);
    if (action !== 'lookup' && args.positionals.length > 1) throw new UsageError(`index ${action} takes no further arguments (got "${args.positionals[1]}")`);
    if (action === 'build') return runBuild(args, io);
    if (action === 'lookup') return runLookup(args, io);
    return runStatus(args, io);
  },
};

// `npm run bench -- index`: the key index (issue 16) on a local S3 server on loopback (versitygw, posix
// backend), 10M keys by default:
//   (a) append-only data like the seed's (`uuid-unixtime, payload` lines; four writers, one file per
//       writer per hour, 5 % of records late by up to three hours) written to the server;
//   (b) the build, in a process of its own: wall time, keys/s with S3, and its peak RSS and heap; and the
//       build's CPU path alone (parse + hash + Bloom + sort + encode) on the same bytes in memory: keys/s
//       against the target of 1M keys/s;
//   (c) lookups of sampled present keys and of absent keys, cold (nothing cached) and warm (the time
//       bucket's manifest cached): requests, bytes, ms and lookups/s, each record checked against the
//       generated one; against (1) the seed's design (Bloom header of each file, then a sequential scan of
//       each candidate file's entries) and (2) scanning the data files; and Athena's cost for the same
//       lookup by formula (bytes scanned, at least 10 MB, × $5 per TB) against ours (GET requests × S3
//       Standard's $0.0004 per 1,000);
//   (d) the Bloom filters' false-positive rate, measured on the index's own parts with random absent
//       keys, with its 95 % interval, against the rate the configured bits per key give a split-block
//       filter of those parts' sizes (the blocks are a whole number: slightly more than 10.5 bits a key).
//
//   --index-keys N       keys in the data (default 10,000,000)
//   --index-lookups N    present and absent keys looked up, each cold and warm (default 1,000)
//   --index-seed-lookups N  lookups with the seed's design (default 100)
//   --index-scans N      lookups by scanning the data (default 3; each reads about half the data)

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './project.mjs';
import { startVersitygw } from './servers.mjs';

const exec = promisify(execFile);
const outDir = process.env.S3LS_OUT_DIR ?? join(repoRoot, 'out');
const require = createRequire(join(repoRoot, 'package.json'));
const BUCKET = 'bench-index';
const DATA = 'data/';
const INDEX = '_index/data/';
const START = 1_683_831_600; // 2023-05-11 19:00 UTC, the seed's example hour
const WRITERS = 4;
const WINDOW = 3600;
const S3_GET_USD = 0.0004 / 1000;
const ATHENA_USD_PER_BYTE = 5 / 1e12;
const ATHENA_MIN_BYTES = 10 * 1024 * 1024;

/** A deterministic generator (xorshift128+ over two 32-bit halves is enough here: keys only need to be unique and spread). */
function random(seed) {
  let a = seed >>> 0 || 1;
  let b = 0x9e3779b9;
  return () => {
    let t = a;
    const s = b;
    a = s;
    t ^= t << 11;
    t ^= t >>> 8;
    b = (t ^ s ^ (s >>> 19)) >>> 0;
    return b;
  };
}

const hex = (n, width) => n.toString(16).padStart(width, '0');

function uuid(next) {
  const a = next();
  const b = next();
  const c = next();
  const d = next();
  return `${hex(a, 8)}-${hex(b >>> 16, 4)}-4${hex(b & 0xfff, 3)}-${hex(0x8000 | (c >>> 18), 4)}-${hex(c & 0xffff, 4)}${hex(d, 8)}`;
}

/** One data file: its bytes, and a sample of its records. */
function dataFile(f, lines, next, sampleEvery) {
  const window = Math.floor(f / WRITERS);
  const windowStart = START + window * WINDOW;
  const parts = ['uuid, data\n'];
  const samples = [];
  let offset = parts[0].length;
  for (let i = 0; i < lines; i++) {
    const late = window > 0 && next() % 100 < 5;
    const ts = late ? windowStart - (1 + (next() % Math.min(3, window))) * WINDOW + (next() % WINDOW) : windowStart + (next() % WINDOW);
    const key = `${uuid(next)}-${ts}`;
    const record = `${key}, {"n":${i},"v":"${hex(next(), 8)}${hex(next(), 8)}${hex(next(), 8)}${hex(next(), 8)}"}`;
    parts.push(record, '\n');
    if (next() % sampleEvery === 0) samples.push({ key, record, offset });
    offset += record.length + 1;
  }
  return { body: Buffer.from(parts.join(''), 'latin1'), samples, windowStart };
}

/**
 * The split-block Bloom filter's false-positive rate for n keys in B blocks: a block holds Poisson(n/B) keys, each
 * setting one bit in each of its eight 32-bit words, and an absent key is a false positive when its eight bits are set.
 */
function sbbfRate(n, blocks) {
  const lambda = n / blocks;
  let rate = 0;
  let p = Math.exp(-lambda);
  for (let k = 0; k < lambda * 4 + 50; k++) {
    rate += p * (1 - (31 / 32) ** k) ** 8;
    p *= lambda / (k + 1);
  }
  return rate;
}

/** Wilson's 95 % interval of a proportion. */
function wilson(hits, n) {
  const z = 1.96;
  const p = hits / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return [centre - half, centre + half];
}

const BUILD_CHILD = `
const [outDir, endpoint, access, secret] = process.argv.slice(1);
const { S3Client } = require('@aws-sdk/client-s3');
const { ObjectStore } = require(outDir + '/src/aws/objectStore.js');
const { buildIndex } = require(outDir + '/src/app/index/build.js');
const client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: access, secretAccessKey: secret } });
let heap = 0;
const sampler = setInterval(() => { heap = Math.max(heap, process.memoryUsage().heapUsed); }, 50);
const started = performance.now();
buildIndex(new ObjectStore(client), { data: { bucket: '${BUCKET}', key: '${DATA}' }, index: { bucket: '${BUCKET}', key: '${INDEX}' } }).then((r) => {
  clearInterval(sampler);
  heap = Math.max(heap, process.memoryUsage().heapUsed);
  let peak = process.resourceUsage().maxRSS * 1024;
  try { peak = Number(/VmHWM:\\s*(\\d+) kB/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1]) * 1024; } catch {}
  console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000, entries: r.entries, parts: r.parts, buckets: r.buckets, objects: r.objects.indexed, requests: r.requests.requests, peakBatchEntries: r.peakBatchEntries, peakRssBytes: peak, peakHeapBytes: heap, config: r.config }));
}).catch((e) => { console.error(e); process.exit(1); });
`;

function summarise(results) {
  const n = results.length;
  const sum = (f) => results.reduce((s, r) => s + f(r), 0);
  return {
    n,
    requests: sum((r) => r.requests) / n,
    bytes: sum((r) => r.bytes) / n,
    ms: sum((r) => r.ms) / n,
    maxRequests: Math.max(...results.map((r) => r.requests)),
  };
}

const round = (x, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

export async function indexBench(option) {
  const keys = Number(option('index-keys', '10000000'));
  const lookups = Number(option('index-lookups', '1000'));
  const seedLookups = Number(option('index-seed-lookups', '100'));
  const scans = Number(option('index-scans', '3'));
  const { S3Client, CreateBucketCommand, PutObjectCommand } = require('@aws-sdk/client-s3');
  const { ObjectStore } = require(join(outDir, 'src', 'aws', 'objectStore.js'));
  const { IndexReader } = require(join(outDir, 'src', 'app', 'index', 'lookup.js'));
  const { seedDesignLookup } = require(join(outDir, 'src', 'app', 'index', 'seedLookup.js'));
  const { scanDataLookup } = require(join(outDir, 'src', 'app', 'index', 'scan.js'));
  const { readManifest } = require(join(outDir, 'src', 'app', 'index', 'manifestStore.js'));
  const { decodeLookupPrefix, bloomMayContain } = require(join(outDir, 'src', 'core', 'index', 'partReader.js'));
  const { indexSyntheticBody } = require(join(outDir, 'src', 'core', 'index', 'bench.js'));
  const { initXxh64, xxh64String } = require(join(outDir, 'src', 'core', 'index', 'xxh64.js'));
  await initXxh64();

  const dir = mkdtempSync(join(tmpdir(), 's3ls-bench-index-'));
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const server = await startVersitygw({ logDir: join(dir, 'logs'), dataDir: join(dir, 's3') });
  const client = new S3Client({ endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: server.root, maxAttempts: 5 });
  try {
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    // (a) The data.
    const files = Math.max(8, Math.round(keys / 250_000));
    const perFile = Math.ceil(keys / files);
    const next = random(16);
    const samples = [];
    const inMemory = [];
    let dataBytes = 0;
    let lastWindow = 0;
    const writeStarted = performance.now();
    for (let f = 0; f < files; f++) {
      const lines = Math.min(perFile, keys - f * perFile);
      if (lines <= 0) break;
      const file = dataFile(f, lines, next, Math.max(1, Math.floor(keys / (8 * lookups + 2 * seedLookups + scans))));
      const key = `${DATA}writer-${f % WRITERS}/${new Date(file.windowStart * 1000).toISOString().slice(0, 13)}.csv`;
      for (const s of file.samples) samples.push({ ...s, object: key });
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: file.body }));
      if (inMemory.length < 4) inMemory.push(file.body);
      dataBytes += file.body.length;
      lastWindow = file.windowStart;
    }
    const writeSeconds = (performance.now() - writeStarted) / 1000;
    // Shuffle the samples (deterministically), so sets A and B spread over every hour.
    for (let i = samples.length - 1; i > 0; i--) {
      const j = next() % (i + 1);
      [samples[i], samples[j]] = [samples[j], samples[i]];
    }
    const absent = Array.from({ length: 2 * lookups }, () => `${uuid(next)}-${START + (next() % (lastWindow + WINDOW - START))}`);

    // (b) The build, in a process of its own; then its CPU path alone, in memory.
    const { stdout } = await exec(process.execPath, ['-e', BUILD_CHILD, outDir, server.endpoint, server.root.accessKeyId, server.root.secretAccessKey], {
      cwd: repoRoot,
      maxBuffer: 64 * 1024 * 1024,
    });
    const build = JSON.parse(stdout.trim().split('\n').pop());
    if (build.entries !== keys) throw new Error(`the build indexed ${build.entries} keys, not ${keys}`);
    // Once untimed, so the timed runs measure compiled code, not the JIT's first pass; then the best of three (the
    // machine's other work only ever slows a run down).
    const options = { partEntries: build.config.partEntries, bitsPerKey: build.config.bitsPerKey };
    indexSyntheticBody(inMemory[0], options);
    let cpuKeys = 0;
    let cpuSeconds = Infinity;
    for (let round = 0; round < 3; round++) {
      let records = 0;
      const started = performance.now();
      for (const body of inMemory) records += indexSyntheticBody(body, options).records;
      cpuSeconds = Math.min(cpuSeconds, (performance.now() - started) / 1000);
      cpuKeys = records;
    }
    const cpuKeysPerSecond = cpuKeys / cpuSeconds;

    // (c) Lookups.
    const store = new ObjectStore(client);
    const reader = await IndexReader.open(store, { bucket: BUCKET, key: INDEX });
    const setA = samples.slice(0, lookups);
    const setB = samples.slice(lookups, 2 * lookups);
    const check = (r, s) => {
      if (r.status !== 'found' || r.record !== s.record || r.location.object !== s.object || r.location.offset !== s.offset)
        throw new Error(`lookup of ${s.key}: ${r.status} ${JSON.stringify(r.location)}, not ${s.object}@${s.offset}`);
    };
    const timed = async (items, look) => {
      const out = [];
      const started = performance.now();
      for (const item of items) out.push(await look(item));
      return { results: out, perSecond: items.length / ((performance.now() - started) / 1000) };
    };
    const coldPresent = await timed(setA, async (s) => {
      reader.clearCache();
      const r = await reader.lookup(s.key);
      check(r, s);
      return r;
    });
    reader.clearCache();
    await reader.lookupMany(setA.map((s) => s.key)); // every hour's manifest cached
    const warmPresent = await timed(setB, async (s) => {
      const r = await reader.lookup(s.key);
      check(r, s);
      return r;
    });
    const coldAbsent = await timed(absent.slice(0, lookups), async (key) => {
      reader.clearCache();
      const r = await reader.lookup(key);
      if (r.status !== 'absent') throw new Error(`${key} is not in the data but was ${r.status}`);
      return r;
    });
    reader.clearCache();
    await reader.lookupMany(setA.map((s) => s.key));
    const warmAbsent = await timed(absent.slice(lookups), async (key) => {
      const r = await reader.lookup(key);
      if (r.status !== 'absent') throw new Error(`${key} is not in the data but was ${r.status}`);
      return r;
    });
    const target = { index: reader.index, config: reader.config, data: reader.data };
    const seedPresent = await timed(samples.slice(2 * lookups, 2 * lookups + seedLookups), async (s) => {
      const r = await seedDesignLookup(store, target, s.key);
      if (r.record !== s.record) throw new Error(`the seed design's lookup of ${s.key} found ${r.record}`);
      return r;
    });
    const seedAbsent = await timed(absent.slice(0, seedLookups), (key) => seedDesignLookup(store, target, key));
    const scanPresent = await timed(samples.slice(2 * lookups + seedLookups, 2 * lookups + seedLookups + scans), async (s) => {
      const r = await scanDataLookup(store, reader.data, s.key);
      if (r.record !== s.record) throw new Error(`the data scan for ${s.key} found ${r.record}`);
      return r;
    });

    // (d) The Bloom filters' false-positive rate on the index's own parts.
    let probes = 0;
    let positives = 0;
    let expectedHits = 0;
    for (const bucket of build.buckets.slice(0, 4)) {
      const read = await readManifest(store, reader.index, bucket);
      if (read.state !== 'ok') continue;
      for (const bytes of read.manifest.prefixes.slice(0, 4)) {
        const prefix = decodeLookupPrefix(bytes);
        expectedHits += 100_000 * sbbfRate(prefix.header.entryCount, prefix.header.bloomLength / 32);
        for (let i = 0; i < 100_000; i++) {
          probes++;
          if (bloomMayContain(prefix, xxh64String(`${uuid(next)}-${START}`))) positives++;
        }
      }
    }
    const fpr = positives / probes;
    const [low, high] = wilson(positives, probes);
    const expected = expectedHits / probes;
    const fpReadsPerAbsent = coldAbsent.results.reduce((n, r) => n + r.falsePositiveReads, 0) / coldAbsent.results.length;

    const ours = {
      coldPresent: summarise(coldPresent.results),
      warmPresent: summarise(warmPresent.results),
      coldAbsent: summarise(coldAbsent.results),
      warmAbsent: summarise(warmAbsent.results),
    };
    const seed = { present: summarise(seedPresent.results), absent: summarise(seedAbsent.results) };
    const scan = summarise(scanPresent.results);
    const athenaBytes = Math.max(ATHENA_MIN_BYTES, dataBytes);
    const athenaUsd = athenaBytes * ATHENA_USD_PER_BYTE;
    const oursUsd = ours.coldPresent.requests * S3_GET_USD;
    const k = keys.toLocaleString('en-US');
    const detailOf = (s) => ({ requests: round(s.requests), maxRequests: s.maxRequests, bytes: Math.round(s.bytes), ms: round(s.ms) });
    return [
      {
        name: `index: data written (${k} keys, ${files} files)`,
        value: round(dataBytes / 1e6, 1),
        unit: 'MB',
        target: null,
        detail: { seconds: round(writeSeconds, 1) },
      },
      {
        name: `index: build keys/s, CPU only (parse+Bloom+sort+encode)`,
        value: Math.round(cpuKeysPerSecond),
        unit: 'keys/s',
        target: 1_000_000,
        higherIsBetter: true,
        detail: { keys: cpuKeys },
      },
      {
        name: `index: build keys/s with S3 (${k} keys)`,
        value: Math.round(build.entries / build.seconds),
        unit: 'keys/s',
        target: null,
        detail: { seconds: round(build.seconds, 1), parts: build.parts, buckets: build.buckets.length, requests: build.requests },
      },
      {
        name: 'index: build peak RSS',
        value: Math.round(build.peakRssBytes / 2 ** 20),
        unit: 'MB',
        target: null,
        detail: { peakHeapMB: Math.round(build.peakHeapBytes / 2 ** 20), peakBatchEntries: build.peakBatchEntries },
      },
      {
        name: 'index: requests/lookup, cold, present',
        value: round(ours.coldPresent.requests),
        unit: 'requests',
        target: 3,
        higherIsBetter: false,
        detail: detailOf(ours.coldPresent),
      },
      {
        name: 'index: requests/lookup, warm, present',
        value: round(ours.warmPresent.requests),
        unit: 'requests',
        target: 2,
        higherIsBetter: false,
        detail: detailOf(ours.warmPresent),
      },
      {
        name: 'index: requests/lookup, cold, absent',
        value: round(ours.coldAbsent.requests),
        unit: 'requests',
        target: 3,
        higherIsBetter: false,
        detail: detailOf(ours.coldAbsent),
      },
      {
        name: 'index: requests/lookup, warm, absent',
        value: round(ours.warmAbsent.requests),
        unit: 'requests',
        target: 2,
        higherIsBetter: false,
        detail: detailOf(ours.warmAbsent),
      },
      {
        name: 'index: lookups/s, cold / warm (present)',
        value: Math.round(coldPresent.perSecond),
        unit: 'lookups/s',
        target: null,
        detail: { warm: Math.round(warmPresent.perSecond) },
      },
      // Against the seed's design and the data scan: "target" is theirs, so the ratio is how many times better ours is.
      {
        name: 'index vs seed design: requests (present, cold)',
        value: round(ours.coldPresent.requests),
        unit: 'requests',
        target: round(seed.present.requests),
        higherIsBetter: false,
        detail: detailOf(seed.present),
      },
      {
        name: 'index vs seed design: bytes (present, cold)',
        value: Math.round(ours.coldPresent.bytes),
        unit: 'bytes',
        target: Math.round(seed.present.bytes),
        higherIsBetter: false,
      },
      {
        name: 'index vs seed design: ms (present, cold)',
        value: round(ours.coldPresent.ms),
        unit: 'ms',
        target: round(seed.present.ms),
        higherIsBetter: false,
      },
      {
        name: 'index vs seed design: requests (absent, cold)',
        value: round(ours.coldAbsent.requests),
        unit: 'requests',
        target: round(seed.absent.requests),
        higherIsBetter: false,
        detail: detailOf(seed.absent),
      },
      {
        name: 'index vs seed design: bytes (absent, cold)',
        value: Math.round(ours.coldAbsent.bytes),
        unit: 'bytes',
        target: Math.round(seed.absent.bytes),
        higherIsBetter: false,
      },
      {
        name: 'index vs data scan: requests (present)',
        value: round(ours.coldPresent.requests),
        unit: 'requests',
        target: round(scan.requests),
        higherIsBetter: false,
        detail: { ...detailOf(scan), lookups: scan.n },
      },
      {
        name: 'index vs data scan: bytes (present)',
        value: Math.round(ours.coldPresent.bytes),
        unit: 'bytes',
        target: Math.round(scan.bytes),
        higherIsBetter: false,
      },
      { name: 'index vs data scan: ms (present)', value: round(ours.coldPresent.ms), unit: 'ms', target: round(scan.ms), higherIsBetter: false },
      {
        name: 'index vs Athena: USD per lookup (formula)',
        value: Number(oursUsd.toPrecision(3)),
        unit: 'USD',
        target: Number(athenaUsd.toPrecision(3)),
        higherIsBetter: false,
        detail: { athenaBytesScanned: athenaBytes, oursGets: round(ours.coldPresent.requests) },
      },
      {
        name: `index: Bloom false-positive rate (${build.config.bitsPerKey} bits/key)`,
        value: round(fpr * 100, 3),
        unit: '%',
        target: round(expected * 100, 3),
        higherIsBetter: false,
        detail: {
          interval95: [round(low * 100, 3), round(high * 100, 3)],
          expectedWithinInterval: expected >= low && expected <= high,
          probes,
          falsePositiveReadsPerAbsentLookup: round(fpReadsPerAbsent, 3),
        },
      },
    ];
  } finally {
    client.destroy();
    await server.stop?.();
    rmSync(dir, { recursive: true, force: true });
  }
}

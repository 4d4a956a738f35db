// `npm run bench -- deletion`: the deletion image (issue 15) on a synthetic deletion shaped like the
// generator's (scripts/lib/deletionWorkload.mjs: 16 key-range partitions, hourly buckets):
//   (a) events applied per second, (b) frame patches per second at 1000×1000 and, apart, GIF frames
//   encoded per second, (c) peak RSS at 10M and 100M objects in a process of its own, as bytes per
//   object beyond a fixed base (the slope between the two), (d) against the original write-up's
//   method on the same events and the same picture: a full RGB PNG per frame (pngjs), then
//   ImageMagick's `convert -delay 5 -loop 0 frames/*.png out.gif`; the speed-up end to end and the
//   file sizes for each picture of --deletion-pictures, the two GIFs first decoded and compared
//   frame by frame (a size compares nothing unless both show the same pixels),
//   (e) the partition tracker (partitions.ts): events recorded per second, one full report at its
//   default 65,536 bins, and the partitions it finds; it runs in (c) too, beside the canvas.
//
//   --deletion-objects N   objects for (a), (b), (d) (default 1,000,000)
//   --deletion-memory A,B  the two sizes for (c) (default 10000000,100000000)
//   --deletion-pictures L  the pictures for (d), of rows, hilbert, hilbert+header, rows+header
//                          (default rows,hilbert,hilbert+header)
//
// The compiled sources come from out/ (compiled by bench.mjs); S3LS_OUT_DIR points elsewhere.

import { execFile, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { collectBatches, deletionWorkload } from './deletionWorkload.mjs';
import { repoRoot } from './project.mjs';

const exec = promisify(execFile);
const outDir = process.env.S3LS_OUT_DIR ?? join(repoRoot, 'out');
const require = createRequire(join(repoRoot, 'package.json'));
const SIZE = 1000;
/** Debian's ImageMagick (the package `imagemagick`), called by its own path. */
const CONVERT = '/usr/bin/convert';

/** Runs in a process of its own: a canvas of N objects through the whole deletion, then its peak RSS. */
const MEMORY_CHILD = `
const [outDir, workloadUrl, objects, size] = process.argv.slice(1);
const { DeletionCanvas } = require(outDir + '/src/core/deletion/canvas.js');
const { PartitionTracker } = require(outDir + '/src/core/deletion/partitions.js');
import(workloadUrl).then(({ deletionWorkload, deletionBatches }) => {
  const workload = deletionWorkload({ objects: Number(objects) });
  const canvas = new DeletionCanvas(Number(objects), { size: Number(size), layout: 'hilbert', header: true, bucketMs: workload.bucketMs });
  const tracker = new PartitionTracker(Number(objects));
  let frames = 0;
  for (const { bucketStart, batch, last } of deletionBatches(workload)) {
    canvas.apply(batch);
    tracker.record(batch);
    if (last) { canvas.frame(bucketStart); frames++; }
  }
  if (tracker.report().partitions.length === 0) throw new Error('the tracker found no partitions');
  const counts = canvas.counts();
  if (counts[4] !== Number(objects)) throw new Error('not every object ended gone: ' + counts.join(','));
  // VmHWM, not getrusage's maxRSS: on Linux a child's maxRSS starts at its parent's RSS when it was forked.
  let peak = process.resourceUsage().maxRSS * 1024;
  try { peak = Number(/VmHWM:\\s*(\\d+) kB/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1]) * 1024; } catch {}
  console.log(JSON.stringify({ frames, peakRssBytes: peak }));
}).catch((e) => { console.error(e); process.exit(1); });
`;

function best(rounds, fn) {
  let ms = Infinity;
  let result;
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    result = fn();
    ms = Math.min(ms, performance.now() - started);
  }
  return { ms, result };
}

/** ImageMagick's convert, installed with apt-get when missing and running as root; undefined (and why) otherwise. */
function imageMagick() {
  const works = () => existsSync(CONVERT) && /ImageMagick/.test(spawnSync(CONVERT, ['-version'], { encoding: 'utf8' }).stdout ?? '');
  if (works()) return { convert: CONVERT };
  if (process.getuid?.() !== 0)
    return { why: `ImageMagick is not installed: run "sudo apt-get install -y imagemagick" for the comparison with the original method` };
  const apt = (...args) => spawnSync('apt-get', args, { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  // The package lists may be stale on a fresh machine: update them once if the first try fails.
  if (!apt('install', '-y', '--no-install-recommends', 'imagemagick') && apt('update')) apt('install', '-y', '--no-install-recommends', 'imagemagick');
  return works() ? { convert: CONVERT } : { why: 'apt-get could not install imagemagick: install it for the comparison with the original method' };
}

export async function deletionBench(option) {
  const { DeletionCanvas } = require(join(outDir, 'src', 'core', 'deletion', 'canvas.js'));
  const { GifWriter } = require(join(outDir, 'src', 'core', 'deletion', 'gif.js'));
  const objects = Number(option('deletion-objects', '1000000'));
  const pictures = picturesOption(option);
  const workload = deletionWorkload({ objects });
  const batches = collectBatches(workload);
  const events = batches.reduce((n, b) => n + b.length, 0);
  const results = [];
  const label = `${(objects / 1e6).toLocaleString('en-US')}M objects, ${batches.length} hourly frames`;

  // (a) and (b): the canvas alone, the events in memory; best of 3 rounds.
  const canvasRun = (options, n = objects) => {
    const canvas = new DeletionCanvas(n, { size: SIZE, bucketMs: workload.bucketMs, ...options });
    let applyMs = 0;
    let frameMs = 0;
    const patches = [];
    for (const batch of batches) {
      let t = performance.now();
      canvas.apply(batch);
      applyMs += performance.now() - t;
      t = performance.now();
      patches.push(canvas.frame(batch.bucketStart));
      frameMs += performance.now() - t;
    }
    return { canvas, applyMs, frameMs, patches };
  };
  const runs = [];
  for (let round = 0; round < 3; round++) runs.push(canvasRun({ layout: 'hilbert', header: true }));
  const applyMs = Math.min(...runs.map((r) => r.applyMs));
  const frameMs = Math.min(...runs.map((r) => r.frameMs));
  const { canvas, patches } = runs[0];
  const meanPatch = Math.round(patches.slice(1).reduce((n, p) => n + p.width * p.height, 0) / (patches.length - 1));
  results.push({
    name: `deletion: events applied/s (${label})`,
    value: Math.round(events / (applyMs / 1000)),
    unit: 'events/s',
    target: 50_000_000,
    higherIsBetter: true,
    detail: { events, layout: 'hilbert', objectsPerPixel: objects / SIZE ** 2 },
  });
  // More objects than pixels: each event also updates its pixel's counts.
  {
    const many = objects * 10;
    const manyBatches = batches.map((b) => ({ ...b, objects: b.objects.map((o) => o * 10 + (o % 10)) }));
    let ms = Infinity;
    for (let round = 0; round < 3; round++) {
      const c = new DeletionCanvas(many, { size: SIZE, layout: 'hilbert' });
      const started = performance.now();
      for (const b of manyBatches) c.apply(b);
      ms = Math.min(ms, performance.now() - started);
    }
    results.push({
      name: `deletion: events applied/s, ${many / SIZE ** 2} objects per pixel`,
      value: Math.round(events / (ms / 1000)),
      unit: 'events/s',
      target: 50_000_000,
      higherIsBetter: true,
    });
  }
  results.push({
    name: `deletion: frame patches/s at ${SIZE}×${SIZE} with the header band`,
    value: Math.round(batches.length / (frameMs / 1000)),
    unit: 'frames/s',
    target: 300,
    higherIsBetter: true,
    detail: { meanPatchPixels: meanPatch },
  });
  let gifBytes = 0;
  const encode = best(3, () => {
    gifBytes = 0;
    const writer = new GifWriter((b) => void (gifBytes += b.length), { width: canvas.width, height: canvas.height, palette: canvas.palette });
    // The sink is synchronous: each addFrame has finished its work when it returns.
    for (const patch of patches) void writer.addFrame(patch);
    void writer.finish();
  });
  results.push({
    name: `deletion: GIF frames encoded/s at ${SIZE}×${SIZE} (those patches)`,
    value: Math.round(patches.length / (encode.ms / 1000)),
    unit: 'frames/s',
    target: 300,
    higherIsBetter: true,
    detail: { gifBytes },
  });

  // (e) the partition tracker alone, the events in memory; best of 3 rounds.
  {
    const { PartitionTracker } = require(join(outDir, 'src', 'core', 'deletion', 'partitions.js'));
    let tracker;
    const record = best(3, () => {
      tracker = new PartitionTracker(objects, { bucketMs: workload.bucketMs });
      for (const batch of batches) tracker.record(batch);
    });
    let progress;
    const report = best(3, () => {
      tracker.cached = undefined; // a fresh report each round, not the cached one
      progress = tracker.report();
    });
    results.push({
      name: `deletion: partition tracker events recorded/s (${label})`,
      value: Math.round(events / (record.ms / 1000)),
      unit: 'events/s',
      target: null,
      higherIsBetter: true,
    });
    results.push({
      name: `deletion: partition tracker, one full report at ${tracker.bins.toLocaleString('en-US')} bins`,
      value: Math.round(report.ms * 10) / 10,
      unit: 'ms',
      target: null,
      detail: { partitionsFound: progress.partitions.length, partitions: workload.streams.length / 3, complete: progress.complete },
    });
  }

  // (c) peak memory, each size in a process of its own.
  const [small, large] = option('deletion-memory', '10000000,100000000').split(',').map(Number);
  const peak = async (n) => {
    const { stdout } = await exec(
      process.execPath,
      ['-e', MEMORY_CHILD, outDir, pathToFileURL(join(repoRoot, 'scripts', 'lib', 'deletionWorkload.mjs')).href, String(n), String(SIZE)],
      {
        cwd: repoRoot,
        maxBuffer: 1 << 20,
      },
    );
    return JSON.parse(stdout.trim().split('\n').at(-1)).peakRssBytes;
  };
  const [rssSmall, rssLarge] = [await peak(small), await peak(large)];
  const slope = (rssLarge - rssSmall) / (large - small);
  const mb = (b) => Math.round(b / 1048576);
  results.push({ name: `deletion: peak RSS at ${small.toLocaleString('en-US')} objects`, value: mb(rssSmall), unit: 'MB', target: null });
  results.push({ name: `deletion: peak RSS at ${large.toLocaleString('en-US')} objects`, value: mb(rssLarge), unit: 'MB', target: null });
  results.push({
    name: 'deletion: memory per object beyond a fixed base',
    value: Math.round(slope * 1000) / 1000,
    unit: 'bytes',
    target: 1.2,
    higherIsBetter: false,
    detail: { fixedBaseMb: mb(rssSmall - slope * small) },
  });

  // (d) against the original's method, end to end on the same events, each picture drawn the same way by both.
  const magick = imageMagick();
  if (!magick.convert) {
    results.push({ name: 'deletion: speed-up over PNG frames + ImageMagick', value: 'skipped', unit: '', target: null, detail: { why: magick.why } });
    return results;
  }
  const dir = mkdtempSync(join(tmpdir(), 's3ls-bench-deletion-'));
  try {
    for (const name of pictures) {
      const picture = PICTURES[name];
      const ours = await oursEndToEnd(DeletionCanvas, GifWriter, objects, workload, batches, picture, join(dir, `ours-${name}.gif`));
      const theirs = await originalMethod(DeletionCanvas, magick.convert, objects, workload, batches, picture, dir, name);
      const frames = samePicture(ours.path, theirs.path);
      const seconds = (ms) => Math.round(ms / 100) / 10;
      results.push({
        name: `deletion: ours end to end, events → GIF (${label}), ${name}`,
        value: seconds(ours.ms),
        unit: 's',
        target: null,
        detail: { picture: picture.label, gifBytes: ours.bytes },
      });
      results.push({
        name: `deletion: original method end to end (PNG per frame + convert), ${name}`,
        value: seconds(theirs.ms),
        unit: 's',
        target: null,
        detail: {
          drawSeconds: seconds(theirs.drawMs),
          pngSeconds: seconds(theirs.pngMs),
          pngBytes: theirs.pngBytes,
          convertSeconds: seconds(theirs.convertMs),
          gifBytes: theirs.bytes,
        },
      });
      results.push({
        name: `deletion: speed-up over the original method, ${name}`,
        value: Math.round((theirs.ms / ours.ms) * 10) / 10,
        unit: '×',
        target: 20,
        higherIsBetter: true,
      });
      results.push({
        name: `deletion: GIF size, original ÷ ours, ${name}`,
        value: Math.round((theirs.bytes / ours.bytes) * 100) / 100,
        unit: '×',
        target: 1,
        higherIsBetter: true,
        detail: { oursBytes: ours.bytes, theirsBytes: theirs.bytes, framesCompared: frames },
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/**
 * The pictures (d) compares, each drawn identically by both methods: the original's layout without
 * the header band, the product's default (Hilbert, no band: the `s3lifecycle.deletion.header` setting
 * and `render` without --header), the picture (b) encodes, and the original's look (rows and a band).
 */
const PICTURES = {
  rows: { layout: 'rows', header: false, label: "rows, no header band (the original's layout)" },
  hilbert: { layout: 'hilbert', header: false, label: 'Hilbert, no header band (the default)' },
  'hilbert+header': { layout: 'hilbert', header: true, label: 'Hilbert with the header band' },
  'rows+header': { layout: 'rows', header: true, label: "rows with the header band (the original's look)" },
};

function picturesOption(option) {
  const names = option('deletion-pictures', 'rows,hilbert,hilbert+header').split(',');
  const unknown = names.filter((n) => !(n in PICTURES));
  if (unknown.length > 0 || names.length === 0)
    throw new Error(`--deletion-pictures takes a comma-separated list of ${Object.keys(PICTURES).join(', ')}, not "${unknown.join(',')}"`);
  return names;
}

/** Ours: events → canvas → changed-rectangle frames → GIF file. */
async function oursEndToEnd(DeletionCanvas, GifWriter, objects, workload, batches, picture, path) {
  const started = performance.now();
  const c = new DeletionCanvas(objects, { size: SIZE, layout: picture.layout, header: picture.header, bucketMs: workload.bucketMs });
  const fd = openSync(path, 'w');
  const writer = new GifWriter((b) => void writeSync(fd, b), { width: c.width, height: c.height, palette: c.palette });
  for (const batch of batches) {
    c.apply(batch);
    await writer.addFrame(c.frame(batch.bucketStart));
  }
  await writer.finish();
  closeSync(fd);
  return { ms: performance.now() - started, bytes: statSync(path).size, path };
}

/**
 * The original write-up's method on the same picture: every frame drawn whole as RGB and written as
 * a PNG (pngjs), then ImageMagick's `convert -delay 5 -loop 0 frames/*.png out.gif`. The frames'
 * pixels come from a canvas of ours, so that the two pictures are the same (layout, mixed pixels,
 * header band); the canvas's part of the time is counted on this side (drawSeconds includes it).
 */
async function originalMethod(DeletionCanvas, convert, objects, workload, batches, picture, dir, name) {
  const { PNG } = require('pngjs');
  const framesDir = join(dir, `frames-${name}`);
  mkdirSync(framesDir);
  const started = performance.now();
  const c = new DeletionCanvas(objects, { size: SIZE, layout: picture.layout, header: picture.header, bucketMs: workload.bucketMs });
  const png = new PNG({ width: c.width, height: c.height, colorType: 2 });
  const rgb = c.palette;
  let drawMs = 0;
  batches.forEach((batch, frame) => {
    const t = performance.now();
    c.apply(batch);
    c.frame(batch.bucketStart);
    const image = c.image();
    const data = png.data;
    for (let p = 0; p < image.length; p++) {
      const [r, g, b] = rgb[image[p]];
      data[p * 4] = r;
      data[p * 4 + 1] = g;
      data[p * 4 + 2] = b;
      data[p * 4 + 3] = 255;
    }
    drawMs += performance.now() - t;
    writeFileSync(join(framesDir, `${String(frame).padStart(6, '0')}.png`), PNG.sync.write(png, { colorType: 2 }));
  });
  const pngMs = performance.now() - started - drawMs;
  // Debian's policy.xml caps ImageMagick's pixel cache (256 MiB of memory, 1 GiB of disk), too little for
  // 150 full frames: convert fails with "cache resources exhausted". The write-up's convert had no such
  // cap; a policy of our own, for this process only, lifts it.
  const policyDir = join(dir, 'magick');
  mkdirSync(policyDir, { recursive: true });
  writeFileSync(
    join(policyDir, 'policy.xml'),
    ['memory', 'map', 'disk'].reduce((xml, n) => `${xml}  <policy domain="resource" name="${n}" value="16GiB"/>\n`, '<policymap>\n') +
      '  <policy domain="resource" name="area" value="1GP"/>\n</policymap>\n',
  );
  const path = join(dir, `theirs-${name}.gif`);
  const convertStarted = performance.now();
  await exec(convert, ['-delay', '5', '-loop', '0', join(framesDir, '*.png'), path], {
    maxBuffer: 1 << 20,
    env: { ...process.env, MAGICK_CONFIGURE_PATH: policyDir },
  });
  const convertMs = performance.now() - convertStarted;
  const pngBytes = readdirSync(framesDir).reduce((n, f) => n + statSync(join(framesDir, f)).size, 0);
  rmSync(framesDir, { recursive: true, force: true });
  return { ms: performance.now() - started, drawMs, pngMs, convertMs, pngBytes, bytes: statSync(path).size, path };
}

/** Decodes both GIFs (omggif) and checks that they show the same pixels at every frame, so that the sizes compare the same picture; returns the frame count. */
function samePicture(oursPath, theirsPath) {
  const { GifReader } = require('omggif');
  const [ours, theirs] = [oursPath, theirsPath].map((p) => new GifReader(readFileSync(p)));
  if (ours.width !== theirs.width || ours.height !== theirs.height || ours.numFrames() !== theirs.numFrames()) {
    throw new Error(
      `The two GIFs differ in size or frames: ours ${ours.width}×${ours.height}, ${ours.numFrames()} frames; theirs ${theirs.width}×${theirs.height}, ${theirs.numFrames()}`,
    );
  }
  const screens = [ours, theirs].map((r) => new Uint8Array(r.width * r.height * 4));
  for (let f = 0; f < ours.numFrames(); f++) {
    [ours, theirs].forEach((reader, i) => {
      const disposal = f > 0 ? reader.frameInfo(f - 1).disposal : 0;
      // Disposal 0 and 1 leave the previous frame in place; the compositing here handles nothing else.
      if (disposal > 1) throw new Error(`Frame ${f - 1} of ${i === 0 ? 'ours' : 'theirs'} has disposal ${disposal}, which this check does not compose`);
      reader.decodeAndBlitFrameRGBA(f, screens[i]);
    });
    if (Buffer.compare(screens[0], screens[1]) !== 0) throw new Error(`The two GIFs show different pixels at frame ${f}: the comparison would not be fair`);
  }
  return ours.numFrames();
}

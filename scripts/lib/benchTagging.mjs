// `npm run bench -- tagging`: tagging throughput (objects/s) against versitygw on loopback at
// concurrency 1, 8, 32 and 64 (issue 6: ≥ 1,000 objects/s at the best setting). versitygw has no
// lifecycle API, so only the tags are measured. Each round tags with a key of its own, so no
// object is skipped; every round writes and syncs its audit log as a real run does.
//
// The per-object requests go direct (signed HTTP on keep-alive sockets, src/aws/objectTags.ts), as
// runs send them; --transport sdk measures the SDK's commands instead, for comparison.
//
// First, without a server: the signing alone. The requests a run sends (GetObjectTagging and
// PutObjectTagging per object) are signed by the hand-written signer (src/aws/sigv4.ts) and by the
// SDK's (@smithy/signature-v4, with the SDK's own SHA-256), each as the transport would call it;
// signs/s of each and their ratio. --signers-only stops there.
//
//   npm run bench -- tagging --objects 20000 [--concurrency 1,8,32,64] [--transport direct|sdk] [--signers-only]

import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { log } from './proc.mjs';
import { repoRoot } from './project.mjs';
import { startVersitygw } from './servers.mjs';

/** CPU time (ms) a process has used, from /proc (Linux); null elsewhere. */
function processCpuMs(pid) {
  try {
    // Fields after the command name: state is 3rd, utime 14th, stime 15th (in clock ticks, 100 per second).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/**
 * Signs the requests of tagging `objects` objects (a GET and a PUT of ?tagging each, path style on
 * a local endpoint, as the bench's runs) with both signers, in alternating passes; the best pass of
 * each counts. Each signer gets what the direct transport has at hand: the query as an object, the
 * extra headers and the payload's SHA-256.
 */
async function signerBench(out, objects) {
  const { canonicalQuery, sha256Hex, EMPTY_PAYLOAD_SHA256, encodeKeyPath, SigV4Signer } = await import(out('aws', 'sigv4.js'));
  const { taggingXml } = await import(out('aws', 'objectTags.js'));
  const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
  const [hostname, port, host] = ['127.0.0.1', 7070, '127.0.0.1:7070'];
  const body = Buffer.from(taggingXml([{ Key: 'bench-round-0', Value: 'expire' }]), 'utf8');
  const putHeaders = { 'content-md5': createHash('md5').update(body).digest('base64'), 'content-type': 'application/xml' };
  const bodySha256 = sha256Hex(body);
  const requests = [];
  for (let i = 0; i < objects; i++) {
    const path = `/bench/${encodeKeyPath(`cold/${String(i).padStart(7, '0')}.json`)}`;
    requests.push({ method: 'GET', path, headers: {}, payloadSha256: EMPTY_PAYLOAD_SHA256, body: undefined });
    requests.push({ method: 'PUT', path, headers: putHeaders, payloadSha256: bodySha256, body });
  }
  const ours = new SigV4Signer('us-east-1');
  const theirs = new SignatureV4({ credentials, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  // `when` only for the check below: the transport signs with the current time.
  const signers = {
    'sigv4.ts': async (r, when) =>
      ours.sign(
        {
          method: r.method,
          host,
          path: r.path,
          query: canonicalQuery({ tagging: '' }),
          headers: r.headers,
          payloadSha256: r.payloadSha256,
        },
        credentials,
        when,
      ).authorization,
    '@smithy/signature-v4': async (r, when) =>
      (
        await theirs.sign(
          {
            method: r.method,
            protocol: 'http:',
            hostname,
            port,
            path: r.path,
            query: { tagging: '' },
            headers: { host, ...r.headers, 'x-amz-content-sha256': r.payloadSha256 },
            body: r.body,
          },
          when ? { signingDate: when } : {},
        )
      ).headers.authorization,
  };
  // The two must sign alike, or the comparison means nothing.
  const when = new Date();
  for (const request of requests.slice(0, 2)) {
    const [a, b] = await Promise.all(Object.values(signers).map((sign) => sign(request, when)));
    if (a !== b) throw new Error(`the signers disagree on ${request.method} ${request.path}:\n${a}\n${b}`);
  }
  const best = Object.fromEntries(Object.keys(signers).map((name) => [name, 0]));
  for (let pass = 0; pass < 5; pass++) {
    for (const [name, sign] of Object.entries(signers)) {
      const started = performance.now();
      for (const request of requests) await sign(request);
      best[name] = Math.max(best[name], Math.round(requests.length / ((performance.now() - started) / 1000)));
    }
  }
  const ratio = Math.round((best['sigv4.ts'] / best['@smithy/signature-v4']) * 100) / 100;
  for (const [name, perSecond] of Object.entries(best))
    log(`tagging: signing with ${name}: ${perSecond} signs/s (best of 5 passes, ${requests.length} requests)`);
  log(`tagging: sigv4.ts signs ${ratio}× as fast as @smithy/signature-v4`);
  return [
    ...Object.entries(best).map(([name, perSecond]) => ({ name: `tagging: signing, ${name}`, value: perSecond, unit: 'signs/s', target: null })),
    { name: 'tagging: signing, sigv4.ts / @smithy/signature-v4', value: ratio, unit: '×', target: null },
  ];
}

export async function taggingBench(option) {
  const objects = Number(option('objects', '20000'));
  const levels = option('concurrency', '1,8,32,64').split(',').map(Number);
  const transport = option('transport', 'direct');
  if (transport !== 'direct' && transport !== 'sdk') throw new Error(`--transport ${transport}: choose direct or sdk`);
  // The compiled sources: out/ by default (bench.mjs compiles it); another folder for a private build.
  const out = (...parts) => join(repoRoot, option('out-dir', 'out'), 'src', ...parts);
  const signing = await signerBench(out, objects);
  if (option('signers-only', null) !== null) return signing;
  const { createS3Client } = await import(out('aws', 's3Client.js'));
  const { runTagging } = await import(out('aws', 'tagging.js'));
  const { createRun } = await import(out('core', 'retention', 'runStore.js'));
  const { CreateBucketCommand, GetObjectTaggingCommand } = await import('@aws-sdk/client-s3');

  const dir = mkdtempSync(join(tmpdir(), 's3ls-bench-tag-'));
  // versitygw answers every request with `Connection: close` unless told to keep connections, and
  // logs each request to stdout unless quiet: S3 keeps connections alive and logs elsewhere, so the
  // gateway is run that way (--keep-alive=false halves the rate: a TCP connect per request).
  const keepAlive = option('keep-alive', 'true') !== 'false';
  // The variables set here are put back afterwards: the benchmarks that follow start servers of their own.
  const saved = Object.fromEntries(
    ['VGW_KEEP_ALIVE', 'VGW_QUIET', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_EC2_METADATA_DISABLED'].map((name) => [name, process.env[name]]),
  );
  Object.assign(process.env, { VGW_KEEP_ALIVE: String(keepAlive), VGW_QUIET: 'true' });
  const server = await startVersitygw({ logDir: dir, dataDir: join(dir, 'data') });
  // createS3Client takes credentials from the environment, as the CLI does.
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: server.root.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.root.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  const connection = { profile: '', region: 'us-east-1', endpoint: server.endpoint, forcePathStyle: true };
  const client = createS3Client(connection, process.env, { maxSockets: Math.max(...levels) + 8, cacheMiddleware: true });
  try {
    await client.send(new CreateBucketCommand({ Bucket: 'bench' }));
    // versitygw's posix backend keeps each key as a file: writing the files is the fast way to N objects.
    const folder = join(server.rootDir, 'bench', 'cold');
    mkdirSync(folder, { recursive: true });
    for (let i = 0; i < objects; i++) writeFileSync(join(folder, `${String(i).padStart(7, '0')}.json`), '{}');

    const results = [];
    for (const [round, concurrency] of levels.entries()) {
      const tag = { key: `bench-round-${round}`, value: 'expire' };
      const run = await createRun(join(dir, 'runs'), {
        kind: 'tag',
        bucket: 'bench',
        prefixes: ['cold'],
        tag,
        keepTag: null,
        exemptGlobs: [],
        olderThan: null,
        versioned: false,
      });
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      const serverCpuBefore = processCpuMs(server.child.pid);
      const result = await runTagging(client, run, { concurrency, transport });
      const seconds = (performance.now() - started) / 1000;
      // This process's CPU per object: less sensitive than the rate to whatever else the machine runs.
      const cpu = process.cpuUsage(cpuBefore);
      const cpuMsPerObject = Math.round(((cpu.user + cpu.system) / 1000 / objects) * 1000) / 1000;
      // And the gateway's: on 2 cores the two share the machine, so their sum bounds the rate.
      const serverCpuAfter = processCpuMs(server.child.pid);
      const serverCpuMsPerObject =
        serverCpuBefore === null || serverCpuAfter === null ? null : Math.round(((serverCpuAfter - serverCpuBefore) / objects) * 1000) / 1000;
      if (result.progress.tagged !== objects)
        throw new Error(`round ${round}: tagged ${result.progress.tagged} of ${objects} (${JSON.stringify(result.progress)})`);
      const perSecond = Math.round(objects / seconds);
      log(
        `tagging (${transport}): concurrency ${String(concurrency).padStart(2)}: ${perSecond} objects/s (${objects} objects in ${seconds.toFixed(1)} s, client CPU ${cpuMsPerObject} ms/object (user ${(cpu.user / 1000 / objects).toFixed(3)}, system ${(cpu.system / 1000 / objects).toFixed(3)}), versitygw CPU ${serverCpuMsPerObject ?? '?'} ms/object, ${result.progress.retries} retries)`,
      );
      results.push({ concurrency, perSecond, seconds, cpuMsPerObject, serverCpuMsPerObject });
    }
    // Spot check: the last object carries every round's tag.
    const last = await client.send(new GetObjectTaggingCommand({ Bucket: 'bench', Key: `cold/${String(objects - 1).padStart(7, '0')}.json` }));
    if ((last.TagSet ?? []).length !== levels.length)
      throw new Error(`expected ${levels.length} tags on the last object, found ${JSON.stringify(last.TagSet)}`);

    const best = results.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
    log(
      `tagging: best ${best.perSecond} objects/s at concurrency ${best.concurrency}; ratio to the 1,000 objects/s target ${(best.perSecond / 1000).toFixed(2)}`,
    );
    return [
      ...signing,
      ...results.map((r) => ({
        name: `tagging: versitygw, ${transport}, concurrency ${r.concurrency} (${objects.toLocaleString('en-US')} objects)`,
        value: r.perSecond,
        unit: 'objects/s',
        target: null,
        detail: { clientCpuMsPerObject: r.cpuMsPerObject, serverCpuMsPerObject: r.serverCpuMsPerObject },
      })),
      { name: `tagging: best (${transport}, concurrency ${best.concurrency})`, value: best.perSecond, unit: 'objects/s', target: 1000, higherIsBetter: true },
    ];
  } finally {
    client.destroy();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

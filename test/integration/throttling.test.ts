// Throttling and dropped connections, injected by a small proxy between the client and moto:
// listings retry with backoff and succeed, and a persistent failure is reported in words.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { describeS3Error } from '../../src/aws/errors';
import { createS3Client } from '../../src/aws/s3Client';
import { S3Service } from '../../src/aws/s3Service';
import { motoEndpoint, putObjects, uniqueBucketName } from './moto';

/** Forwards to moto; `plan` decides per request: 'pass', 'slowdown' (503 SlowDown) or 'reset'. */
function faultProxy(target: string, plan: (n: number) => 'pass' | 'slowdown' | 'reset'): Promise<{ server: Server; endpoint: string; faults: () => number }> {
  const upstream = new URL(target);
  let requests = 0;
  let faults = 0;
  const server = createServer((req, res) => {
    const action = plan(requests++);
    if (action === 'slowdown') {
      faults++;
      res.writeHead(503, { 'content-type': 'application/xml' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>FAULT</RequestId></Error>',
      );
      return;
    }
    if (action === 'reset') {
      faults++;
      req.socket.destroy();
      return;
    }
    const forward = request({ hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    });
    req.pipe(forward);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, faults: () => faults })),
  );
}

describe('listing through throttling and dropped connections', () => {
  const bucket = uniqueBucketName('faults');

  before(async () => {
    const client = createS3Client({ profile: '', region: 'us-east-1', endpoint: motoEndpoint(), forcePathStyle: true });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await putObjects(
      client,
      bucket,
      Array.from({ length: 30 }, (_, i) => `k/${i}.txt`),
    );
    client.destroy();
  });

  const proxies: Server[] = [];
  after(() => proxies.forEach((p) => p.close()));

  it('retries 503 SlowDown and a reset connection with backoff, then succeeds', async () => {
    // Every other request fails, alternating throttling and a dropped connection, three times.
    const proxy = await faultProxy(motoEndpoint(), (n) => (n < 6 && n % 2 === 0 ? (n % 4 === 0 ? 'slowdown' : 'reset') : 'pass'));
    proxies.push(proxy.server);
    const s3 = new S3Service(createS3Client({ profile: '', region: 'us-east-1', endpoint: proxy.endpoint, forcePathStyle: true }));
    let keys = 0;
    for await (const page of s3.listPages(bucket, { prefix: 'k/', pageSize: 10 })) keys += page.objects.length;
    assert.equal(keys, 30);
    assert.equal(proxy.faults(), 3, 'three requests failed and were retried');
  });

  it('gives up after its retries and says the server is throttling', async () => {
    const proxy = await faultProxy(motoEndpoint(), () => 'slowdown');
    proxies.push(proxy.server);
    const s3 = new S3Service(createS3Client({ profile: '', region: 'us-east-1', endpoint: proxy.endpoint, forcePathStyle: true }));
    const error = await s3.listPage(bucket).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error);
    assert.equal(proxy.faults(), 5, 'five attempts in all');
    const described = describeS3Error(error, { endpoint: proxy.endpoint, bucket });
    assert.equal(described.kind, 'throttled');
    assert.match(described.message, /throttling/);
  });
});

// A loopback proxy in front of an S3 server that injects faults (503 SlowDown, dropped connections
// before or after the request reached the server), delays, answers of its own (a misbehaving proxy's
// page), and changes made by "someone else" between the server's answer and the client hearing it;
// and counts requests per operation and key — so tests can say what S3 saw, not what the client
// believes it sent.

import { Agent, createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Random } from '../../src/core/random';

/**
 * pass: forward. slowdown: answer 503 SlowDown without forwarding. reset: drop the connection before
 * forwarding. resetAfter: forward, then drop the connection instead of answering (the change happened,
 * the client never hears of it).
 */
export type FaultAction = 'pass' | 'slowdown' | 'reset' | 'resetAfter';

export interface ProxiedRequest {
  /** 0, 1, 2… in arrival order. */
  n: number;
  method: string;
  /** e.g. GetObjectTagging, PutObjectTagging, ListObjectsV2, ListObjectVersions, Other. */
  operation: string;
  bucket: string;
  /** Decoded object key ('' for bucket-level requests). */
  key: string;
}

export interface FaultProxy {
  endpoint: string;
  /** Requests answered with a fault. */
  faults(): number;
  /** How many requests of an operation arrived, for one key or in all. */
  count(operation: string, key?: string): number;
  /** Per key, how many requests of the operation arrived. */
  countsByKey(operation: string): Map<string, number>;
  close(): Promise<void>;
}

/** Path-style S3 request → operation name (the ones the tagging code sends; the rest are 'Other'). */
function describe(n: number, req: IncomingMessage): ProxiedRequest {
  const url = new URL(req.url ?? '/', 'http://proxy');
  const [, bucket = '', ...rest] = url.pathname.split('/');
  const key = decodeURIComponent(rest.join('/'));
  const method = req.method ?? 'GET';
  const q = url.searchParams;
  let operation = 'Other';
  if (q.has('tagging') && key !== '')
    operation = method === 'GET' ? 'GetObjectTagging' : method === 'PUT' ? 'PutObjectTagging' : method === 'DELETE' ? 'DeleteObjectTagging' : 'Other';
  else if (q.has('retention') && key !== '') operation = method === 'GET' ? 'GetObjectRetention' : 'PutObjectRetention';
  else if (q.has('legal-hold') && key !== '') operation = method === 'GET' ? 'GetObjectLegalHold' : 'PutObjectLegalHold';
  else if (key !== '' && method === 'HEAD') operation = 'HeadObject';
  else if (key === '' && q.get('list-type') === '2') operation = 'ListObjectsV2';
  else if (key === '' && q.has('versions')) operation = 'ListObjectVersions';
  else if (key === '' && q.has('versioning')) operation = 'GetBucketVersioning';
  else if (key === '' && q.has('lifecycle')) operation = method === 'GET' ? 'GetBucketLifecycleConfiguration' : 'PutBucketLifecycleConfiguration';
  return { n, method, operation, bucket, key };
}

/** An answer the proxy gives itself, without asking the server. */
export interface OwnAnswer {
  status: number;
  headers?: Record<string, string>;
  body: string | Buffer;
}

export interface FaultProxyOptions {
  /** Decides per request; default: every request passes. */
  plan?: (request: ProxiedRequest) => FaultAction;
  /** Delay before forwarding, ms. */
  delayMs?: (request: ProxiedRequest) => number;
  /** An answer of the proxy's own instead of forwarding (a captive portal's page, say); undefined: forward. */
  answer?: (request: ProxiedRequest) => OwnAnswer | undefined;
  /** The path and query sent upstream instead of the client's (a server that drops a sub-resource, say). */
  rewriteUrl?: (request: ProxiedRequest, url: string) => string;
  /** Awaited once the server has answered and before the client hears it: someone else's change in between. */
  afterUpstream?: (request: ProxiedRequest) => Promise<void> | void;
  /** The response headers relayed (the server's, to change or drop some). */
  responseHeaders?: (request: ProxiedRequest, headers: Record<string, string | string[] | undefined>) => Record<string, string | string[] | undefined>;
}

export async function startFaultProxy(target: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const counts = new Map<string, Map<string, number>>();
  const sockets = new Set<Socket>();
  let arrived = 0;
  let faults = 0;
  const server: Server = createServer((req, res) => {
    const described = describe(arrived++, req);
    const perKey = counts.get(described.operation) ?? new Map<string, number>();
    counts.set(described.operation, perKey);
    perKey.set(described.key, (perKey.get(described.key) ?? 0) + 1);
    const action = options.plan?.(described) ?? 'pass';
    const forward = () => {
      if (action === 'slowdown') {
        faults++;
        req.resume();
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
      const own = options.answer?.(described);
      if (own) {
        req.resume();
        res.writeHead(own.status, own.headers ?? {});
        res.end(own.body);
        return;
      }
      const path = options.rewriteUrl ? options.rewriteUrl(described, req.url ?? '/') : req.url;
      const upstreamReq = request(
        { hostname: upstream.hostname, port: upstream.port, path, method: req.method, headers: req.headers, agent },
        (upstreamRes) => {
          if (action === 'resetAfter') {
            faults++;
            upstreamRes.resume();
            upstreamRes.on('end', () => req.socket.destroy());
            return;
          }
          if (!options.afterUpstream && !options.responseHeaders) {
            res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
            upstreamRes.pipe(res);
            return;
          }
          const chunks: Buffer[] = [];
          upstreamRes.on('data', (chunk: Buffer) => chunks.push(chunk));
          upstreamRes.on('end', () => {
            void (async () => {
              await options.afterUpstream?.(described);
              res.writeHead(
                upstreamRes.statusCode ?? 502,
                options.responseHeaders ? options.responseHeaders(described, { ...upstreamRes.headers }) : upstreamRes.headers,
              );
              res.end(Buffer.concat(chunks));
            })().catch(() => req.socket.destroy());
          });
        },
      );
      upstreamReq.on('error', () => req.socket.destroy());
      req.pipe(upstreamReq);
    };
    const delay = options.delayMs?.(described) ?? 0;
    if (delay > 0) setTimeout(forward, delay);
    else forward();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    faults: () => faults,
    count: (operation, key) => {
      const perKey = counts.get(operation);
      if (!perKey) return 0;
      if (key !== undefined) return perKey.get(key) ?? 0;
      let total = 0;
      for (const v of perKey.values()) total += v;
      return total;
    },
    countsByKey: (operation) => new Map(counts.get(operation) ?? []),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A seeded plan: each request independently throttled or dropped with the given chances. */
export function seededFaults(seed: number, chances: { slowdown: number; reset: number; resetAfter?: number }): (request: ProxiedRequest) => FaultAction {
  const random = new Random(seed);
  return () => {
    const r = random.next();
    if (r < chances.slowdown) return 'slowdown';
    if (r < chances.slowdown + chances.reset) return 'reset';
    if (r < chances.slowdown + chances.reset + (chances.resetAfter ?? 0)) return 'resetAfter';
    return 'pass';
  };
}

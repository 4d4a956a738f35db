// The direct transport of tagging runs: its SigV4 signatures (AWS's published examples, and the
// SDK's own signer on many requests), its XML both ways, its errors, and the endpoint it takes
// from the SDK for a bucket.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { GetObjectTaggingCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { parseLegalHold, parseRetention, parseTagging, resolveBucketEndpoint, responseError, taggingXml, xmlDecode, xmlEscape } from '../../src/aws/objectTags';
import { canonicalQuery, EMPTY_PAYLOAD_SHA256, encodeKeyPath, sha256Hex, SigV4Signer, uriEncode } from '../../src/aws/sigv4';
import { isTransientError } from '../../src/aws/backoff';
import { Random } from '../../src/core/random';

// The example credentials of the S3 documentation's "Signature Calculations for the Authorization Header".
const EXAMPLE = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const MAY_24_2013 = new Date('2013-05-24T00:00:00Z');

function signatureOf(authorization: string): string {
  return /Signature=([0-9a-f]{64})/.exec(authorization)?.[1] ?? '';
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

/** A SHA-256 (HMAC with a secret) in the shape the SDK's signer takes. */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

describe('SigV4 signing of S3 requests', () => {
  it('matches the documented GET Object example', () => {
    const headers = new SigV4Signer('us-east-1').sign(
      {
        method: 'GET',
        host: 'examplebucket.s3.amazonaws.com',
        path: '/test.txt',
        query: '',
        headers: { range: 'bytes=0-9' },
        payloadSha256: EMPTY_PAYLOAD_SHA256,
      },
      EXAMPLE,
      MAY_24_2013,
    );
    assert.match(
      headers.authorization!,
      /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/20130524\/us-east-1\/s3\/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, /,
    );
    assert.equal(signatureOf(headers.authorization!), 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
    assert.equal(headers['x-amz-date'], '20130524T000000Z');
  });

  it('matches the documented GET Bucket Lifecycle example (a sub-resource with no value)', () => {
    const headers = new SigV4Signer('us-east-1').sign(
      {
        method: 'GET',
        host: 'examplebucket.s3.amazonaws.com',
        path: '/',
        query: canonicalQuery({ lifecycle: '' }),
        headers: {},
        payloadSha256: EMPTY_PAYLOAD_SHA256,
      },
      EXAMPLE,
      MAY_24_2013,
    );
    assert.equal(signatureOf(headers.authorization!), 'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543');
  });

  it('signs as the SDK signs, over random keys, version ids, bodies, regions and session tokens', async () => {
    const random = new Random(20261201);
    const alphabet = ['a', 'Z', '0', '/', ' ', '+', '%', '~', '.', '-', '_', '*', "'", '(', '!', '&', '=', '?', '#', 'é', '日', '😀', '//'];
    for (let i = 0; i < 200; i++) {
      const key = Array.from({ length: 1 + random.int(30) }, () => alphabet[random.int(alphabet.length)]).join('');
      const region = ['us-east-1', 'eu-west-1', 'ap-southeast-2'][random.int(3)]!;
      const method = ['GET', 'PUT', 'DELETE', 'HEAD'][random.int(4)]!;
      const query: Record<string, string> = method === 'HEAD' ? {} : { tagging: '' };
      if (random.int(2) === 0) query.versionId = `v${random.int(1e9)}.${Array.from(key).slice(0, 5).join('')}`;
      const body = method === 'PUT' ? taggingXml([{ Key: key, Value: `value ${i}` }]) : undefined;
      const extra: Record<string, string> = body ? { 'content-md5': createHash('md5').update(body).digest('base64'), 'content-type': 'application/xml' } : {};
      const credentials = { ...EXAMPLE, ...(random.int(2) === 0 ? { sessionToken: `token/${i}+=` } : {}) };
      const host = random.int(2) === 0 ? '127.0.0.1:9000' : `bucket-${i}.s3.${region}.amazonaws.com`;
      const path = `/${random.int(2) === 0 ? 'bucket/' : ''}${encodeKeyPath(key)}`;
      const payloadSha256 = body ? sha256Hex(body) : EMPTY_PAYLOAD_SHA256;
      const when = new Date(Date.UTC(2026, random.int(12), 1 + random.int(28), random.int(24), random.int(60), random.int(60)));

      const ours = new SigV4Signer(region).sign({ method, host, path, query: canonicalQuery(query), headers: extra, payloadSha256 }, credentials, when);
      const sdk = new SignatureV4({ credentials, region, service: 's3', sha256: NodeSha256, uriEscapePath: false, applyChecksum: false });
      const [hostname, port] = host.split(':');
      const signed = await sdk.sign(
        {
          method,
          protocol: 'https:',
          hostname: hostname!,
          ...(port ? { port: Number(port) } : {}),
          path,
          query,
          headers: { host, ...extra, 'x-amz-content-sha256': payloadSha256 },
          body,
        },
        { signingDate: when },
      );
      assert.equal(ours.authorization, signed.headers.authorization, `request ${i}: ${method} ${path}?${canonicalQuery(query)}`);
    }
  });

  it('encodes a key once per segment and keeps its slashes', () => {
    assert.equal(encodeKeyPath('a b/c+d/ü/~x*!'), 'a%20b/c%2Bd/%C3%BC/~x%2A%21');
    assert.equal(encodeKeyPath('a//b/'), 'a//b/');
    assert.equal(uriEncode("()'"), '%28%29%27');
    assert.equal(canonicalQuery({ versionId: 'a/b+c', tagging: '' }), 'tagging=&versionId=a%2Fb%2Bc');
  });
});

describe('the XML of object tagging', () => {
  it('writes a tag set that reads back exactly, awkward characters included', () => {
    const tags = [
      { Key: 'team', Value: 'data & science <core>' },
      { Key: 'quote"s', Value: "it's" },
      { Key: 'empty', Value: '' },
      { Key: 'ü 日本 😀', Value: 'a=b+c/d:e@f' },
    ];
    const xml = taggingXml(tags);
    assert.ok(!xml.includes('& '), 'the ampersand is escaped');
    assert.deepEqual(parseTagging(xml), tags);
  });

  it('reads the answers S3 and the gateways give: namespaces, empty values, entities', () => {
    const answer =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>\n' +
      '  <Tag><Key>a</Key><Value>1</Value></Tag>\n  <Tag><Value>x&amp;y&#x41;&#66;</Value><Key>b</Key></Tag>\n  <Tag><Key>c</Key><Value/></Tag>\n  <Tag><Key>d</Key><Value></Value></Tag>\n' +
      '</TagSet></Tagging>';
    assert.deepEqual(parseTagging(answer), [
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: 'x&yAB' },
      { Key: 'c', Value: '' },
      { Key: 'd', Value: '' },
    ]);
    assert.deepEqual(parseTagging('<Tagging><TagSet/></Tagging>'), []);
    assert.deepEqual(parseTagging('<Tagging><TagSet></TagSet></Tagging>'), []);
  });

  it('takes nothing but a whole Tagging document with a TagSet: a page, an object body, another document or a cut answer is an error', () => {
    const of = { operation: 'GetObjectTagging', bucket: 'b', key: 'k.txt' };
    assert.throws(
      () =>
        parseTagging('<!DOCTYPE html><html><body><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></body></html>', { ...of, contentType: 'text/html' }),
      /with an HTML page \(text\/html\) instead of a Tagging document/,
    );
    const notTagging: [string, RegExp][] = [
      ['', /an empty body/],
      ['hello, these are the bytes of the object', /bytes that are not XML/],
      ['<?xml version="1.0"?><ListBucketResult><Contents/></ListBucketResult>', /a <ListBucketResult> document/],
      ['<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag>', /cut short/],
      ['<Tagging></Tagging>', /without a TagSet/],
    ];
    for (const [body, says] of notTagging)
      assert.throws(
        () => parseTagging(body, of),
        (error: Error) => error.name === 'UnexpectedAnswer' && says.test(error.message) && /s3:\/\/b\/k\.txt/.test(error.message),
        body,
      );
    assert.deepEqual(parseTagging('\uFEFF<?xml version="1.0"?>\n<!-- a comment -->\n<s3:Tagging xmlns:s3="x"><s3:TagSet/></s3:Tagging>\n'), []);
  });

  it('reads Object Lock answers only from their own documents', () => {
    const of = { operation: 'GetObjectRetention', bucket: 'b', key: 'k' };
    assert.deepEqual(
      parseRetention(
        '<Retention xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Mode>GOVERNANCE</Mode><RetainUntilDate>2030-01-01T00:00:00.000Z</RetainUntilDate></Retention>',
        of,
      ),
      { mode: 'GOVERNANCE', until: new Date('2030-01-01T00:00:00.000Z') },
    );
    assert.equal(parseLegalHold('<LegalHold><Status>ON</Status></LegalHold>', of), 'ON');
    assert.throws(() => parseRetention('x', of), /instead of a Retention document/);
    assert.throws(() => parseLegalHold('<html></html>', of), /an HTML page instead of a LegalHold document/);
  });

  it('escapes and decodes as inverses', () => {
    for (const text of ['plain', '&amp; literal', '<>"\'&', 'tab\there\nnewline\r']) assert.equal(xmlDecode(xmlEscape(text)), text);
  });
});

describe('errors of the direct transport', () => {
  it("take the SDK's shape, so retries and outcomes are decided as before", () => {
    const slowDown = responseError(
      503,
      { 'x-amz-request-id': 'R1' },
      '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
    );
    assert.equal(slowDown.name, 'SlowDown');
    assert.equal(slowDown.$metadata.httpStatusCode, 503);
    assert.equal(slowDown.$metadata.requestId, 'R1');
    assert.ok(isTransientError(slowDown));
    const missing = responseError(404, {}, '<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>');
    assert.equal(missing.name, 'NoSuchKey');
    assert.ok(!isTransientError(missing));
    const head = responseError(404, {}, '');
    assert.equal(head.name, 'NotFound');
    const denied = responseError(403, {}, '<Error><Code>AccessDenied</Code><Message>Access &amp; more</Message></Error>');
    assert.equal(denied.message, 'Access & more');
    assert.ok(!isTransientError(denied));
  });
});

describe('the endpoint of a bucket, as the SDK resolves it', () => {
  const credentials = { accessKeyId: 'AKID', secretAccessKey: 'secret' };

  it('puts a bucket in the host name on AWS, and in the path when its name has dots or path style is asked', async () => {
    const aws = new S3Client({ region: 'eu-west-1', credentials });
    assert.deepEqual(await resolveBucketEndpoint(aws, 'my-bucket'), {
      protocol: 'https:',
      hostname: 'my-bucket.s3.eu-west-1.amazonaws.com',
      port: undefined,
      host: 'my-bucket.s3.eu-west-1.amazonaws.com',
      pathPrefix: '/',
      signingRegion: 'eu-west-1',
      signingName: 's3',
    });
    const dotted = await resolveBucketEndpoint(aws, 'my.dotted.bucket');
    assert.equal(dotted?.hostname, 's3.eu-west-1.amazonaws.com');
    assert.equal(dotted?.pathPrefix, '/my.dotted.bucket/');
    const pathStyle = await resolveBucketEndpoint(new S3Client({ region: 'us-west-2', credentials, forcePathStyle: true }), 'b');
    assert.equal(pathStyle?.host, 's3.us-west-2.amazonaws.com');
    assert.equal(pathStyle?.pathPrefix, '/b/');
    const fips = await resolveBucketEndpoint(new S3Client({ region: 'us-east-1', credentials, useFipsEndpoint: true }), 'my-bucket');
    assert.equal(fips?.hostname, 'my-bucket.s3-fips.us-east-1.amazonaws.com');
    aws.destroy();
  });

  it("keeps a custom endpoint's port and path style, and sends nothing to find them", async () => {
    // Nothing listens on port 9: resolving must not make a request.
    const local = new S3Client({ region: 'us-east-1', credentials, endpoint: 'http://127.0.0.1:9', forcePathStyle: true });
    assert.deepEqual(await resolveBucketEndpoint(local, 'bench'), {
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 9,
      host: '127.0.0.1:9',
      pathPrefix: '/bench/',
      signingRegion: 'us-east-1',
      signingName: 's3',
    });
    local.destroy();
  });

  it('gives where the SDK sends the request and how it signs it, over addressing styles, endpoints and settings', async () => {
    /** What the SDK sends for a GetObjectTagging, caught by a request handler that sends nothing. */
    const sent = async (config: S3ClientConfig, bucket: string) => {
      let caught: { protocol: string; hostname: string; port?: number; path: string; headers: Record<string, string> } | undefined;
      const client = new S3Client({
        credentials,
        ...config,
        requestHandler: {
          handle: async (request: typeof caught) => {
            caught = request;
            throw new Error('not sent');
          },
        },
      } as S3ClientConfig);
      await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'k' })).catch(() => undefined);
      const resolved = await resolveBucketEndpoint(client, bucket);
      client.destroy();
      return { caught, resolved };
    };
    const cases: [S3ClientConfig, string][] = [
      [{ region: 'eu-west-1' }, 'my-bucket'],
      [{ region: 'eu-west-1' }, 'my.dotted.bucket'],
      [{ region: 'us-west-2', forcePathStyle: true }, 'b'],
      [{ region: 'us-east-1', useFipsEndpoint: true }, 'my-bucket'],
      [{ region: 'us-east-1', useDualstackEndpoint: true }, 'my-bucket'],
      [{ region: 'us-east-1', useAccelerateEndpoint: true }, 'my-bucket'],
      [{ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', forcePathStyle: true }, 'bench'],
      [{ region: 'us-east-1', endpoint: 'http://localhost:9000/base', forcePathStyle: true }, 'bench'],
      [{ region: 'us-east-1', endpoint: 'https://s3.example.com:443' }, 'bench'],
      [{ region: 'us-east-1' }, 'arn:aws:s3:us-west-2:123456789012:accesspoint/my-ap'],
    ];
    for (const [config, bucket] of cases) {
      const { caught, resolved } = await sent(config, bucket);
      const what = `${JSON.stringify(config)} ${bucket}`;
      assert.ok(caught && resolved, what);
      assert.equal(resolved.protocol, caught.protocol, what);
      assert.equal(resolved.hostname, caught.hostname, what);
      assert.equal(resolved.host, caught.headers.host ?? caught.hostname, what);
      assert.equal(`${resolved.pathPrefix}k`, caught.path, what);
      const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(caught.headers.authorization ?? '');
      assert.deepEqual([resolved.signingRegion, resolved.signingName], [scope?.[1], scope?.[2]], what);
    }
    // Names the SDK refuses before resolving: left to it, as it would fail there.
    assert.equal((await sent({ region: 'us-east-1' }, 'a/b')).resolved, null);
  });

  it('leaves to the SDK what is not plain SigV4 (an S3 Express directory bucket)', async () => {
    const express = new S3Client({ region: 'us-east-1', credentials });
    assert.equal(await resolveBucketEndpoint(express, 'data--use1-az4--x-s3'), null);
    express.destroy();
  });
});

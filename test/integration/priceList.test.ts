// The region's storage prices through the SDK's Pricing client, from a loopback server that speaks
// the Price List API's protocol (JSON 1.1, AWSPriceListService.GetProducts) — the real API cannot
// be reached from the test machines. Paging, the 30-day cache, the filters sent, and what the
// report says when the API refuses.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveBasePrices, resolveRequestPrices, type PriceLookup } from '../../src/aws/priceList';
import { europeanProducts, europeanRequestProducts } from '../unit/priceListFixture';

interface Seen {
  target: string | undefined;
  body: { ServiceCode?: string; Filters?: { Type: string; Field: string; Value: string }[]; NextToken?: string; FormatVersion?: string };
  authorization: string | undefined;
}

describe('storage prices from the Price List API', () => {
  let server: Server;
  let endpoint: string;
  let cacheDir: string;
  const seen: Seen[] = [];
  let refuse = false;

  before(async () => {
    cacheDir = mkdtempSync(join(tmpdir(), 's3ls-prices-'));
    const products = [...europeanProducts(), ...europeanRequestProducts()];
    server = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      request.on('end', () => {
        const body = JSON.parse(text) as Seen['body'];
        seen.push({ target: request.headers['x-amz-target'] as string | undefined, body, authorization: request.headers.authorization });
        response.setHeader('content-type', 'application/x-amz-json-1.1');
        if (refuse) {
          response.statusCode = 400;
          response.end(
            JSON.stringify({
              __type: 'AccessDeniedException',
              Message: 'User: arn:aws:iam::123456789012:user/analyst is not authorized to perform: pricing:GetProducts',
            }),
          );
          return;
        }
        // Two pages: the first half, then the rest.
        const region = body.Filters?.find((f) => f.Field === 'regionCode')?.Value;
        const family = body.Filters?.find((f) => f.Field === 'productFamily')?.Value;
        const mine = products.filter((p) => {
          const { product } = JSON.parse(p) as { product: { productFamily: string; attributes: { regionCode: string } } };
          return product.attributes.regionCode === region && product.productFamily === family;
        });
        const half = Math.ceil(mine.length / 2);
        const page = body.NextToken === 'page-2' ? { PriceList: mine.slice(half) } : { PriceList: mine.slice(0, half), NextToken: 'page-2' };
        response.end(JSON.stringify({ FormatVersion: 'aws_v1', ...page }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server?.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  const lookup = (extra: Partial<PriceLookup> = {}): PriceLookup => ({
    region: 'eu-central-1',
    source: 'auto',
    customS3Endpoint: false,
    profile: '',
    endpoint,
    cacheDir,
    now: new Date('2026-12-01T12:00:00Z'),
    ...extra,
  });

  it("reads the region's prices over every page, with the filters for S3 storage in that region, signed", async () => {
    const resolved = await resolveBasePrices(lookup());
    assert.deepEqual(resolved.notes, []);
    assert.equal(resolved.base?.perGbMonth.STANDARD, 0.0245);
    assert.equal(resolved.base?.perGbMonth.DEEP_ARCHIVE, 0.0018);
    assert.equal(resolved.base?.label, 'AWS Price List API prices for eu-central-1 (read 2026-12-01, published 2026-11-25)');
    assert.equal(seen.length, 2, 'two pages');
    assert.equal(seen[0]!.target, 'AWSPriceListService.GetProducts');
    assert.equal(seen[0]!.body.ServiceCode, 'AmazonS3');
    assert.deepEqual(seen[0]!.body.Filters?.map((f) => `${f.Field}=${f.Value}`).sort(), ['productFamily=Storage', 'regionCode=eu-central-1']);
    assert.equal(seen[1]!.body.NextToken, 'page-2');
    assert.match(seen[0]!.authorization ?? '', /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/us-east-1\/pricing\/aws4_request/);
  });

  it('keeps them for 30 days, then reads them again', async () => {
    seen.length = 0;
    const cached = await resolveBasePrices(lookup({ now: new Date('2026-12-20T00:00:00Z') }));
    assert.equal(cached.base?.perGbMonth.STANDARD, 0.0245);
    assert.equal(seen.length, 0, 'from the cache');
    assert.match(readFileSync(join(cacheDir, 's3-storage-prices-eu-central-1.json'), 'utf8'), /"readAt": "2026-12-01T12:00:00.000Z"/);
    const later = await resolveBasePrices(lookup({ now: new Date('2027-01-05T00:00:00Z') }));
    assert.equal(later.base?.label, 'AWS Price List API prices for eu-central-1 (read 2027-01-05, published 2026-11-25)');
    assert.equal(seen.length, 2, 'read again');
  });

  it('asks nothing for us-east-1, for builtIn, or for a bucket that is not on AWS', async () => {
    seen.length = 0;
    assert.deepEqual(await resolveBasePrices(lookup({ region: 'us-east-1', cacheDir: undefined })), { notes: [] });
    assert.deepEqual(await resolveBasePrices(lookup({ source: 'builtIn', cacheDir: undefined })), { notes: [] });
    assert.deepEqual(await resolveBasePrices(lookup({ customS3Endpoint: true, endpoint: '', cacheDir: undefined })), { notes: [] });
    assert.equal(seen.length, 0);
  });

  it('falls back to the built-in prices when refused, and says why and what to do', async () => {
    refuse = true;
    try {
      const resolved = await resolveBasePrices(lookup({ region: 'eu-west-3', cacheDir: undefined }));
      assert.equal(resolved.base, undefined);
      assert.equal(resolved.notes.length, 1);
      assert.match(
        resolved.notes[0]!,
        /could not read the eu-west-3 storage prices from the AWS Price List API \(AccessDeniedException: .*pricing:GetProducts\)/,
      );
      assert.match(resolved.notes[0]!, /Allow pricing:GetProducts, or set your prices with s3lifecycle\.retention\.storagePrices/);
    } finally {
      refuse = false;
    }
  });

  it('treats a region without an S3 Standard price as unknown, not as free', async () => {
    const resolved = await resolveBasePrices(lookup({ region: 'ap-east-2', cacheDir: undefined }));
    assert.equal(resolved.base, undefined);
    assert.match(resolved.notes[0]!, /lists no S3 Standard storage price for ap-east-2/);
  });

  it("reads the region's request prices for the tagging preview, and keeps them beside the storage prices", async () => {
    seen.length = 0;
    const resolved = await resolveRequestPrices(lookup());
    assert.deepEqual(resolved, {
      prices: { putClass: 0.0054, getClass: 0.00043, label: 'AWS Price List API prices for eu-central-1 (read 2026-12-01, published 2026-11-20)' },
      notes: [],
    });
    assert.deepEqual(
      seen.map((r) => r.body.Filters?.find((f) => f.Field === 'productFamily')?.Value),
      ['API Request', 'API Request'],
    );
    assert.match(readFileSync(join(cacheDir, 's3-request-prices-eu-central-1.json'), 'utf8'), /"putClass": 0.0054/);
    seen.length = 0;
    assert.equal((await resolveRequestPrices(lookup({ now: new Date('2026-12-02T00:00:00Z') }))).prices?.getClass, 0.00043);
    assert.equal(seen.length, 0, 'from the cache');
  });
});

// Products in the shape the AWS Price List API's GetProducts lists them, for the price tests.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One GetProducts entry in the shape of the Price List API (JSON text, format aws_v1). */
export function product(
  region: string,
  usageType: string,
  dimensions: { begin: string; end: string; usd: string; unit?: string }[],
  publicationDate = '2026-11-20T18:02:11Z',
): string {
  const sku = `SKU${usageType.replace(/[^A-Z0-9]/gi, '').slice(0, 10)}`;
  return JSON.stringify({
    product: {
      productFamily: 'Storage',
      attributes: { servicecode: 'AmazonS3', regionCode: region, usagetype: usageType, operation: '', storageClass: 'General Purpose' },
      sku,
    },
    serviceCode: 'AmazonS3',
    terms: {
      OnDemand: {
        [`${sku}.JRTCKXETXF`]: {
          priceDimensions: Object.fromEntries(
            dimensions.map((d, i) => [
              `${sku}.JRTCKXETXF.${i}`,
              { unit: d.unit ?? 'GB-Mo', beginRange: d.begin, endRange: d.end, description: `$${d.usd} per GB`, appliesTo: [], pricePerUnit: { USD: d.usd } },
            ]),
          ),
          sku,
          effectiveDate: '2026-11-01T00:00:00Z',
          offerTermCode: 'JRTCKXETXF',
          termAttributes: {},
        },
      },
    },
    version: '20261120180211',
    publicationDate,
  });
}

/** What the API lists for a European region (illustrative prices, not AWS's). */
export function europeanProducts(region = 'eu-central-1', prefix = 'EUC1-'): string[] {
  return [
    product(region, `${prefix}TimedStorage-ByteHrs`, [
      { begin: '0', end: '51200', usd: '0.0245000000' },
      { begin: '51200', end: '512000', usd: '0.0235000000' },
      { begin: '512000', end: 'Inf', usd: '0.0225000000' },
    ]),
    product(region, `${prefix}TimedStorage-SIA-ByteHrs`, [{ begin: '0', end: 'Inf', usd: '0.0135000000' }]),
    product(region, `${prefix}TimedStorage-ZIA-ByteHrs`, [{ begin: '0', end: 'Inf', usd: '0.0108000000' }]),
    product(region, `${prefix}TimedStorage-GIR-ByteHrs`, [{ begin: '0', end: 'Inf', usd: '0.0050000000' }]),
    product(region, `${prefix}TimedStorage-GlacierByteHrs`, [{ begin: '0', end: 'Inf', usd: '0.0040000000' }]),
    product(region, `${prefix}TimedStorage-GDA-ByteHrs`, [{ begin: '0', end: 'Inf', usd: '0.0018000000' }], '2026-11-25T10:00:00Z'),
    product(region, `${prefix}TimedStorage-INT-FA-ByteHrs`, [
      { begin: '0', end: '51200', usd: '0.0245000000' },
      { begin: '51200', end: 'Inf', usd: '0.0235000000' },
    ]),
    product(region, `${prefix}TimedStorage-INT-IA-ByteHrs`, [{ begin: '0', end: 'Inf', usd: '0.0135000000' }]),
    // Not a storage class's price: staging bytes, a per-object charge, another region's product.
    product(region, `${prefix}TimedStorage-GDA-Staging`, [{ begin: '0', end: 'Inf', usd: '0.0245000000' }]),
    product(region, `${prefix}TimedStorage-GIR-SmObjects`, [{ begin: '0', end: 'Inf', usd: '0.0050000000' }]),
    product(region, `${prefix}Monitoring-Automation-INT`, [{ begin: '0', end: 'Inf', usd: '0.0025000000', unit: 'Objects' }]),
    product('eu-west-3', 'EUW3-TimedStorage-ByteHrs', [{ begin: '0', end: '51200', usd: '0.0240000000' }]),
  ];
}

/** An "API Request" product: per-request prices, by group (S3-API-Tier1…) and usage type. */
export function requestProduct(region: string, group: string | undefined, usageType: string, usdPerRequest: string): string {
  const parsed = JSON.parse(product(region, usageType, [{ begin: '0', end: 'Inf', usd: usdPerRequest, unit: 'Requests' }])) as {
    product: { productFamily: string; attributes: Record<string, string> };
  };
  parsed.product.productFamily = 'API Request';
  if (group) parsed.product.attributes.group = group;
  return JSON.stringify(parsed);
}

/** What the API lists as S3 request products for a European region (illustrative prices, not AWS's). */
export function europeanRequestProducts(region = 'eu-central-1', prefix = 'EUC1-'): string[] {
  return [
    requestProduct(region, 'S3-API-Tier1', `${prefix}Requests-Tier1`, '0.0000054000'),
    requestProduct(region, 'S3-API-Tier2', `${prefix}Requests-Tier2`, '0.0000004300'),
    // Other request classes (Glacier, Standard-IA) are not what tagging makes.
    requestProduct(region, 'S3-API-SIA-Tier1', `${prefix}Requests-SIA-Tier1`, '0.0000100000'),
    requestProduct(region, 'S3-API-GLACIER-Tier1', `${prefix}Requests-GLACIER-Tier1`, '0.0000300000'),
  ];
}

/** A loopback server in the Price List API's protocol (JSON 1.1) that lists `products` on every GetProducts; `close` when done. */
export async function startPriceListServer(products: string[]): Promise<{ endpoint: string; close(): void }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      response.end(JSON.stringify({ FormatVersion: 'aws_v1', PriceList: products }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

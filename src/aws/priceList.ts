// The storage prices of the bucket's region for the savings, from the AWS Price List API when the
// region is not the built-in one (us-east-1) and the bucket is on AWS: read once, kept for 30 days
// in a cache file, so an analysis asks at most once a month. When the API cannot be read (no
// pricing:GetProducts permission, no network), the built-in prices stand in and the report says
// why and what to do.

import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { storagePricesFromPriceList, type RegionStoragePrices } from '../core/retention/priceList';
import { PRICES_REGION, type BasePrices } from '../core/retention/savings';

export type PriceSource = 'auto' | 'builtIn';

/** How long prices read from the API are used before they are read again. */
export const PRICE_CACHE_DAYS = 30;
const DAY_MS = 86_400_000;
const LOOKUP_TIMEOUT_MS = 20_000;

export interface PriceLookup {
  region: string;
  /** 'builtIn': never ask the API. */
  source: PriceSource;
  /** The S3 connection has a custom endpoint: not AWS, so AWS's prices are not looked up (unless `endpoint` names a Price List API). */
  customS3Endpoint: boolean;
  /** The profile whose credentials sign the request ('' for the default chain). */
  profile: string;
  /** The Price List API's endpoint; '' for AWS's (us-east-1). */
  endpoint: string;
  /** Where read prices are kept; none: read each time. */
  cacheDir?: string;
  signal?: AbortSignal;
  now?: Date;
}

export interface ResolvedPrices {
  /** Prices over the built-in ones; none: the built-in prices are used. */
  base?: BasePrices;
  /** Why the API was not used, when it was meant to be. */
  notes: string[];
}

interface CacheFile extends RegionStoragePrices {
  readAt: string;
}

function cachePath(dir: string, region: string): string {
  return join(dir, `s3-storage-prices-${region}.json`);
}

async function readCache(dir: string, region: string, now: Date): Promise<CacheFile | undefined> {
  try {
    const cached = JSON.parse(await readFile(cachePath(dir, region), 'utf8')) as CacheFile;
    const age = now.getTime() - Date.parse(cached.readAt);
    if (cached.region !== region || !(age >= 0 && age < PRICE_CACHE_DAYS * DAY_MS) || typeof cached.perGbMonth?.STANDARD !== 'number') return undefined;
    return cached;
  } catch {
    return undefined;
  }
}

async function writeCache(dir: string, prices: CacheFile): Promise<void> {
  await mkdir(dir, { recursive: true });
  const path = cachePath(dir, prices.region);
  await writeFile(`${path}.tmp`, JSON.stringify(prices, null, 2));
  await rename(`${path}.tmp`, path);
}

function label(prices: CacheFile): string {
  return `AWS Price List API prices for ${prices.region} (read ${prices.readAt.slice(0, 10)}${prices.publicationDate ? `, published ${prices.publicationDate.slice(0, 10)}` : ''})`;
}

/** An entry of PriceList as JSON text: a string, the SDK's lazy JSON string (its toString), or an object already parsed. */
function priceListText(entry: unknown): string {
  if (typeof entry === 'string') return entry;
  if (entry instanceof String || (typeof entry === 'object' && entry !== null && entry.toString !== Object.prototype.toString)) return String(entry);
  return JSON.stringify(entry);
}

/** Every S3 storage product of `region`, paged; its first-tier price per class. */
export async function fetchRegionStoragePrices(client: PricingClient, region: string, signal?: AbortSignal): Promise<RegionStoragePrices> {
  const entries: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetProductsCommand({
        ServiceCode: 'AmazonS3',
        FormatVersion: 'aws_v1',
        MaxResults: 100,
        NextToken: nextToken,
        Filters: [
          { Type: 'TERM_MATCH', Field: 'regionCode', Value: region },
          { Type: 'TERM_MATCH', Field: 'productFamily', Value: 'Storage' },
        ],
      }),
      signal ? { abortSignal: signal } : {},
    );
    for (const entry of page.PriceList ?? []) entries.push(priceListText(entry));
    nextToken = page.NextToken;
  } while (nextToken);
  return storagePricesFromPriceList(entries, region);
}

/** The prices to use over the built-in ones for `lookup.region`, or why there are none. */
export async function resolveBasePrices(lookup: PriceLookup): Promise<ResolvedPrices> {
  const { region } = lookup;
  if (region === PRICES_REGION || lookup.source === 'builtIn') return { notes: [] };
  if (lookup.customS3Endpoint && lookup.endpoint === '') return { notes: [] };
  const now = lookup.now ?? new Date();
  const cached = lookup.cacheDir ? await readCache(lookup.cacheDir, region, now) : undefined;
  if (cached) return { base: { perGbMonth: cached.perGbMonth, label: label(cached) }, notes: [] };

  const timeout = AbortSignal.timeout(LOOKUP_TIMEOUT_MS);
  const signal = lookup.signal ? AbortSignal.any([lookup.signal, timeout]) : timeout;
  const client = new PricingClient({
    // The API answers in us-east-1 (and eu-central-1, ap-south-1) for every region's prices.
    region: 'us-east-1',
    credentials: fromNodeProviderChain(lookup.profile ? { profile: lookup.profile } : {}),
    ...(lookup.endpoint ? { endpoint: lookup.endpoint } : {}),
    maxAttempts: 3,
  });
  try {
    const prices = await fetchRegionStoragePrices(client, region, signal);
    if (typeof prices.perGbMonth.STANDARD !== 'number') throw new Error(`it lists no S3 Standard storage price for ${region}`);
    const read: CacheFile = { ...prices, readAt: now.toISOString() };
    if (lookup.cacheDir) await writeCache(lookup.cacheDir, read).catch(() => undefined);
    return { base: { perGbMonth: prices.perGbMonth, label: label(read) }, notes: [] };
  } catch (error) {
    if (lookup.signal?.aborted) throw error;
    const e = error as { name?: string; message?: string };
    const why = timeout.aborted ? `no answer in ${LOOKUP_TIMEOUT_MS / 1000} s` : `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`;
    return {
      notes: [
        `could not read the ${region} storage prices from the AWS Price List API (${why}); the savings use the ${PRICES_REGION} list prices. Allow pricing:GetProducts, or set your prices with s3lifecycle.retention.storagePrices (the CLI's --price CLASS=USD).`,
      ],
    };
  } finally {
    client.destroy();
  }
}

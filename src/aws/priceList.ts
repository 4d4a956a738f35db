// The prices of the bucket's region — storage for the savings, requests for the tagging preview's
// cost — from the AWS Price List API when the region is not the built-in one (us-east-1) and the
// bucket is on AWS: read once, kept for 30 days in a cache file, so it is asked at most once a
// month. When the API cannot be read (no pricing:GetProducts permission, no network), the built-in
// prices stand in and the report says why and what to do.

import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  newestPublicationDate,
  requestPricesFromPriceList,
  storagePricesFromPriceList,
  type RequestPricesPer1000,
} from '../core/retention/storagePriceProducts';
import { PRICES_REGION, type BasePrices } from '../core/retention/savings';
import type { RequestPrices } from './tagTargets';

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

interface CacheFile<T> {
  region: string;
  readAt: string;
  publicationDate?: string;
  prices: T;
}

/** What one kind of price lookup reads and keeps. */
interface PriceKind<T> {
  /** For the cache file's name and the messages. */
  name: 'storage' | 'request';
  productFamily: string;
  parse(entries: string[], region: string): { prices: T; publicationDate?: string };
  /** Why what was read cannot be used, if it cannot. */
  unusable(prices: T, region: string): string | undefined;
}

const STORAGE: PriceKind<Record<string, number>> = {
  name: 'storage',
  productFamily: 'Storage',
  parse: (entries, region) => {
    const { perGbMonth, publicationDate } = storagePricesFromPriceList(entries, region);
    return { prices: perGbMonth, ...(publicationDate ? { publicationDate } : {}) };
  },
  unusable: (prices, region) => (typeof prices.STANDARD === 'number' ? undefined : `it lists no S3 Standard storage price for ${region}`),
};

const REQUESTS: PriceKind<RequestPricesPer1000> = {
  name: 'request',
  productFamily: 'API Request',
  parse: (entries, region) => {
    const publicationDate = newestPublicationDate(entries);
    return { prices: requestPricesFromPriceList(entries, region), ...(publicationDate ? { publicationDate } : {}) };
  },
  unusable: (prices, region) =>
    typeof prices.putClass === 'number' && typeof prices.getClass === 'number'
      ? undefined
      : `it lists no S3 request prices (S3-API-Tier1 and -Tier2) for ${region}`,
};

function cachePath(dir: string, kind: PriceKind<unknown>, region: string): string {
  return join(dir, `s3-${kind.name}-prices-${region}.json`);
}

async function readCache<T>(dir: string, kind: PriceKind<T>, region: string, now: Date): Promise<CacheFile<T> | undefined> {
  try {
    const cached = JSON.parse(await readFile(cachePath(dir, kind, region), 'utf8')) as CacheFile<T>;
    const age = now.getTime() - Date.parse(cached.readAt);
    if (cached.region !== region || !(age >= 0 && age < PRICE_CACHE_DAYS * DAY_MS) || kind.unusable(cached.prices, region) !== undefined) return undefined;
    return cached;
  } catch {
    return undefined;
  }
}

async function writeCache<T>(dir: string, kind: PriceKind<T>, read: CacheFile<T>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const path = cachePath(dir, kind, read.region);
  await writeFile(`${path}.tmp`, JSON.stringify(read, null, 2));
  await rename(`${path}.tmp`, path);
}

function label(read: CacheFile<unknown>): string {
  return `AWS Price List API prices for ${read.region} (read ${read.readAt.slice(0, 10)}${read.publicationDate ? `, published ${read.publicationDate.slice(0, 10)}` : ''})`;
}

/** An entry of PriceList as JSON text: a string, the SDK's lazy JSON string (its toString), or an object already parsed. */
function priceListText(entry: unknown): string {
  if (typeof entry === 'string') return entry;
  if (entry instanceof String || (typeof entry === 'object' && entry !== null && entry.toString !== Object.prototype.toString)) return String(entry);
  return JSON.stringify(entry);
}

/** Every S3 product of `productFamily` in `region`, paged, as JSON text. */
export async function fetchS3Products(client: PricingClient, region: string, productFamily: string, signal?: AbortSignal): Promise<string[]> {
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
          { Type: 'TERM_MATCH', Field: 'productFamily', Value: productFamily },
        ],
      }),
      signal ? { abortSignal: signal } : {},
    );
    for (const entry of page.PriceList ?? []) entries.push(priceListText(entry));
    nextToken = page.NextToken;
  } while (nextToken);
  return entries;
}

/** Whether the lookup goes to the Price List API (or its cache): not for us-east-1, builtIn, or a bucket that is not on AWS. */
export function asksPriceList(lookup: Pick<PriceLookup, 'region' | 'source' | 'customS3Endpoint' | 'endpoint'>): boolean {
  if (lookup.region === PRICES_REGION || lookup.source === 'builtIn') return false;
  return !(lookup.customS3Endpoint && lookup.endpoint === '');
}

/** The region's prices of one kind from the cache or the API; undefined and a note when neither has them. */
async function lookUp<T>(lookup: PriceLookup, kind: PriceKind<T>): Promise<{ prices?: T; label?: string; notes: string[] }> {
  const { region } = lookup;
  if (!asksPriceList(lookup)) return { notes: [] };
  const now = lookup.now ?? new Date();
  const cached = lookup.cacheDir ? await readCache(lookup.cacheDir, kind, region, now) : undefined;
  if (cached) return { prices: cached.prices, label: label(cached), notes: [] };

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
    const parsed = kind.parse(await fetchS3Products(client, region, kind.productFamily, signal), region);
    const problem = kind.unusable(parsed.prices, region);
    if (problem) throw new Error(problem);
    const read: CacheFile<T> = {
      region,
      readAt: now.toISOString(),
      ...(parsed.publicationDate ? { publicationDate: parsed.publicationDate } : {}),
      prices: parsed.prices,
    };
    if (lookup.cacheDir) await writeCache(lookup.cacheDir, kind, read).catch(() => undefined);
    return { prices: parsed.prices, label: label(read), notes: [] };
  } catch (error) {
    if (lookup.signal?.aborted) throw error;
    const e = error as { name?: string; message?: string };
    const why = timeout.aborted ? `no answer in ${LOOKUP_TIMEOUT_MS / 1000} s` : `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`;
    const instead =
      kind.name === 'storage' ? "set your prices with s3lifecycle.retention.storagePrices (the CLI's --price CLASS=USD)" : 'the cost shown is an estimate';
    return {
      notes: [
        `could not read the ${region} ${kind.name} prices from the AWS Price List API (${why}); ${kind.name === 'storage' ? 'the savings use' : 'the request cost uses'} the ${PRICES_REGION} list prices. Allow pricing:GetProducts, or ${instead}.`,
      ],
    };
  } finally {
    client.destroy();
  }
}

/** The storage prices to use over the built-in ones for `lookup.region`, or why there are none. */
export async function resolveBasePrices(lookup: PriceLookup): Promise<ResolvedPrices> {
  const found = await lookUp(lookup, STORAGE);
  return found.prices ? { base: { perGbMonth: found.prices, label: found.label! }, notes: found.notes } : { notes: found.notes };
}

export interface ResolvedRequestPrices {
  /** The region's request prices; none: the built-in us-east-1 ones. */
  prices?: RequestPrices;
  notes: string[];
}

/** The request prices of `lookup.region` (for the tagging preview's cost), or why there are none. */
export async function resolveRequestPrices(lookup: PriceLookup): Promise<ResolvedRequestPrices> {
  const found = await lookUp(lookup, REQUESTS);
  // Both classes are there: a lookup without them is unusable.
  return found.prices
    ? { prices: { putClass: found.prices.putClass!, getClass: found.prices.getClass!, label: found.label! }, notes: found.notes }
    : { notes: found.notes };
}

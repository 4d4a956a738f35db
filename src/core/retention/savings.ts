// What expiring an unused prefix saves: its bytes per storage class × the storage price of that
// class, in US dollars per month. Built-in us-east-1 list prices, the region's from the AWS Price
// List API (src/aws/priceList.ts), and the user's per class over either.

import type { StoragePrices } from './report';

/**
 * S3 storage list prices, USD per GB-month (GB = 2^30 bytes), us-east-1, first pricing tier
 * (S3 Standard gets cheaper above 50 TB a month: 0.022, then 0.021). From
 * https://aws.amazon.com/s3/pricing/ as quoted in AWS's S3 FAQ (Express One Zone: 10 GB-month ×
 * $0.11) and current third-party summaries of that page (2026); REDUCED_REDUNDANCY is the last
 * published us-east-1 price of that legacy class. Not included: per-object overheads (Glacier
 * Flexible Retrieval and Deep Archive bill 40 KB of metadata per object; the IA and Glacier IR
 * classes bill at least 128 KB per object), minimum storage durations and request charges.
 */
export const US_EAST_1_PRICES: Readonly<Record<string, number>> = {
  STANDARD: 0.023,
  // The frequent-access tier's price, the tier's highest: for objects that moved to a cheaper
  // access tier the savings shown are an upper bound.
  INTELLIGENT_TIERING: 0.023,
  STANDARD_IA: 0.0125,
  ONEZONE_IA: 0.01,
  GLACIER_IR: 0.004,
  GLACIER: 0.0036,
  DEEP_ARCHIVE: 0.00099,
  REDUCED_REDUNDANCY: 0.024,
  EXPRESS_ONEZONE: 0.11,
};

export const PRICES_REGION = 'us-east-1';
const GB = 1024 ** 3;

export class PriceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PriceError';
  }
}

/** `GLACIER=0.0036` → ['GLACIER', 0.0036]; what the CLI's --price and the setting take. */
export function parsePriceOverride(text: string): [string, number] {
  const match = /^\s*([A-Za-z_]+)\s*=\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*$/.exec(text);
  if (!match) throw new PriceError(`a price is STORAGE_CLASS=USD_PER_GB_MONTH, e.g. GLACIER=0.0036, not "${text}"`);
  return [match[1]!.toUpperCase(), Number(match[2])];
}

/** A region's prices read from elsewhere (the AWS Price List API), in place of the built-in ones. */
export interface BasePrices {
  /** USD per GB-month by storage class. */
  perGbMonth: Record<string, number>;
  /** Where they come from, for the report. */
  label: string;
}

/**
 * The prices a report uses: the region's (`base`, when read from the Price List API), else the
 * built-in list prices, with the user's overrides on top. Only us-east-1 is built in; for another
 * region without `base` the us-east-1 prices stand in, and `source` says so, so the user knows to
 * set their own.
 */
export function storagePrices(region: string, overrides: Record<string, number>, base?: BasePrices): StoragePrices {
  const perGbMonth: Record<string, number> = { ...(base?.perGbMonth ?? US_EAST_1_PRICES) };
  const overridden: string[] = [];
  for (const [rawClass, price] of Object.entries(overrides)) {
    const storageClass = rawClass.trim().toUpperCase();
    if (!/^[A-Z_]+$/.test(storageClass)) throw new PriceError(`"${rawClass}" is not a storage class name (e.g. STANDARD, GLACIER_IR)`);
    if (typeof price !== 'number' || !Number.isFinite(price) || price < 0)
      throw new PriceError(`the price of ${storageClass} must be a number of US dollars per GB-month, 0 or more, not ${String(price)}`);
    perGbMonth[storageClass] = price;
    overridden.push(storageClass);
  }
  const effectiveRegion = region.trim() === '' ? PRICES_REGION : region.trim();
  const builtIn = base
    ? base.label
    : effectiveRegion === PRICES_REGION
      ? `built-in ${PRICES_REGION} list prices`
      : `built-in ${PRICES_REGION} list prices (none built in for ${effectiveRegion}: set your region's prices)`;
  const source = overridden.length === 0 ? builtIn : `${builtIn}, with your prices for ${overridden.sort().join(', ')}`;
  return { region: effectiveRegion, perGbMonth, source };
}

export interface SavingsEstimate {
  /** US dollars per month. */
  usd: number;
  /** Storage classes with no price: charged at the STANDARD price. */
  unpricedClasses: string[];
}

/** Bytes by storage class × the class's price per GB-month; a class without a price counts at STANDARD's. */
export function monthlySavings(bytesByStorageClass: Record<string, number>, prices: StoragePrices): SavingsEstimate {
  const standard = prices.perGbMonth.STANDARD ?? US_EAST_1_PRICES.STANDARD!;
  let usd = 0;
  const unpricedClasses: string[] = [];
  for (const [storageClass, bytes] of Object.entries(bytesByStorageClass)) {
    let price = prices.perGbMonth[storageClass];
    if (price === undefined) {
      price = standard;
      unpricedClasses.push(storageClass);
    }
    usd += (bytes / GB) * price;
  }
  return { usd, unpricedClasses: unpricedClasses.sort() };
}

/** The note a report carries when some classes had no price. */
export function unpricedClassesNote(classes: string[], prices: StoragePrices): string {
  return `no price for storage class${classes.length === 1 ? '' : 'es'} ${classes.join(', ')}: counted at the STANDARD price ($${prices.perGbMonth.STANDARD} per GB-month); set ${classes.length === 1 ? 'its' : 'their'} price with --price CLASS=USD or the s3lifecycle.retention.storagePrices setting`;
}

/** Dollars rounded to a millionth: enough for tiny prefixes, free of floating-point noise. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

// S3 storage prices of a region from the AWS Price List API's products (GetProducts, service
// AmazonS3, product family Storage): each product names its usage type (`EUC1-TimedStorage-SIA-
// ByteHrs`) and carries its on-demand price dimensions. The first tier (beginRange 0) is taken,
// as the built-in prices are; a class the region does not list stays unpriced.

/** Usage type, region prefix removed → the storage class of S3 Inventory's StorageClass column. */
export const STORAGE_USAGE_TYPES: Readonly<Record<string, string>> = {
  'TimedStorage-ByteHrs': 'STANDARD',
  'TimedStorage-SIA-ByteHrs': 'STANDARD_IA',
  'TimedStorage-ZIA-ByteHrs': 'ONEZONE_IA',
  'TimedStorage-GIR-ByteHrs': 'GLACIER_IR',
  'TimedStorage-GlacierByteHrs': 'GLACIER',
  'TimedStorage-GDA-ByteHrs': 'DEEP_ARCHIVE',
  // The frequent-access tier, as the built-in prices take it (an upper bound for colder tiers).
  'TimedStorage-INT-FA-ByteHrs': 'INTELLIGENT_TIERING',
  'TimedStorage-RRS-ByteHrs': 'REDUCED_REDUNDANCY',
};

/** `EUC1-TimedStorage-ByteHrs` → `TimedStorage-ByteHrs`; us-east-1's have no prefix. */
export function usageTypeCore(usageType: string): string {
  const match = /^(?:[A-Z]{2,4}\d*-)?(TimedStorage-.+)$/.exec(usageType);
  return match ? match[1]! : usageType;
}

interface PriceDimension {
  unit?: string;
  beginRange?: string;
  pricePerUnit?: { USD?: string };
}

interface PriceListProduct {
  product?: { attributes?: { usagetype?: string; regionCode?: string } };
  terms?: { OnDemand?: Record<string, { priceDimensions?: Record<string, PriceDimension> }> };
  publicationDate?: string;
}

export interface RegionStoragePrices {
  region: string;
  /** USD per GB-month by storage class. */
  perGbMonth: Record<string, number>;
  /** The newest publication date of the products read, when they carry one. */
  publicationDate?: string;
}

/**
 * The storage classes' first-tier prices in `region`, from GetProducts' PriceList entries (JSON
 * text, one product each). Products of other regions, other usage types and non-GB-month
 * dimensions are passed over; an entry that is not JSON is an error, as it means the API changed.
 */
export function storagePricesFromPriceList(entries: readonly string[], region: string): RegionStoragePrices {
  const perGbMonth: Record<string, number> = {};
  let publicationDate: string | undefined;
  for (const [i, entry] of entries.entries()) {
    let product: PriceListProduct;
    try {
      product = JSON.parse(entry) as PriceListProduct;
    } catch {
      throw new Error(`the Price List API's entry ${i + 1} is not JSON: ${entry.slice(0, 120)}`);
    }
    const attributes = product.product?.attributes;
    if (!attributes?.usagetype || (attributes.regionCode !== undefined && attributes.regionCode !== region)) continue;
    const storageClass = STORAGE_USAGE_TYPES[usageTypeCore(attributes.usagetype)];
    if (!storageClass) continue;
    for (const term of Object.values(product.terms?.OnDemand ?? {})) {
      for (const dimension of Object.values(term.priceDimensions ?? {})) {
        if ((dimension.unit ?? '').toLowerCase() !== 'gb-mo' || Number(dimension.beginRange ?? '0') !== 0) continue;
        const usd = Number(dimension.pricePerUnit?.USD);
        if (!Number.isFinite(usd) || usd < 0) continue;
        perGbMonth[storageClass] = usd;
      }
    }
    if (product.publicationDate && (!publicationDate || product.publicationDate > publicationDate)) publicationDate = product.publicationDate;
  }
  return { region, perGbMonth, ...(publicationDate ? { publicationDate } : {}) };
}

/** Request prices: USD per 1,000 requests of each class S3 bills. */
export interface RequestPricesPer1000 {
  /** PUT, COPY, POST, LIST (and PutObjectTagging): S3-API-Tier1 (`Requests-Tier1`). */
  putClass?: number;
  /** GET, SELECT and the others (GetObjectTagging, HeadObject): S3-API-Tier2 (`Requests-Tier2`). */
  getClass?: number;
}

const REQUEST_GROUPS: Readonly<Record<string, keyof RequestPricesPer1000>> = { 'S3-API-Tier1': 'putClass', 'S3-API-Tier2': 'getClass' };
const REQUEST_USAGE_TYPES: Readonly<Record<string, keyof RequestPricesPer1000>> = { 'Requests-Tier1': 'putClass', 'Requests-Tier2': 'getClass' };

/**
 * The S3 Standard request classes' prices in `region`, from GetProducts' entries of product family
 * "API Request": by the product's group (S3-API-Tier1, -Tier2), or its usage type (Requests-Tier1,
 * -Tier2) where it has no group; per request in the API, per 1,000 here.
 */
export function requestPricesFromPriceList(entries: readonly string[], region: string): RequestPricesPer1000 {
  const prices: RequestPricesPer1000 = {};
  for (const [i, entry] of entries.entries()) {
    let product: PriceListProduct & { product?: { attributes?: { group?: string } } };
    try {
      product = JSON.parse(entry) as typeof product;
    } catch {
      throw new Error(`the Price List API's entry ${i + 1} is not JSON: ${entry.slice(0, 120)}`);
    }
    const attributes = product.product?.attributes as { usagetype?: string; regionCode?: string; group?: string } | undefined;
    if (!attributes || (attributes.regionCode !== undefined && attributes.regionCode !== region)) continue;
    const usage = attributes.usagetype?.replace(/^[A-Z]{2,4}\d*-/, '');
    const which = (attributes.group ? REQUEST_GROUPS[attributes.group] : undefined) ?? (usage ? REQUEST_USAGE_TYPES[usage] : undefined);
    if (!which) continue;
    for (const term of Object.values(product.terms?.OnDemand ?? {})) {
      for (const dimension of Object.values(term.priceDimensions ?? {})) {
        if (!/^requests?$/i.test(dimension.unit ?? '') || Number(dimension.beginRange ?? '0') !== 0) continue;
        const usd = Number(dimension.pricePerUnit?.USD);
        if (Number.isFinite(usd) && usd >= 0) prices[which] = Math.round(usd * 1000 * 1e9) / 1e9;
      }
    }
  }
  return prices;
}

/** The newest publication date of GetProducts' entries, when they carry one. */
export function newestPublicationDate(entries: readonly string[]): string | undefined {
  let newest: string | undefined;
  for (const entry of entries) {
    const date = (JSON.parse(entry) as PriceListProduct).publicationDate;
    if (date && (!newest || date > newest)) newest = date;
  }
  return newest;
}

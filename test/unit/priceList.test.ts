// A region's storage prices from the AWS Price List API's products: which product is which class,
// the first tier of a tiered price, other regions and other usage types passed over; and the
// report's prices when they come from there.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { requestPricesFromPriceList, storagePricesFromPriceList, usageTypeCore } from '../../src/core/retention/storagePriceProducts';
import { monthlySavings, roundUsd, storagePrices } from '../../src/core/retention/savings';
import { europeanProducts, europeanRequestProducts, requestProduct } from './priceListFixture';

describe('storage prices from the AWS Price List API', () => {
  it('maps each usage type to its storage class, with the first tier of a tiered price', () => {
    const prices = storagePricesFromPriceList(europeanProducts(), 'eu-central-1');
    assert.deepEqual(prices.perGbMonth, {
      STANDARD: 0.0245,
      STANDARD_IA: 0.0135,
      ONEZONE_IA: 0.0108,
      GLACIER_IR: 0.005,
      GLACIER: 0.004,
      DEEP_ARCHIVE: 0.0018,
      INTELLIGENT_TIERING: 0.0245,
    });
    assert.equal(prices.region, 'eu-central-1');
    assert.equal(prices.publicationDate, '2026-11-25T10:00:00Z');
  });

  it("reads usage types with any region prefix, and us-east-1's without one", () => {
    assert.equal(usageTypeCore('EUC1-TimedStorage-ByteHrs'), 'TimedStorage-ByteHrs');
    assert.equal(usageTypeCore('EU-TimedStorage-SIA-ByteHrs'), 'TimedStorage-SIA-ByteHrs');
    assert.equal(usageTypeCore('APS2-TimedStorage-GDA-ByteHrs'), 'TimedStorage-GDA-ByteHrs');
    assert.equal(usageTypeCore('TimedStorage-GlacierByteHrs'), 'TimedStorage-GlacierByteHrs');
    assert.deepEqual(storagePricesFromPriceList(europeanProducts('eu-west-1', 'EU-'), 'eu-west-1').perGbMonth.STANDARD, 0.0245);
  });

  it('says so when an entry is not JSON, and lists nothing for a region with no products', () => {
    assert.throws(() => storagePricesFromPriceList(['<html>'], 'eu-central-1'), /entry 1 is not JSON/);
    assert.deepEqual(storagePricesFromPriceList(europeanProducts(), 'ap-east-2').perGbMonth, {});
  });

  it("prices a report with them, names where they come from, and lets the user's prices win", () => {
    const base = {
      perGbMonth: storagePricesFromPriceList(europeanProducts(), 'eu-central-1').perGbMonth,
      label: 'AWS Price List API prices for eu-central-1 (read 2026-12-01)',
    };
    const prices = storagePrices('eu-central-1', { GLACIER: 0.0039 }, base);
    assert.equal(prices.source, 'AWS Price List API prices for eu-central-1 (read 2026-12-01), with your prices for GLACIER');
    assert.equal(prices.perGbMonth.GLACIER, 0.0039);
    const GB = 1024 ** 3;
    assert.equal(roundUsd(monthlySavings({ STANDARD: 100 * GB, DEEP_ARCHIVE: 1000 * GB }, prices).usd), 4.25);
    // Express One Zone is not listed here: it is unpriced, and counted at the region's STANDARD price.
    assert.deepEqual(monthlySavings({ EXPRESS_ONEZONE: GB }, prices).unpricedClasses, ['EXPRESS_ONEZONE']);
  });

  it('reads the request prices tagging pays, per 1,000, by group or else by usage type', () => {
    assert.deepEqual(requestPricesFromPriceList(europeanRequestProducts(), 'eu-central-1'), { putClass: 0.0054, getClass: 0.00043 });
    // Without a group attribute, the usage type says which class it is.
    const ungrouped = [
      requestProduct('sa-east-1', undefined, 'SAE1-Requests-Tier1', '0.0000070000'),
      requestProduct('sa-east-1', undefined, 'SAE1-Requests-Tier2', '0.0000005600'),
    ];
    assert.deepEqual(requestPricesFromPriceList(ungrouped, 'sa-east-1'), { putClass: 0.007, getClass: 0.00056 });
    // Storage products and other regions are passed over.
    assert.deepEqual(requestPricesFromPriceList([...europeanProducts(), ...europeanRequestProducts('eu-west-3', 'EUW3-')], 'eu-central-1'), {});
  });
});

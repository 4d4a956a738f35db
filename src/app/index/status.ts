// An index's status at a glance (the tree shows it on the data prefix): its settings, how many data
// objects the ledger holds and when the last was indexed, and, when asked, how many data objects
// the ledger does not name yet. Listings only: a few requests per thousand objects.

import { initXxh64 } from '../../core/index/xxh64';
import { formatS3Uri, parseS3Uri, type S3Location } from '../../core/s3uri';
import type { ObjectStore } from '../../aws/objectStore';
import { normalizeIndexLocation, readIndexConfig, type IndexConfig } from './indexConfig';
import { ledgerName } from './ledger';

export interface IndexStatus {
  index: string;
  exists: boolean;
  config?: IndexConfig;
  /** Data objects with a ledger entry (indexed at some ETag). */
  indexedObjects: number;
  /** ISO time of the newest ledger entry. */
  lastIndexedAt?: string;
  /** With `compareData`: data objects under the index's data prefix, and those without a ledger entry. */
  dataObjects?: number;
  unindexedObjects?: number;
}

export async function readIndexStatus(
  store: ObjectStore,
  index: S3Location,
  options: { compareData?: boolean; signal?: AbortSignal } = {},
): Promise<IndexStatus> {
  await initXxh64();
  const location = normalizeIndexLocation(index);
  const signal = options.signal ? { signal: options.signal } : {};
  const found = await readIndexConfig(store, location, options.signal);
  if (!found) return { index: formatS3Uri(location), exists: false, indexedObjects: 0 };
  const names = new Set<string>();
  let last = 0;
  const prefix = `${location.key}_objects/`;
  for await (const page of store.list(location.bucket, prefix, signal)) {
    for (const o of page) {
      if (!o.key.endsWith('.json')) continue;
      names.add(o.key.slice(prefix.length, -'.json'.length));
      last = Math.max(last, o.lastModified?.getTime() ?? 0);
    }
  }
  const status: IndexStatus = {
    index: formatS3Uri(location),
    exists: true,
    config: found.config,
    indexedObjects: names.size,
    ...(last > 0 ? { lastIndexedAt: new Date(last).toISOString() } : {}),
  };
  if (options.compareData) {
    const data = normalizeIndexLocation(parseS3Uri(found.config.data));
    let dataObjects = 0;
    let unindexed = 0;
    for await (const page of store.list(data.bucket, data.key, signal)) {
      for (const o of page) {
        if (o.key.endsWith('/') || (data.bucket === location.bucket && o.key.startsWith(location.key))) continue;
        dataObjects++;
        if (!names.has(ledgerName(location, o.key))) unindexed++;
      }
    }
    status.dataObjects = dataObjects;
    status.unindexedObjects = unindexed;
  }
  return status;
}

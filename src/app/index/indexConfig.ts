// `I/_index.json`: an index's settings (granularity, Bloom bits per key, fence interval, part size,
// and the data location it indexes). The first builder creates it with If-None-Match: *; every
// later builder and every lookup reads it, and a builder refuses options that contradict it.

import { DEFAULT_BITS_PER_KEY } from '../../core/index/bloom';
import { DEFAULT_GRANULARITY, GRANULARITIES, indexConfigKey, isGranularity, type Granularity } from '../../core/index/keys';
import { DEFAULT_FENCE_INTERVAL } from '../../core/index/part';
import { formatS3Uri, type S3Location } from '../../core/s3uri';
import { isObjectNotFoundError, isPreconditionFailedError, type ObjectStore } from '../../aws/objectStore';

export const INDEX_FORMAT_NAME = 's3-lifecycle-index';
export const INDEX_CONFIG_VERSION = 1;
export const DEFAULT_PART_ENTRIES = 65_536;
/** Parts are capped so every offset in them fits in a u32 and a part stays a small object. */
export const MAX_PART_ENTRIES = 4_000_000;

export interface IndexConfig {
  format: typeof INDEX_FORMAT_NAME;
  version: typeof INDEX_CONFIG_VERSION;
  granularity: Granularity;
  bitsPerKey: number;
  fenceInterval: number;
  partEntries: number;
  /** `s3://B/P`: the data the index is built from. */
  data: string;
}

/** What a builder asks for; unset options take the stored (or default) value. */
export interface IndexSettings {
  granularity?: Granularity;
  bitsPerKey?: number;
  fenceInterval?: number;
  partEntries?: number;
}

/** An index's problem a user can act on (no index there, a config that contradicts the options, a damaged config). */
export class IndexConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IndexConfigError';
  }
}

/** The index location as bucket + key prefix, the prefix ending with '/' unless it is the bucket root. */
export function normalizeIndexLocation(location: S3Location): S3Location {
  const key = location.key === '' || location.key.endsWith('/') ? location.key : `${location.key}/`;
  return { bucket: location.bucket, key };
}

/** Checks builder settings' ranges; throws a RangeError that names the option. */
export function validateIndexSettings(settings: IndexSettings): void {
  if (settings.granularity !== undefined && !isGranularity(settings.granularity))
    throw new RangeError(`granularity must be one of ${GRANULARITIES.join(', ')}, not "${String(settings.granularity)}"`);
  if (settings.bitsPerKey !== undefined && !(Number.isFinite(settings.bitsPerKey) && settings.bitsPerKey >= 1 && settings.bitsPerKey <= 64))
    throw new RangeError(`bits per key must be a number from 1 to 64, not ${settings.bitsPerKey}`);
  if (settings.fenceInterval !== undefined && !(Number.isInteger(settings.fenceInterval) && settings.fenceInterval >= 1 && settings.fenceInterval <= 4096))
    throw new RangeError(`fence interval must be a whole number from 1 to 4096, not ${settings.fenceInterval}`);
  if (settings.partEntries !== undefined && !(Number.isInteger(settings.partEntries) && settings.partEntries >= 1 && settings.partEntries <= MAX_PART_ENTRIES))
    throw new RangeError(`part entries must be a whole number from 1 to ${MAX_PART_ENTRIES}, not ${settings.partEntries}`);
}

/** Parses `_index.json`'s text; throws IndexConfigError saying what is wrong. */
export function parseIndexConfig(text: string, where: string): IndexConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new IndexConfigError(`${where} is not valid JSON (${(error as Error).message}): restore it, or build a new index at another location`);
  }
  const c = value as Partial<IndexConfig> | null;
  if (typeof c !== 'object' || c === null || c.format !== INDEX_FORMAT_NAME)
    throw new IndexConfigError(`${where} is not an s3-lifecycle index configuration (no "format": "${INDEX_FORMAT_NAME}")`);
  if (c.version !== INDEX_CONFIG_VERSION)
    throw new IndexConfigError(`${where} has version ${String(c.version)}; this build reads version ${INDEX_CONFIG_VERSION}: update s3-lifecycle`);
  if (typeof c.data !== 'string' || !c.data.startsWith('s3://')) throw new IndexConfigError(`${where} does not name the data it indexes ("data": "s3://…")`);
  try {
    if (c.granularity === undefined || c.bitsPerKey === undefined || c.fenceInterval === undefined || c.partEntries === undefined)
      throw new RangeError('granularity, bitsPerKey, fenceInterval and partEntries are required');
    validateIndexSettings(c);
  } catch (error) {
    throw new IndexConfigError(`${where}: ${(error as Error).message}`);
  }
  return {
    format: INDEX_FORMAT_NAME,
    version: INDEX_CONFIG_VERSION,
    granularity: c.granularity,
    bitsPerKey: c.bitsPerKey,
    fenceInterval: c.fenceInterval,
    partEntries: c.partEntries,
    data: c.data,
  };
}

/** The options that contradict the stored configuration, as "--name stored" phrases. */
export function contradictions(stored: IndexConfig, requested: IndexSettings, data: string): string[] {
  const out: string[] = [];
  if (requested.granularity !== undefined && requested.granularity !== stored.granularity)
    out.push(`granularity ${stored.granularity} (asked: ${requested.granularity})`);
  if (requested.bitsPerKey !== undefined && requested.bitsPerKey !== stored.bitsPerKey)
    out.push(`bits per key ${stored.bitsPerKey} (asked: ${requested.bitsPerKey})`);
  if (requested.fenceInterval !== undefined && requested.fenceInterval !== stored.fenceInterval)
    out.push(`fence interval ${stored.fenceInterval} (asked: ${requested.fenceInterval})`);
  if (requested.partEntries !== undefined && requested.partEntries !== stored.partEntries)
    out.push(`part entries ${stored.partEntries} (asked: ${requested.partEntries})`);
  if (normalizeDataUri(stored.data) !== normalizeDataUri(data)) out.push(`data ${stored.data} (asked: ${data})`);
  return out;
}

function normalizeDataUri(uri: string): string {
  return uri.endsWith('/') ? uri : `${uri}/`;
}

/** Reads the configuration; undefined when there is no index at the location. */
export async function readIndexConfig(store: ObjectStore, index: S3Location, signal?: AbortSignal): Promise<{ config: IndexConfig; etag: string } | undefined> {
  const location = normalizeIndexLocation(index);
  const key = indexConfigKey(location.key);
  try {
    const got = await store.get(location.bucket, key, signal ? { signal } : {});
    if (got === 'notModified') throw new Error('unexpected 304 for an unconditional GET');
    return { config: parseIndexConfig(new TextDecoder().decode(got.bytes), formatS3Uri({ bucket: location.bucket, key })), etag: got.etag };
  } catch (error) {
    if (isObjectNotFoundError(error)) return undefined;
    throw error;
  }
}

/** The configuration, or an IndexConfigError that says how to build one. */
export async function requireIndexConfig(store: ObjectStore, index: S3Location, signal?: AbortSignal): Promise<IndexConfig> {
  const found = await readIndexConfig(store, index, signal);
  if (!found)
    throw new IndexConfigError(
      `There is no index at ${formatS3Uri(normalizeIndexLocation(index))} (no _index.json): build one with s3-lifecycle index build --data s3://BUCKET/PREFIX --index ${formatS3Uri(normalizeIndexLocation(index))}`,
    );
  return found.config;
}

/**
 * The configuration a builder works with: the stored one (refusing options that contradict it),
 * or a new one created with If-None-Match: * (a builder that loses that race reads the winner's).
 */
export async function openIndexForBuild(
  store: ObjectStore,
  index: S3Location,
  data: S3Location,
  requested: IndexSettings,
  signal?: AbortSignal,
): Promise<{ config: IndexConfig; created: boolean }> {
  validateIndexSettings(requested);
  const location = normalizeIndexLocation(index);
  const dataUri = formatS3Uri(data);
  const where = formatS3Uri(location);
  const check = (config: IndexConfig) => {
    const wrong = contradictions(config, requested, dataUri);
    if (wrong.length > 0)
      throw new IndexConfigError(
        `The index at ${where} was built with ${wrong.join(', ')}: drop the contradicting options to add to it, or choose another --index location`,
      );
    return config;
  };
  const existing = await readIndexConfig(store, location, signal);
  if (existing) return { config: check(existing.config), created: false };
  const config: IndexConfig = {
    format: INDEX_FORMAT_NAME,
    version: INDEX_CONFIG_VERSION,
    granularity: requested.granularity ?? DEFAULT_GRANULARITY,
    bitsPerKey: requested.bitsPerKey ?? DEFAULT_BITS_PER_KEY,
    fenceInterval: requested.fenceInterval ?? DEFAULT_FENCE_INTERVAL,
    partEntries: requested.partEntries ?? DEFAULT_PART_ENTRIES,
    data: dataUri,
  };
  try {
    await store.put(location.bucket, indexConfigKey(location.key), JSON.stringify(config, null, 2) + '\n', {
      ifNoneMatch: '*',
      contentType: 'application/json',
      ...(signal ? { signal } : {}),
    });
    return { config, created: true };
  } catch (error) {
    if (!isPreconditionFailedError(error)) throw error;
    const winner = await readIndexConfig(store, location, signal);
    if (!winner) throw error;
    return { config: check(winner.config), created: false };
  }
}

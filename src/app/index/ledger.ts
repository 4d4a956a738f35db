// What a build has done and is doing, kept in the index location itself: the ledger
// (`I/_objects/<xxh64(dataKey)>.json`, written only after every manifest that lists the object's
// entries was advanced) and the claims (`I/_claims/<xxh64(dataKey)>.json`, taken with
// If-None-Match: * before an object is read, so two builders split the work instead of doubling it).
// Nothing here is ever deleted: a claim is released by overwriting it, and a stale one is taken over
// with If-Match on its ETag.

import { hostname } from 'node:os';
import { claimObjectKey, ledgerObjectKey } from '../../core/index/keys';
import { isRecord } from '../../core/guards';
import type { S3Location } from '../../core/s3uri';
import { isObjectNotFoundError, isPreconditionFailedError, type ObjectStore } from '../../aws/objectStore';

/** A claim older than this is abandoned (its builder crashed): another builder may take it over. */
export const DEFAULT_CLAIM_TTL_MS = 15 * 60_000;

export interface LedgerEntry {
  /** The data object's key. */
  key: string;
  /** The ETag of the version that was indexed. */
  etag: string;
  size: number;
  /** Entries (records) indexed from it. */
  entries: number;
  /** The time buckets its entries went to. */
  buckets: string[];
  builder: string;
  /** ISO time the entry was written. */
  at: string;
}

export interface ClaimBody {
  key: string;
  etag: string;
  builder: string;
  /** ISO time the claim was taken. */
  at: string;
  /** Set when the builder let go of it (finished, cancelled or failed). */
  released?: boolean;
}

/** A claim this builder holds: its ETag lets it release the claim without touching another's. */
export interface HeldClaim {
  dataKey: string;
  etag: string;
  claimKey: string;
  body: ClaimBody;
}

/** `host/pid/random`: unique per process, readable in a claim or a manifest. */
export function newBuilderId(): string {
  return `${hostname()}/${process.pid}/${Math.floor(Math.random() * 0x100000000)
    .toString(16)
    .padStart(8, '0')}`;
}

/** The hex names of the ledger entries present (one LIST per 1000): which data objects may be indexed already. */
export async function ledgerNames(store: ObjectStore, index: S3Location, signal?: AbortSignal): Promise<Set<string>> {
  const prefix = `${index.key}_objects/`;
  const names = new Set<string>();
  for await (const page of store.list(index.bucket, prefix, signal ? { signal } : {})) {
    for (const o of page) if (o.key.endsWith('.json')) names.add(o.key.slice(prefix.length, -'.json'.length));
  }
  return names;
}

/** The hex name of a data object's ledger entry (and claim), as ledgerNames returns it. */
export function ledgerName(index: S3Location, dataKey: string): string {
  const key = ledgerObjectKey(index.key, dataKey);
  return key.slice(key.lastIndexOf('/') + 1, -'.json'.length);
}

function parseLedgerEntry(text: string): LedgerEntry | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (!isRecord(value) || typeof value.key !== 'string' || typeof value.etag !== 'string') return undefined;
    return value as unknown as LedgerEntry;
  } catch {
    return undefined;
  }
}

/** A data object's ledger entry; undefined when there is none or it is unreadable (the object is then indexed again). */
export async function readLedgerEntry(store: ObjectStore, index: S3Location, dataKey: string, signal?: AbortSignal): Promise<LedgerEntry | undefined> {
  try {
    const got = await store.get(index.bucket, ledgerObjectKey(index.key, dataKey), signal ? { signal } : {});
    if (got === 'notModified') return undefined;
    const entry = parseLedgerEntry(new TextDecoder().decode(got.bytes));
    // Two keys with the same hash would share a name: the entry says whose it is.
    return entry?.key === dataKey ? entry : undefined;
  } catch (error) {
    if (isObjectNotFoundError(error)) return undefined;
    throw error;
  }
}

export async function writeLedgerEntry(store: ObjectStore, index: S3Location, entry: LedgerEntry, signal?: AbortSignal): Promise<void> {
  await store.put(index.bucket, ledgerObjectKey(index.key, entry.key), JSON.stringify(entry) + '\n', {
    contentType: 'application/json',
    ...(signal ? { signal } : {}),
  });
}

/** `tookOver`: the claim existed (released, stale or another version's): the object may have been indexed meanwhile. */
export type ClaimOutcome = { held: HeldClaim; tookOver: boolean } | { busy: ClaimBody };

function parseClaim(text: string): ClaimBody | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (!isRecord(value) || typeof value.key !== 'string' || typeof value.builder !== 'string' || typeof value.at !== 'string') return undefined;
    return value as unknown as ClaimBody;
  } catch {
    return undefined;
  }
}

/**
 * Claims a data object version for this builder. Another builder's live claim (same version,
 * younger than `ttlMs`, not released) makes it busy; anything else is taken over with If-Match.
 */
export async function claimObject(
  store: ObjectStore,
  index: S3Location,
  object: { key: string; etag: string },
  builder: string,
  options: { ttlMs?: number; now?: () => number; signal?: AbortSignal } = {},
): Promise<ClaimOutcome> {
  const ttl = options.ttlMs ?? DEFAULT_CLAIM_TTL_MS;
  const now = options.now ?? Date.now;
  const claimKey = claimObjectKey(index.key, object.key);
  const signal = options.signal ? { signal: options.signal } : {};
  const body = (): ClaimBody => ({ key: object.key, etag: object.etag, builder, at: new Date(now()).toISOString() });
  for (let attempt = 0; attempt < 3; attempt++) {
    const mine = body();
    try {
      const put = await store.put(index.bucket, claimKey, JSON.stringify(mine), { ifNoneMatch: '*', contentType: 'application/json', ...signal });
      return { held: { dataKey: object.key, etag: put.etag, claimKey, body: mine }, tookOver: false };
    } catch (error) {
      if (!isPreconditionFailedError(error)) throw error;
    }
    let current;
    try {
      current = await store.get(index.bucket, claimKey, signal);
    } catch (error) {
      if (isObjectNotFoundError(error)) continue;
      throw error;
    }
    if (current === 'notModified') continue;
    const existing = parseClaim(new TextDecoder().decode(current.bytes));
    const age = existing ? now() - Date.parse(existing.at) : Infinity;
    const live = existing && !existing.released && existing.builder !== builder && existing.key === object.key && existing.etag === object.etag && age < ttl;
    if (live) return { busy: existing };
    try {
      const put = await store.put(index.bucket, claimKey, JSON.stringify(mine), { ifMatch: current.etag, contentType: 'application/json', ...signal });
      return { held: { dataKey: object.key, etag: put.etag, claimKey, body: mine }, tookOver: true };
    } catch (error) {
      if (!isPreconditionFailedError(error)) throw error;
      // Someone else took it over or released it between our read and write: look again.
    }
  }
  const again = await store.get(index.bucket, claimKey, signal).catch(() => undefined);
  const existing = again && again !== 'notModified' ? parseClaim(new TextDecoder().decode(again.bytes)) : undefined;
  return { busy: existing ?? { key: object.key, etag: object.etag, builder: 'unknown', at: new Date(now()).toISOString() } };
}

/** Lets go of a claim this builder holds (If-Match: only if nobody took it over). Never throws. */
export async function releaseClaim(store: ObjectStore, index: S3Location, claim: HeldClaim): Promise<void> {
  try {
    await store.put(index.bucket, claim.claimKey, JSON.stringify({ ...claim.body, released: true }), { ifMatch: claim.etag, contentType: 'application/json' });
  } catch {
    // Taken over, or S3 unreachable: the claim goes stale by itself.
  }
}

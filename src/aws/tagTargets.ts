// Which objects tagging for expiration touches, and what it would cost: for each prefix P, the
// current objects whose prefix (Yelp's rule) is exactly P, listed one level at a time, streamed.

import { GetObjectLockConfigurationCommand, ListObjectsV2Command, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { exemptionMatcher } from '../core/retention/exemptions';
import { prefixOfKey } from '../core/prefix';
import { withRetries, type RetryPolicy } from './backoff';
import { isVersioned } from './lifecycle';

/** US East (N. Virginia) list prices, USD: PUT-class requests (PUT, COPY, POST, LIST, PutObjectTagging) per 1,000. */
export const PUT_CLASS_USD_PER_1000 = 0.005;
/** US East (N. Virginia) list prices, USD: GET-class requests (GET, SELECT, GetObjectTagging) per 1,000. */
export const GET_CLASS_USD_PER_1000 = 0.0004;
/** US East (N. Virginia) list prices, USD: object tags per 10,000 tags per month. */
export const OBJECT_TAGS_USD_PER_10000_PER_MONTH = 0.01;

/** What to tag: the objects immediately under the prefixes, minus exempt and young ones. */
export interface TargetSelection {
  bucket: string;
  /**
   * Analysis prefixes, as prefixOfKey and the SQL templates define them, taken verbatim: `a` holds
   * `a/x`, `a/` holds `a//x` (never `a/x`); '' is the bucket root (`x`, and `/x`).
   */
  prefixes: readonly string[];
  exemptGlobs: readonly string[];
  /** ISO-8601: objects last modified at or after it are young and left alone; null: no age limit. */
  olderThan: string | null;
  /** Found out with GetBucketVersioning when not given. */
  versioned?: boolean;
}

export type ObjectVerdict = 'target' | 'exempt' | 'young';

export interface ListedObject {
  key: string;
  /** The current version's id in a versioned bucket; null otherwise. */
  versionId: string | null;
  size: number;
  lastModified: Date | undefined;
  /** As listed, quotes included: with lastModified, which object the listing saw (an unversioned key can be overwritten). */
  etag?: string;
  /** The selection's prefix it is immediately under. */
  prefix: string;
  verdict: ObjectVerdict;
}

export interface ListingContext {
  signal?: AbortSignal;
  retry?: RetryPolicy;
  /** Every list request sent (retries not counted). */
  onListRequest?: () => void;
  onRetry?: (count: number) => void;
}

/** Folder markers are checked a few at a time: a prefix may have thousands of sub-prefixes. */
const MARKER_CHECKS_AT_ONCE = 8;

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

type RawObject = Omit<ListedObject, 'verdict' | 'prefix'>;

/**
 * The current objects whose prefix is exactly `prefix`. One level is listed with the delimiter;
 * each common prefix CP is also a key when a folder marker exists, and a marker `P/x/` belongs to
 * `P` — so it is looked up with one small listing. The root '' also holds the keys `/x` and `/x/`,
 * which roll up under the common prefix `/`: that level is listed too. (Keys that end in more than
 * one '/', such as `P/x//`, belong to `P` but roll up under a deeper common prefix and are not found.)
 */
export async function* listObjectsUnderPrefix(
  client: S3Client,
  bucket: string,
  prefix: string,
  versioned: boolean,
  context: ListingContext = {},
): AsyncGenerator<RawObject> {
  // The root's keys `/x` are listed under `/` when the root has that common prefix; it is that level, not a marker to look up.
  let rootHasSlashLevel = false;
  const send = <T>(request: () => Promise<T>): Promise<T> => {
    context.onListRequest?.();
    return withRetries(request, { policy: context.retry, signal: context.signal, onRetry: context.onRetry });
  };
  const abortSignal = context.signal;
  let lastMarkerChecked: string | undefined;
  const markersToCheck = (commonPrefixes: { Prefix?: string }[] | undefined): string[] => {
    const markers: string[] = [];
    for (const { Prefix: cp } of commonPrefixes ?? []) {
      // Pages are in key order; a server that repeats the last common prefix on the next page is not asked twice.
      if (prefix === '' && cp === '/') rootHasSlashLevel = true;
      if (cp === undefined || cp === lastMarkerChecked || prefixOfKey(cp) !== prefix || (prefix === '' && cp === '/')) continue;
      markers.push(cp);
      lastMarkerChecked = cp;
    }
    return markers;
  };

  const listLevelOf = (listPrefix: string | undefined) => (versioned ? listVersionsLevel(listPrefix) : listLevel(listPrefix));
  yield* listLevelOf(prefix === '' ? undefined : `${prefix}/`);
  if (rootHasSlashLevel) yield* listLevelOf('/');

  async function* listLevel(listPrefix: string | undefined): AsyncGenerator<RawObject> {
    let token: string | undefined;
    do {
      const page = await send(() =>
        client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: listPrefix, Delimiter: '/', ContinuationToken: token }), { abortSignal }),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key !== undefined && prefixOfKey(o.Key) === prefix)
          yield { key: o.Key, versionId: null, size: o.Size ?? 0, lastModified: o.LastModified, etag: o.ETag };
      }
      const found = await mapLimit(markersToCheck(page.CommonPrefixes), MARKER_CHECKS_AT_ONCE, async (cp) => {
        const probe = await send(() => client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: cp, MaxKeys: 1 }), { abortSignal }));
        const first = probe.Contents?.[0];
        return first?.Key === cp ? { key: cp, versionId: null, size: first.Size ?? 0, lastModified: first.LastModified, etag: first.ETag } : undefined;
      });
      for (const marker of found) if (marker) yield marker;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async function* listVersionsLevel(listPrefix: string | undefined): AsyncGenerator<RawObject> {
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (;;) {
      const page = await send(() =>
        client.send(
          new ListObjectVersionsCommand({ Bucket: bucket, Prefix: listPrefix, Delimiter: '/', KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }),
          { abortSignal },
        ),
      );
      // The current version of a key is its latest one, unless the latest is a delete marker (then it has none).
      for (const v of page.Versions ?? []) {
        if (v.IsLatest && v.Key !== undefined && prefixOfKey(v.Key) === prefix)
          yield { key: v.Key, versionId: v.VersionId ?? null, size: v.Size ?? 0, lastModified: v.LastModified, etag: v.ETag };
      }
      const found = await mapLimit(markersToCheck(page.CommonPrefixes), MARKER_CHECKS_AT_ONCE, async (cp) => {
        const probe = await send(() => client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: cp, MaxKeys: 1 }), { abortSignal }));
        const deleted = (probe.DeleteMarkers ?? []).some((m) => m.Key === cp && m.IsLatest);
        const current = (probe.Versions ?? []).find((v) => v.Key === cp && v.IsLatest);
        return current && !deleted
          ? { key: cp, versionId: current.VersionId ?? null, size: current.Size ?? 0, lastModified: current.LastModified, etag: current.ETag }
          : undefined;
      });
      for (const marker of found) if (marker) yield marker;
      if (!page.IsTruncated) return;
      keyMarker = page.NextKeyMarker;
      versionIdMarker = page.NextVersionIdMarker;
    }
  }
}

/** Whether the selection's bucket keeps versions, as given or as GetBucketVersioning says. */
export async function resolveVersioned(client: S3Client, selection: TargetSelection, context: ListingContext = {}): Promise<boolean> {
  if (selection.versioned !== undefined) return selection.versioned;
  return withRetries(() => isVersioned(client, selection.bucket, context.signal), { policy: context.retry, signal: context.signal, onRetry: context.onRetry });
}

/** Whether the bucket has Object Lock enabled (then objects may be under retention or a legal hold). */
export async function resolveObjectLock(client: S3Client, bucket: string, context: ListingContext = {}): Promise<boolean> {
  try {
    const answer = await withRetries(() => client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }), { abortSignal: context.signal }), {
      policy: context.retry,
      signal: context.signal,
      onRetry: context.onRetry,
    });
    return answer.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
  } catch (error) {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    // No configuration, or a server without the API: no Object Lock.
    if (e?.name === 'ObjectLockConfigurationNotFoundError' || e?.$metadata?.httpStatusCode === 404 || e?.$metadata?.httpStatusCode === 501) return false;
    throw error;
  }
}

/** Every current object under the selection's prefixes, each with its verdict: target, exempt or young. */
export async function* listSelection(
  client: S3Client,
  selection: TargetSelection & { versioned: boolean },
  context: ListingContext = {},
): AsyncGenerator<ListedObject> {
  const exempt = exemptionMatcher([...selection.exemptGlobs]);
  const olderThan = selection.olderThan === null ? undefined : Date.parse(selection.olderThan);
  if (olderThan !== undefined && Number.isNaN(olderThan)) throw new Error(`olderThan "${selection.olderThan}" is not an ISO-8601 date`);
  for (const prefix of new Set(selection.prefixes)) {
    for await (const o of listObjectsUnderPrefix(client, selection.bucket, prefix, selection.versioned, context)) {
      const verdict: ObjectVerdict = exempt(o.key)
        ? 'exempt'
        : olderThan !== undefined && o.lastModified !== undefined && o.lastModified.getTime() >= olderThan
          ? 'young'
          : 'target';
      yield { ...o, prefix, verdict };
    }
  }
}

/**
 * The first key `prefix` holds that the selection would tag, or undefined (it stops at the first).
 * For hints such as "--prefix logs/ selects nothing, but logs would", never for choosing by itself.
 */
export async function firstTargetUnder(
  client: S3Client,
  selection: TargetSelection & { versioned: boolean },
  prefix: string,
  context: ListingContext = {},
): Promise<string | undefined> {
  for await (const o of listSelection(client, { ...selection, prefixes: [prefix] }, context)) if (o.verdict === 'target') return o.key;
  return undefined;
}

/** The objects to tag (neither exempt nor young), in the shape a Batch Operations manifest takes. */
export async function* listTaggingTargets(
  client: S3Client,
  selection: TargetSelection,
  context: ListingContext = {},
): AsyncGenerator<{ bucket: string; key: string; versionId?: string; size: number }> {
  const versioned = await resolveVersioned(client, selection, context);
  for await (const o of listSelection(client, { ...selection, versioned }, context)) {
    if (o.verdict === 'target') yield { bucket: selection.bucket, key: o.key, ...(o.versionId !== null ? { versionId: o.versionId } : {}), size: o.size };
  }
}

export interface TaggingPreview {
  bucket: string;
  versioned: boolean;
  /** The objects that would be read and, unless already tagged or kept, tagged. */
  objects: number;
  bytes: number;
  byPrefix: { prefix: string; objects: number; bytes: number }[];
  /** Left alone: last modified at or after `olderThan`. */
  young: number;
  /** Left alone: matched an exemption glob. */
  exempt: number;
  /** List requests this preview made; the run makes about as many again. */
  listRequests: number;
  /** Object Lock is on: each object's retention and legal hold is read (GetObjectRetention, GetObjectLegalHold) and locked ones are not tagged. */
  objectLock: boolean;
  /**
   * At most: objects already tagged, kept or at the tag limit need no PutObjectTagging. Each object's tags are
   * read, and read again just before the put (S3 has no conditional tagging: a tag added meanwhile is merged, not
   * lost); in an unversioned bucket each tagged object is looked at after the put (HeadObject: still the object
   * listed?); with Object Lock, two lock reads per object.
   */
  requests: { getTagging: number; putTagging: number; headObject: number; objectLockReads: number };
  /** The run's requests (its listing, and the per-object requests above) at list prices. */
  requestCostUsd: number;
  /** Whose prices: 'us-east-1 list prices', or the region's from the AWS Price List API. */
  requestPriceSource: string;
  /** One more tag on each object, while the objects last. */
  tagStorageUsdPerMonth: number;
}

/** A region's request prices, USD per 1,000 (from the AWS Price List API, see priceList.ts). */
export interface RequestPrices {
  putClass: number;
  getClass: number;
  label: string;
}

export interface PreviewProgress {
  listed: number;
  listRequests: number;
}

/** The dry run: lists, counts and prices; changes nothing. */
export async function previewTagging(
  client: S3Client,
  selection: TargetSelection,
  options: { signal?: AbortSignal; onProgress?: (progress: PreviewProgress) => void; retry?: RetryPolicy; requestPrices?: RequestPrices } = {},
): Promise<TaggingPreview> {
  let listRequests = 0;
  let listed = 0;
  let lastReport = 0;
  const context: ListingContext = { signal: options.signal, retry: options.retry, onListRequest: () => listRequests++ };
  const versioned = await resolveVersioned(client, selection, context);
  const objectLock = await resolveObjectLock(client, selection.bucket, context);
  const byPrefix = new Map(selection.prefixes.map((p) => [p, { prefix: p, objects: 0, bytes: 0 }]));
  let young = 0;
  let exempt = 0;
  for await (const o of listSelection(client, { ...selection, versioned }, context)) {
    listed++;
    if (o.verdict === 'young') young++;
    else if (o.verdict === 'exempt') exempt++;
    else {
      const totals = byPrefix.get(o.prefix)!;
      totals.objects++;
      totals.bytes += o.size;
    }
    const now = Date.now();
    if (options.onProgress && now - lastReport >= 200) {
      lastReport = now;
      options.onProgress({ listed, listRequests });
    }
  }
  options.onProgress?.({ listed, listRequests });
  const perPrefix = [...byPrefix.values()];
  const objects = perPrefix.reduce((n, p) => n + p.objects, 0);
  const bytes = perPrefix.reduce((n, p) => n + p.bytes, 0);
  const requests = { getTagging: 2 * objects, putTagging: objects, headObject: versioned ? 0 : objects, objectLockReads: objectLock ? 2 * objects : 0 };
  return {
    bucket: selection.bucket,
    versioned,
    objects,
    bytes,
    byPrefix: perPrefix,
    young,
    exempt,
    listRequests,
    objectLock,
    requests,
    requestCostUsd:
      ((listRequests + requests.putTagging) * (options.requestPrices?.putClass ?? PUT_CLASS_USD_PER_1000) +
        (requests.getTagging + requests.headObject + requests.objectLockReads) * (options.requestPrices?.getClass ?? GET_CLASS_USD_PER_1000)) /
      1000,
    requestPriceSource: options.requestPrices?.label ?? 'us-east-1 list prices',
    tagStorageUsdPerMonth: (objects * OBJECT_TAGS_USD_PER_10000_PER_MONTH) / 10_000,
  };
}

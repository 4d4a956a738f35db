// Listing S3: buckets, and one level of a bucket (common prefixes + objects) page by page.
// Every call takes an AbortSignal; paging continues from S3's continuation token, so a level
// of any size is read a page at a time and never held whole.

import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListBucketsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

export interface BucketInfo {
  name: string;
  createdAt: Date | undefined;
  /** The region S3 reports for the bucket in ListBuckets, when it does. */
  region: string | undefined;
}

export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date | undefined;
  storageClass: string;
  etag: string | undefined;
}

export interface ListingPage {
  /** Common prefixes (each ends with the delimiter). */
  prefixes: string[];
  objects: ObjectInfo[];
  /** Present when there is more: pass it back as `continuationToken` for the next page. */
  nextContinuationToken: string | undefined;
}

export interface ListLevelOptions {
  /** Key prefix to list under ('' for the bucket root); server-side, so it works on any bucket size. */
  prefix?: string;
  /** '/' lists one level; '' lists every key under the prefix, flat. */
  delimiter?: string;
  /** Keys per page, 1–1000 (S3 caps a page at 1000). */
  pageSize?: number;
  continuationToken?: string;
  signal?: AbortSignal;
}

export const MAX_PAGE_SIZE = 1000;

export class S3Service {
  constructor(readonly client: S3Client) {}

  /** All buckets the credentials can list, following ListBuckets' continuation tokens where the server pages. */
  async listBuckets(signal?: AbortSignal): Promise<BucketInfo[]> {
    const buckets: BucketInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListBucketsCommand({ ...(token ? { ContinuationToken: token } : {}) }), { abortSignal: signal });
      for (const b of page.Buckets ?? []) {
        if (b.Name) buckets.push({ name: b.Name, createdAt: b.CreationDate, region: b.BucketRegion });
      }
      token = page.ContinuationToken;
    } while (token);
    return buckets;
  }

  /** One page of one level of a bucket. */
  async listPage(bucket: string, options: ListLevelOptions = {}): Promise<ListingPage> {
    const pageSize = clampPageSize(options.pageSize ?? MAX_PAGE_SIZE);
    const delimiter = options.delimiter ?? '/';
    const response = await this.client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: options.prefix || undefined,
        Delimiter: delimiter === '' ? undefined : delimiter,
        MaxKeys: pageSize,
        ContinuationToken: options.continuationToken,
      }),
      { abortSignal: options.signal },
    );
    return {
      prefixes: (response.CommonPrefixes ?? []).flatMap((p) => (p.Prefix !== undefined ? [p.Prefix] : [])),
      objects: (response.Contents ?? []).flatMap((o) =>
        o.Key === undefined ? [] : [{ key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified, storageClass: o.StorageClass ?? 'STANDARD', etag: o.ETag }],
      ),
      nextContinuationToken: response.IsTruncated ? response.NextContinuationToken : undefined,
    };
  }

  async bucketRegion(bucket: string, signal?: AbortSignal): Promise<string | undefined> {
    try {
      const head = await this.client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: signal });
      return head.BucketRegion;
    } catch (error) {
      // A bucket in another region answers 301 with its region in a header.
      const headers = (error as { $response?: { headers?: Record<string, string> } }).$response?.headers;
      const region = headers?.['x-amz-bucket-region'];
      if (region) return region;
      throw error;
    }
  }

  async headObject(bucket: string, key: string, signal?: AbortSignal): Promise<ObjectHead> {
    const head = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    return {
      size: head.ContentLength ?? 0,
      lastModified: head.LastModified,
      contentType: head.ContentType,
      storageClass: head.StorageClass ?? 'STANDARD',
      versionId: head.VersionId,
      etag: head.ETag,
    };
  }

  async getObjectBytes(bucket: string, key: string, signal?: AbortSignal): Promise<Uint8Array> {
    const response = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    return response.Body ? response.Body.transformToByteArray() : new Uint8Array();
  }

  /** Every page of a level, in order; stop early by breaking out of the loop or aborting the signal. */
  async *listPages(bucket: string, options: Omit<ListLevelOptions, 'continuationToken'> = {}): AsyncGenerator<ListingPage> {
    let continuationToken: string | undefined;
    do {
      const page = await this.listPage(bucket, { ...options, continuationToken });
      yield page;
      continuationToken = page.nextContinuationToken;
    } while (continuationToken);
  }
}

export interface ObjectHead {
  size: number;
  lastModified: Date | undefined;
  contentType: string | undefined;
  storageClass: string;
  versionId: string | undefined;
  etag: string | undefined;
}

export function clampPageSize(pageSize: number): number {
  if (!Number.isFinite(pageSize)) return MAX_PAGE_SIZE;
  return Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(pageSize)));
}

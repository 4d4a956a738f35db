// The S3 Batch Operations manifest for very large expirations: a CSV of `bucket,key[,versionId]` rows,
// streamed to S3 in multipart parts so a billion rows never sit in memory at once.
// Multipart by hand (three calls) rather than @aws-sdk/lib-storage: it is not a dependency, and the
// manifest only ever needs sequential parts.

import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { isValidBucketName, parseS3Uri } from '../core/s3uri';

/** Shown wherever a Batch Operations manifest is offered for tagging. */
export const BATCH_OPERATIONS_TAGGING_WARNING =
  'S3 Batch Operations "Replace all object tags" REPLACES each object\'s whole tag set: every tag the objects already ' +
  'had is lost. Use it only when the objects have no tags, or tag with S3 Lifecycle Studio itself, which keeps the ' +
  'existing tags and adds the expiration tag.';

/** The value for CreateJob's Manifest.Spec.Format. */
export const BATCH_MANIFEST_FORMAT = 'S3BatchOperations_CSV_20180820';

export interface BatchManifestTarget {
  bucket: string;
  key: string;
  versionId?: string;
}

export interface BatchManifestWriteResult {
  /** s3://bucket/key of the manifest. */
  location: string;
  objects: number;
  bytes: number;
  /** Without quotes, as CreateJob's Manifest.Location.ETag takes it. */
  etag: string;
  format: typeof BATCH_MANIFEST_FORMAT;
  /** The value for CreateJob's Manifest.Spec.Fields. */
  fields: ('Bucket' | 'Key' | 'VersionId')[];
}

export interface WriteBatchManifestOptions {
  /** Replace an object already at the location; by default the write refuses (If-None-Match: *). */
  overwrite?: boolean;
  /** Multipart part size; at least 5 MiB, S3's minimum for all parts but the last. */
  partSizeBytes?: number;
}

export class BatchManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BatchManifestError';
  }
}

const MIN_PART_BYTES = 5 * 1024 * 1024;
const DEFAULT_PART_BYTES = 8 * 1024 * 1024;
const MAX_PARTS = 10_000;
// Real version IDs are URL-safe base64-like text; anything that could break a CSV row is refused, not escaped.
const VERSION_ID = /^[\x21-\x7e]+$/;

/**
 * A key as the manifest wants it: AWS requires URL-encoded keys and its examples keep '/' as is
 * (`photos/jpgs/objectkey4`, `object%20key%20with%20spaces`), so each '/'-segment is percent-encoded
 * with encodeURIComponent — which also encodes ',', '"', '+' and '%', the characters that would
 * otherwise break the CSV or be decoded as something else.
 */
export function manifestKey(key: string): string {
  try {
    return key.split('/').map(encodeURIComponent).join('/');
  } catch {
    throw new BatchManifestError(`The key ${JSON.stringify(key)} is not valid Unicode text, so it cannot be URL-encoded for a manifest.`);
  }
}

export function batchManifestLine(target: BatchManifestTarget): string {
  if (!isValidBucketName(target.bucket))
    throw new BatchManifestError(`"${target.bucket}" is not a bucket name; every manifest row needs the bucket of its object.`);
  if (target.key === '') throw new BatchManifestError(`An object in bucket "${target.bucket}" has an empty key; a manifest row needs one.`);
  const row = `${target.bucket},${manifestKey(target.key)}`;
  if (target.versionId === undefined) return row;
  if (!VERSION_ID.test(target.versionId) || /[,"]/.test(target.versionId)) {
    throw new BatchManifestError(`The version ID ${JSON.stringify(target.versionId)} of "${target.key}" cannot be written to a CSV manifest.`);
  }
  return `${row},${target.versionId}`;
}

/**
 * The manifest's rows, without line ends. AWS requires a version ID on every row or on none, so a mix is
 * refused rather than written into a manifest the job would reject.
 */
export async function* batchManifestLines(targets: AsyncIterable<BatchManifestTarget> | Iterable<BatchManifestTarget>): AsyncGenerator<string> {
  let withVersions: boolean | undefined;
  for await (const target of targets) {
    const hasVersion = target.versionId !== undefined;
    withVersions ??= hasVersion;
    if (hasVersion !== withVersions) {
      throw new BatchManifestError(
        `"${target.key}" ${hasVersion ? 'has' : 'lacks'} a version ID while the rows before it ${withVersions ? 'have' : 'do not'}: ` +
          'S3 Batch Operations needs a version ID on every row of a manifest or on none.',
      );
    }
    yield batchManifestLine(target);
  }
}

function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

function isPreconditionFailed(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'PreconditionFailed' || e.$metadata?.httpStatusCode === 412;
}

/**
 * Streams the manifest to `location` (s3://bucket/key.csv): one PutObject when it fits in a part, else a
 * multipart upload with sequential parts, aborted if anything fails. Refuses to replace an existing object
 * unless `overwrite` is set, and refuses an empty manifest (a job over no objects fails).
 */
export async function writeBatchManifest(
  client: S3Client,
  targets: AsyncIterable<BatchManifestTarget> | Iterable<BatchManifestTarget>,
  location: string,
  signal?: AbortSignal,
  options: WriteBatchManifestOptions = {},
): Promise<BatchManifestWriteResult> {
  const { bucket, key } = parseS3Uri(location);
  if (key === '' || key.endsWith('/'))
    throw new BatchManifestError(`"${location}" is a folder; give the manifest's own key, such as s3://${bucket}/manifests/expire.csv`);
  const partBytes = options.partSizeBytes ?? DEFAULT_PART_BYTES;
  if (partBytes < MIN_PART_BYTES) throw new BatchManifestError(`The part size must be at least 5 MiB (S3's minimum); got ${partBytes} bytes.`);
  const createOnly = options.overwrite ? {} : { IfNoneMatch: '*' };
  const exists = () => new BatchManifestError(`An object already exists at ${location}; choose another location for the manifest, or allow overwriting it.`);

  let withVersions = false;
  async function* observed() {
    let first = true;
    for await (const target of targets) {
      if (first) withVersions = target.versionId !== undefined;
      first = false;
      yield target;
    }
  }

  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let objects = 0;
  let bytes = 0;
  let uploadId: string | undefined;
  const parts: CompletedPart[] = [];

  const uploadPart = async (body: Buffer) => {
    if (parts.length === MAX_PARTS) throw new BatchManifestError(`The manifest needs more than ${MAX_PARTS} parts; use a larger part size.`);
    const partNumber = parts.length + 1;
    const out = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body }), {
      abortSignal: signal,
    });
    parts.push({ PartNumber: partNumber, ETag: out.ETag });
  };

  try {
    for await (const line of batchManifestLines(observed())) {
      signal?.throwIfAborted();
      const row = Buffer.from(`${line}\n`, 'utf8');
      pending.push(row);
      pendingBytes += row.length;
      objects++;
      bytes += row.length;
      if (pendingBytes < partBytes) continue;
      if (uploadId === undefined) {
        // The conditional complete is the guarantee; this check only saves uploading a manifest that would be refused.
        if (!options.overwrite && (await objectExists(client, bucket, key, signal))) throw exists();
        const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: 'text/csv' }), { abortSignal: signal });
        uploadId = created.UploadId;
      }
      const body = Buffer.concat(pending);
      pending = [];
      pendingBytes = 0;
      await uploadPart(body);
    }
    if (objects === 0) throw new BatchManifestError('There are no objects to list, so no manifest was written.');

    let etag: string | undefined;
    if (uploadId === undefined) {
      const out = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.concat(pending), ContentType: 'text/csv', ...createOnly }), {
        abortSignal: signal,
      });
      etag = out.ETag;
    } else {
      if (pendingBytes > 0) await uploadPart(Buffer.concat(pending));
      const out = await client.send(
        new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts }, ...createOnly }),
        { abortSignal: signal },
      );
      etag = out.ETag;
      uploadId = undefined;
    }
    return {
      location: `s3://${bucket}/${key}`,
      objects,
      bytes,
      etag: unquote(etag),
      format: BATCH_MANIFEST_FORMAT,
      fields: withVersions ? ['Bucket', 'Key', 'VersionId'] : ['Bucket', 'Key'],
    };
  } catch (error) {
    if (uploadId !== undefined) {
      // Not under the caller's signal: a cancelled run must still not leave billed parts behind.
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    }
    if (isPreconditionFailed(error)) throw exists();
    throw error;
  }
}

async function objectExists(client: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    return true;
  } catch (error) {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return false;
    throw error;
  }
}

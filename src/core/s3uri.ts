// S3 locations as users type them (`s3://bucket/key/prefix`), parsed and validated once.

export interface S3Location {
  bucket: string;
  /** The key or key prefix; '' for the whole bucket. */
  key: string;
}

// S3 general-purpose bucket naming rules: 3–63 chars, lowercase letters, digits, dots and hyphens,
// beginning and ending with a letter or digit. Older buckets may hold uppercase or underscores; accept those too.
const BUCKET_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{1,61}[a-zA-Z0-9]$/;

export function isValidBucketName(name: string): boolean {
  return BUCKET_NAME.test(name) && !name.includes('..');
}

export class S3UriError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'S3UriError';
  }
}

/** Parses `s3://bucket[/key]`. Throws an S3UriError that says what a valid location looks like. */
export function parseS3Uri(uri: string): S3Location {
  const trimmed = uri.trim();
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/s.exec(trimmed);
  if (!match) {
    throw new S3UriError(`"${uri}" is not an S3 location: write it as s3://bucket/prefix/`);
  }
  const bucket = match[1]!;
  if (!isValidBucketName(bucket)) {
    throw new S3UriError(`"${bucket}" is not a valid bucket name (3–63 letters, digits, dots or hyphens)`);
  }
  return { bucket, key: match[2] ?? '' };
}

export function formatS3Uri(location: S3Location): string {
  return `s3://${location.bucket}/${location.key}`;
}

/** The ARN of a bucket or object; `partition` is `aws` outside China and GovCloud. */
export function s3Arn(location: S3Location, partition = 'aws'): string {
  return location.key === '' ? `arn:${partition}:s3:::${location.bucket}` : `arn:${partition}:s3:::${location.bucket}/${location.key}`;
}

// Turns AWS SDK and network errors into messages a user can act on. Never includes credentials.

export type S3ErrorKind = 'noCredentials' | 'accessDenied' | 'notFound' | 'unreachable' | 'throttled' | 'cancelled' | 'other';

export interface DescribedError {
  kind: S3ErrorKind;
  /** A sentence that says what happened and what to do. */
  message: string;
}

interface ErrorLike {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

export function describeS3Error(error: unknown, target: { endpoint: string; bucket?: string }): DescribedError {
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as ErrorLike;
  const name = e.name ?? '';
  const code = e.code ?? (e.cause as ErrorLike | undefined)?.code ?? '';
  const status = e.$metadata?.httpStatusCode;
  const where = target.bucket ? `bucket "${target.bucket}"` : 'S3';
  const endpoint = target.endpoint === '' ? 'AWS' : target.endpoint;

  if (name === 'AbortError' || code === 'ABORT_ERR') {
    return { kind: 'cancelled', message: 'Cancelled.' };
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials|Unable to locate credentials/i.test(e.message ?? '')) {
    return {
      kind: 'noCredentials',
      message:
        'No AWS credentials found: choose a profile (S3 Lifecycle: Choose AWS Profile), run `aws sso login` for an SSO profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.',
    };
  }
  if (name === 'AccessDenied' || name === 'AllAccessDisabled' || status === 403) {
    return { kind: 'accessDenied', message: `Access denied to ${where}: the credentials in use lack permission for this request.` };
  }
  if (name === 'NoSuchBucket' || name === 'NotFound' || status === 404) {
    return { kind: 'notFound', message: `${where === 'S3' ? 'The resource' : `The ${where}`} does not exist at ${endpoint}.` };
  }
  if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN'].includes(code) || name === 'TimeoutError') {
    return {
      kind: 'unreachable',
      message: `Cannot reach the S3 endpoint ${endpoint} (${code || name}): check the endpoint (setting s3lifecycle.endpoint, or --endpoint) and that the server is running.`,
    };
  }
  if (name === 'SlowDown' || name === 'ThrottlingException' || name === 'TooManyRequestsException' || status === 503) {
    return { kind: 'throttled', message: `S3 is throttling requests to ${where} (retried with backoff); try again shortly.` };
  }
  return {
    kind: 'other',
    message: `S3 request failed${target.bucket ? ` for bucket "${target.bucket}"` : ''}: ${name ? `${name}: ` : ''}${e.message ?? 'unknown error'}`,
  };
}

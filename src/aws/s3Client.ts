// Builds the S3 client for a connection: the SDK's credential chain (environment, shared files,
// named and SSO profiles, role assumption), a region, and an optional custom endpoint.

import { S3Client } from '@aws-sdk/client-s3';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionSettings } from '../core/settings';
import { regionOfProfile } from '../core/awsProfiles';

export const FALLBACK_REGION = 'us-east-1';

export interface S3ClientOptions {
  /**
   * Sockets per host (the SDK's default is 50). Bulk work with N requests in flight needs at least N,
   * or requests queue for a socket; keep-alive stays on so they are reused.
   */
  maxSockets?: number;
  /**
   * Resolve the SDK's middleware stack once per command type instead of once per request: it
   * roughly halves the client's CPU per small request. It applies only to `send(command)` calls
   * without options (no abortSignal), so bulk code cancels by racing the request (see backoff.ts).
   */
  cacheMiddleware?: boolean;
}

export function createS3Client(connection: ConnectionSettings, env: NodeJS.ProcessEnv = process.env, options: S3ClientOptions = {}): S3Client {
  const agent =
    options.maxSockets === undefined
      ? {}
      : { httpAgent: { keepAlive: true, maxSockets: options.maxSockets }, httpsAgent: { keepAlive: true, maxSockets: options.maxSockets } };
  const profile = connection.profile === '' ? undefined : connection.profile;
  return new S3Client({
    ...(profile ? { profile } : {}),
    region: connection.region !== '' ? connection.region : () => resolveRegion(profile, env),
    credentials: fromNodeProviderChain(profile ? { profile } : {}),
    ...(connection.endpoint !== '' ? { endpoint: connection.endpoint } : {}),
    forcePathStyle: connection.forcePathStyle,
    ...(options.cacheMiddleware ? { cacheMiddleware: true } : {}),
    // Throttling (503 SlowDown) and transient network errors are retried with exponential backoff.
    maxAttempts: 5,
    retryMode: 'standard',
    // An unreachable endpoint must fail in seconds, not after the OS's TCP timeout.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000, ...agent },
  });
}

/** The region when no setting names one: the environment, then the profile's `region`, then us-east-1. */
export async function resolveRegion(profile: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const fromEnv = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (fromEnv) return fromEnv;
  const configPath = env.AWS_CONFIG_FILE || join(homedir(), '.aws', 'config');
  try {
    const text = await readFile(configPath, 'utf8');
    return regionOfProfile(text, profile ?? env.AWS_PROFILE ?? 'default') ?? FALLBACK_REGION;
  } catch {
    return FALLBACK_REGION;
  }
}

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

export function createS3Client(connection: ConnectionSettings, env: NodeJS.ProcessEnv = process.env): S3Client {
  const profile = connection.profile === '' ? undefined : connection.profile;
  return new S3Client({
    ...(profile ? { profile } : {}),
    region: connection.region !== '' ? connection.region : () => resolveRegion(profile, env),
    credentials: fromNodeProviderChain(profile ? { profile } : {}),
    ...(connection.endpoint !== '' ? { endpoint: connection.endpoint } : {}),
    forcePathStyle: connection.forcePathStyle,
    // Throttling (503 SlowDown) and transient network errors are retried with exponential backoff.
    maxAttempts: 5,
    retryMode: 'standard',
    // An unreachable endpoint must fail in seconds, not after the OS's TCP timeout.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
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

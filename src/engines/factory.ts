// The engine the settings choose: the embedded DuckDB (default) or Athena.

import type { S3Client } from '@aws-sdk/client-s3';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { resolveRegion } from '../aws/s3Client';
import type { StudioSettings } from '../core/settings';
import type { QueryEngine } from './engine';
import { AthenaEngine } from './athena';
import { LocalEngine } from './local';

export interface EngineDependencies {
  cacheDir: string;
  s3: () => S3Client;
  env?: NodeJS.ProcessEnv;
}

/** The local engine, or an Athena engine with the connection's credentials and region. */
export async function createQueryEngine(settings: Pick<StudioSettings, 'engine' | 'athena' | 'connection'>, deps: EngineDependencies): Promise<QueryEngine> {
  if (settings.engine !== 'athena') return new LocalEngine({ cacheDir: deps.cacheDir, s3: deps.s3 });
  const { connection, athena } = settings;
  const profile = connection.profile === '' ? undefined : connection.profile;
  return new AthenaEngine({
    clientConfig: {
      region: connection.region !== '' ? connection.region : () => resolveRegion(profile, deps.env ?? process.env),
      credentials: fromNodeProviderChain(profile ? { profile } : {}),
      // An S3-compatible test server (moto) serves Athena's API on the same endpoint.
      ...(connection.endpoint !== '' ? { endpoint: connection.endpoint } : {}),
      maxAttempts: 5,
    },
    s3Client: deps.s3(),
    cacheDir: deps.cacheDir,
    workgroup: athena.workgroup,
    outputLocation: athena.outputLocation,
    database: athena.database,
    catalog: athena.catalog,
  });
}

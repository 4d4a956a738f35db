// The engine the settings choose: the embedded DuckDB (default) or Athena.

import type { S3Client } from '@aws-sdk/client-s3';
import type { StudioSettings } from '../core/settings';
import type { QueryEngine } from './engine';
import { LocalEngine } from './local';

export interface EngineDependencies {
  cacheDir: string;
  s3: () => S3Client;
}

export function createQueryEngine(settings: Pick<StudioSettings, 'engine' | 'athena' | 'connection'>, deps: EngineDependencies): QueryEngine {
  if (settings.engine === 'athena') throw new Error('the Athena engine is not wired yet');
  return new LocalEngine({ cacheDir: deps.cacheDir, s3: deps.s3 });
}

// Connection options shared by the CLI's commands: the same settings the extension reads, from
// flags first, then S3LIFECYCLE_* environment variables.

import { createS3Client } from '../aws/s3Client';
import { S3Service } from '../aws/s3Service';
import { parseSettings, type SettingKey, type StudioSettings } from '../core/settings';
import type { CliCommand, CliIo, ParsedCommandLine } from './framework';

export const CONNECTION_OPTIONS: CliCommand['options'] = {
  profile: { type: 'string', description: 'AWS profile (env S3LIFECYCLE_PROFILE; default: the credential chain)', valueName: 'name' },
  region: { type: 'string', description: 'AWS region (env S3LIFECYCLE_REGION)', valueName: 'region' },
  endpoint: { type: 'string', description: 'S3-compatible endpoint URL (env S3LIFECYCLE_ENDPOINT)', valueName: 'url' },
  'path-style': { type: 'boolean', description: 'Path-style addressing, for most S3-compatible servers (env S3LIFECYCLE_FORCE_PATH_STYLE=true)' },
};

const ENV_NAMES: Partial<Record<SettingKey, string>> = {
  profile: 'S3LIFECYCLE_PROFILE',
  region: 'S3LIFECYCLE_REGION',
  endpoint: 'S3LIFECYCLE_ENDPOINT',
  forcePathStyle: 'S3LIFECYCLE_FORCE_PATH_STYLE',
  engine: 'S3LIFECYCLE_ENGINE',
  'athena.workgroup': 'S3LIFECYCLE_ATHENA_WORKGROUP',
  'athena.outputLocation': 'S3LIFECYCLE_ATHENA_OUTPUT_LOCATION',
  'athena.database': 'S3LIFECYCLE_ATHENA_DATABASE',
  'athena.catalog': 'S3LIFECYCLE_ATHENA_CATALOG',
  'query.inventoryLocation': 'S3LIFECYCLE_INVENTORY',
  'query.logsLocation': 'S3LIFECYCLE_LOGS',
  'retention.priceSource': 'S3LIFECYCLE_PRICE_SOURCE',
  'retention.priceListEndpoint': 'S3LIFECYCLE_PRICE_LIST_ENDPOINT',
};

const FLAG_NAMES: Partial<Record<SettingKey, string>> = {
  profile: 'profile',
  region: 'region',
  endpoint: 'endpoint',
  forcePathStyle: 'path-style',
  engine: 'engine',
  'query.inventoryLocation': 'inventory',
  'query.logsLocation': 'logs',
  'retention.priceSource': 'price-source',
  'retention.priceListEndpoint': 'price-list-endpoint',
};

/** The same settings the extension reads, from flags first, then S3LIFECYCLE_* environment variables. */
export function settingsFromCommandLine(args: ParsedCommandLine, env: NodeJS.ProcessEnv): { settings: StudioSettings; warnings: string[] } {
  const { settings, problems } = parseSettings((key) => {
    const flag = FLAG_NAMES[key];
    const fromFlag = flag === undefined ? undefined : args.values[flag];
    if (fromFlag !== undefined) return fromFlag;
    const envName = ENV_NAMES[key];
    const fromEnv = envName === undefined ? undefined : env[envName];
    if (fromEnv === undefined || fromEnv === '') return undefined;
    return key === 'forcePathStyle' ? /^(1|true|yes)$/i.test(fromEnv) : fromEnv;
  });
  return { settings, warnings: problems.map((p) => p.message) };
}

export function connect(args: ParsedCommandLine, io: CliIo): { settings: StudioSettings; s3: S3Service } {
  const { settings, warnings } = settingsFromCommandLine(args, io.env);
  for (const warning of warnings) io.err(`warning: ${warning}\n`);
  return { settings, s3: new S3Service(createS3Client(settings.connection, io.env)) };
}


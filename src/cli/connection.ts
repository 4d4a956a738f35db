// Connection options shared by the CLI's commands: the same settings the extension reads, from
// flags first, then S3LIFECYCLE_* environment variables.

import { cliPaths, ConnectionScope } from '../app/scope';
import { parseSettings, type SettingKey, type StudioSettings } from '../core/settings';
import { UsageError, type CliCommand, type CliIo, type ParsedCommandLine } from './framework';

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

/** Where the prices of a region other than us-east-1 come from (retention, tag-expire). */
export const PRICE_LIST_OPTIONS: CliCommand['options'] = {
  'price-source': {
    type: 'string',
    description: 'auto (default: a region other than us-east-1 on AWS reads its prices from the AWS Price List API) or builtIn (env S3LIFECYCLE_PRICE_SOURCE)',
    valueName: 'auto|builtIn',
  },
  'price-list-endpoint': {
    type: 'string',
    description: "The AWS Price List API's endpoint, e.g. a VPC endpoint (env S3LIFECYCLE_PRICE_LIST_ENDPOINT)",
    valueName: 'url',
  },
};

/** A wrong --price-source is a usage error (in the environment or settings it is a warning, and auto is used). */
export function checkPriceSource(args: ParsedCommandLine, command: CliCommand): void {
  const value = args.values['price-source'];
  if (value !== undefined && value !== 'auto' && value !== 'builtIn')
    throw new UsageError(`--price-source must be auto or builtIn, not "${String(value)}"`, command);
}

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

/**
 * The settings from the command line, warnings printed, and the scope every client and engine of
 * the command is made in; the command disposes it when it ends.
 */
export function openScope(args: ParsedCommandLine, io: CliIo): ConnectionScope {
  const { settings, warnings } = settingsFromCommandLine(args, io.env);
  for (const warning of warnings) io.err(`warning: ${warning}\n`);
  return new ConnectionScope(settings, cliPaths(io.env), io.env);
}

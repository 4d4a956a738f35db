// The extension's settings as one typed, validated value. Both shells read the same keys:
// the extension from the VS Code configuration, the CLI from flags and environment variables.

import { parseConnections, type ConnectionConfig } from './connections';
import { parseS3Uri } from './s3uri';

export const SETTINGS_SECTION = 's3lifecycle';

export type EngineKind = 'local' | 'athena';
export const ENGINE_KINDS: readonly EngineKind[] = ['local', 'athena'];

export interface ConnectionSettings {
  /** Named AWS profile; '' means the default credential chain. */
  profile: string;
  /** Default region; '' means the profile's or the environment's. */
  region: string;
  /** Custom endpoint for S3-compatible servers; '' means AWS. */
  endpoint: string;
  forcePathStyle: boolean;
}

export interface AthenaSettings {
  workgroup: string;
  outputLocation: string;
  database: string;
  catalog: string;
}

export interface ExplorerSettings {
  /** Keys per listing request (1–1000). */
  pageSize: number;
  /** Items one tree level keeps; past it the earliest pages are let go. */
  maxItemsPerLevel: number;
  /** Largest object opened in an editor. */
  previewMaxBytes: number;
}

/** Where the local engine finds the sources of the SQL templates (s3:// URIs or local paths; '' for none). */
export interface QuerySettings {
  inventoryLocation: string;
  logsLocation: string;
}

export interface StudioSettings {
  connection: ConnectionSettings;
  query: QuerySettings;
  /** The default connection (from `connection`) and the configured ones, for the tree. */
  connections: ConnectionConfig[];
  engine: EngineKind;
  athena: AthenaSettings;
  explorer: ExplorerSettings;
}

/** Every setting key this product reads (relative to the `s3lifecycle` section), with its default. */
export const SETTING_DEFAULTS = {
  profile: '',
  region: '',
  endpoint: '',
  forcePathStyle: false,
  engine: 'local',
  'athena.workgroup': 'primary',
  'athena.outputLocation': '',
  'athena.database': 'default',
  'athena.catalog': 'AwsDataCatalog',
  'query.inventoryLocation': '',
  'query.logsLocation': '',
  connections: [],
  extraBuckets: [],
  'explorer.pageSize': 1000,
  'explorer.maxItemsPerLevel': 10000,
  'explorer.previewMaxBytes': 10485760,
} as const;

export type SettingKey = keyof typeof SETTING_DEFAULTS;

export interface SettingsProblem {
  key: SettingKey;
  message: string;
}

export interface ParsedSettings {
  settings: StudioSettings;
  /** Values that were ignored, each with what the user should change. */
  problems: SettingsProblem[];
}

/**
 * Reads and validates the settings through `get`, which returns the raw value of a key or undefined.
 * An invalid value is replaced by its default and reported as a problem, never thrown: one typo in
 * settings.json must not stop the extension from starting.
 */
export function parseSettings(get: (key: SettingKey) => unknown): ParsedSettings {
  const problems: SettingsProblem[] = [];

  const str = (key: SettingKey & keyof typeof SETTING_DEFAULTS): string => {
    const raw = get(key);
    const fallback = SETTING_DEFAULTS[key] as string;
    if (raw === undefined || raw === null) return fallback;
    if (typeof raw !== 'string') {
      problems.push({ key, message: `s3lifecycle.${key} must be a string; using "${fallback}"` });
      return fallback;
    }
    return raw.trim();
  };

  const rawPathStyle = get('forcePathStyle');
  let forcePathStyle: boolean = SETTING_DEFAULTS.forcePathStyle;
  if (typeof rawPathStyle === 'boolean') forcePathStyle = rawPathStyle;
  else if (rawPathStyle !== undefined && rawPathStyle !== null) {
    problems.push({ key: 'forcePathStyle', message: 's3lifecycle.forcePathStyle must be true or false; using false' });
  }

  let endpoint = str('endpoint');
  if (endpoint !== '') {
    const endpointProblem = checkEndpoint(endpoint);
    if (endpointProblem) {
      problems.push({ key: 'endpoint', message: `${endpointProblem}; connecting to AWS instead` });
      endpoint = '';
    }
  }

  let region = str('region');
  if (region !== '' && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    problems.push({ key: 'region', message: `s3lifecycle.region "${region}" is not a region name like us-east-1; using the default region` });
    region = '';
  }

  let engine = str('engine') as EngineKind;
  if (!ENGINE_KINDS.includes(engine)) {
    problems.push({ key: 'engine', message: `s3lifecycle.engine must be "local" or "athena", not "${engine}"; using "local"` });
    engine = 'local';
  }

  let outputLocation = str('athena.outputLocation');
  if (outputLocation !== '') {
    try {
      parseS3Uri(outputLocation);
    } catch (error) {
      problems.push({ key: 'athena.outputLocation', message: `s3lifecycle.athena.outputLocation: ${(error as Error).message}` });
      outputLocation = '';
    }
  }

  const int = (key: 'explorer.pageSize' | 'explorer.maxItemsPerLevel' | 'explorer.previewMaxBytes', min: number, max: number): number => {
    const raw = get(key);
    const fallback = SETTING_DEFAULTS[key];
    if (raw === undefined || raw === null) return fallback;
    if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min || raw > max) {
      problems.push({ key, message: `s3lifecycle.${key} must be a whole number from ${min} to ${max}; using ${fallback}` });
      return fallback;
    }
    return raw;
  };

  const connection = { profile: str('profile'), region, endpoint, forcePathStyle };
  const parsedConnections = parseConnections(connection, get('connections'), get('extraBuckets'));
  for (const message of parsedConnections.problems) problems.push({ key: 'connections', message });

  return {
    settings: {
      connection,
      connections: parsedConnections.connections,
      explorer: {
        pageSize: int('explorer.pageSize', 1, 1000),
        maxItemsPerLevel: int('explorer.maxItemsPerLevel', 100, 1_000_000),
        previewMaxBytes: int('explorer.previewMaxBytes', 1024, 1024 * 1024 * 1024),
      },
      engine,
      query: { inventoryLocation: str('query.inventoryLocation').trim(), logsLocation: str('query.logsLocation').trim() },
      athena: {
        workgroup: str('athena.workgroup') || SETTING_DEFAULTS['athena.workgroup'],
        outputLocation,
        database: str('athena.database') || SETTING_DEFAULTS['athena.database'],
        catalog: str('athena.catalog') || SETTING_DEFAULTS['athena.catalog'],
      },
    },
    problems,
  };
}

/** Why `endpoint` is not a usable S3 endpoint URL, or undefined when it is. */
export function checkEndpoint(endpoint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return `s3lifecycle.endpoint "${endpoint}" is not a URL: write it as http://host:port or https://host`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `s3lifecycle.endpoint "${endpoint}" must start with http:// or https://`;
  }
  if (url.username || url.password) {
    return 's3lifecycle.endpoint must not contain credentials: use a profile or environment variables';
  }
  return undefined;
}

/** A one-line, credential-free description of where requests go, for logs, the panel and the CLI. */
export function describeConnection(connection: ConnectionSettings): string {
  const target = connection.endpoint === '' ? 'AWS' : connection.endpoint;
  const profile = connection.profile === '' ? 'default credential chain' : `profile ${connection.profile}`;
  const region = connection.region === '' ? 'default region' : connection.region;
  const style = connection.forcePathStyle ? ', path-style' : '';
  return `${target} (${profile}, ${region}${style})`;
}

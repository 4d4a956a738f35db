// The extension's settings as one typed, validated value. Both shells read the same keys:
// the extension from the VS Code configuration, the CLI from flags and environment variables.

import { checkEndpoint, type ConnectionSettings } from './connectionSettings';
import { parseConnections, type ConnectionConfig } from './connections';

export { checkEndpoint, describeConnection, type ConnectionSettings } from './connectionSettings';
import { parseS3Uri } from './s3uri';

export const SETTINGS_SECTION = 's3lifecycle';

export type EngineKind = 'local' | 'athena';
export const ENGINE_KINDS: readonly EngineKind[] = ['local', 'athena'];

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

/** Access-based retention: what the analysis counts and exempts, and what savings it shows. */
export interface RetentionSettings {
  /** Days in the access window, ending with the as-of date. */
  windowDays: number;
  /** Days before the as-of date searched for a prefix's last access. */
  lookbackDays: number;
  /** Glob patterns of keys that never expire (`*` within a segment, `**` across segments). */
  exemptGlobs: string[];
  /** A tag that means "keep": `key` or `key=value`; '' for none. */
  keepTag: string;
  /** Days of the window that may lack access logs before the analysis stops. */
  maxMissingLogDays: number;
  /** Days with under a tenth of the window's median log lines tolerated before they count as missing. */
  maxSuspectLogDays: number;
  /** Malformed log lines tolerated, in percent of the window's lines (one naming a key always stops the analysis). */
  maxMalformedLogLinesPercent: number;
  /** The region whose prices the savings use; '' for the connection's region. */
  pricingRegion: string;
  /** 'auto': a region other than us-east-1 on AWS takes its prices from the AWS Price List API; 'builtIn': never. */
  priceSource: 'auto' | 'builtIn';
  /** The Price List API's endpoint ('' for AWS's): a VPC endpoint, say. */
  priceListEndpoint: string;
  /** USD per GB-month by storage class, over the built-in list prices. */
  storagePrices: Record<string, number>;
  /** A folder of SQL templates used in place of the built-ins of the same name; '' for the built-ins only. */
  templatesFolder: string;
}

/** Tagging for expiration: the tag, the lifecycle rule's days, how hard to push S3 and when to ask twice. */
export interface ExpirationSettings {
  /** `key=value` written on every object to expire. */
  tag: string;
  /** The rule's Expiration days (counted by S3 from each object's creation). */
  days: number;
  /** NoncurrentVersionExpiration days, for versioned buckets. */
  noncurrentDays: number;
  concurrency: number;
  /** Above this many objects the user types the bucket name to confirm. */
  confirmThreshold: number;
  /** Above this many objects an S3 Batch Operations manifest is offered as well. */
  batchOperationsThreshold: number;
}

/** How the deletion player reads a lifecycle deletion (`renderDeletion`'s options). */
export interface DeletionSettings {
  /** The image's largest side in pixels (a bucket with fewer objects gets a pixel per object). */
  size: number;
  /** One frame per minute, hour or day of the access logs. */
  granularity: 'minute' | 'hour' | 'day';
  layout: 'hilbert' | 'rows';
  /** How keys are grouped into the image's segments (what hovering a pixel names). */
  segmentBy: DeletionSegmentBy;
  /** Draw the header band (time, counts, deletions per second) into the frames and the GIF. */
  header: boolean;
}

/** How "Build Index Here" builds a new key index (an existing index keeps its own: docs/index-format.md). */
export interface IndexBuildSettings {
  /** The time bucket of a key's timestamp that its entry goes to. */
  granularity: 'second' | 'minute' | 'hour' | 'day';
  /** Bloom filter bits per key: 10.5 gives about 1% false positives. */
  bitsPerKey: number;
  /** Entries per part file at most. */
  partEntries: number;
}

export type DeletionSegmentBy = { by: 'characters'; length: number } | { by: 'path'; depth: number };

/** `characters:N` (the first N characters of the key) or `path:N` (its first N path segments), N from 1 to 1024; undefined when it is neither. */
export function parseSegmentBy(text: string): DeletionSegmentBy | undefined {
  const match = /^(characters|path):(\d{1,4})$/.exec(text.trim());
  if (!match) return undefined;
  const n = Number(match[2]);
  if (match[1] === 'characters') return n >= 1 && n <= 1024 ? { by: 'characters', length: n } : undefined;
  return n >= 1 && n <= 1024 ? { by: 'path', depth: n } : undefined;
}

export interface StudioSettings {
  connection: ConnectionSettings;
  query: QuerySettings;
  retention: RetentionSettings;
  expiration: ExpirationSettings;
  /** The default connection (from `connection`) and the configured ones, for the tree. */
  connections: ConnectionConfig[];
  engine: EngineKind;
  athena: AthenaSettings;
  explorer: ExplorerSettings;
  deletion: DeletionSettings;
  index: IndexBuildSettings;
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
  'retention.windowDays': 30,
  'retention.lookbackDays': 365,
  'retention.exemptGlobs': [],
  'retention.keepTag': 's3-lifecycle-studio:keep',
  'retention.maxMissingLogDays': 0,
  'retention.maxSuspectLogDays': 0,
  'retention.maxMalformedLogLinesPercent': 0.1,
  'retention.pricingRegion': '',
  'retention.priceSource': 'auto',
  'retention.priceListEndpoint': '',
  'retention.storagePrices': {},
  'retention.templatesFolder': '',
  'expiration.tag': 's3-lifecycle-studio:expire=true',
  'expiration.days': 30,
  'expiration.noncurrentDays': 30,
  'expiration.concurrency': 32,
  'expiration.confirmThreshold': 1000,
  'expiration.batchOperationsThreshold': 1000000,
  connections: [],
  extraBuckets: [],
  'explorer.pageSize': 1000,
  'explorer.maxItemsPerLevel': 10000,
  'explorer.previewMaxBytes': 10485760,
  'deletion.size': 512,
  'deletion.granularity': 'hour',
  'deletion.layout': 'hilbert',
  'deletion.segmentBy': 'path:1',
  'deletion.header': false,
  'index.granularity': 'hour',
  'index.bitsPerKey': 10.5,
  'index.partEntries': 65536,
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
  if (region !== '' && !REGION_PATTERN.test(region)) {
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

  const int = (key: IntegerSettingKey, min: number, max: number): number => {
    const raw = get(key);
    const fallback = SETTING_DEFAULTS[key] as number;
    if (raw === undefined || raw === null) return fallback;
    if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min || raw > max) {
      problems.push({ key, message: `s3lifecycle.${key} must be a whole number from ${min} to ${max}; using ${fallback}` });
      return fallback;
    }
    return raw;
  };

  const percent = (key: 'retention.maxMalformedLogLinesPercent'): number => {
    const raw = get(key);
    const fallback = SETTING_DEFAULTS[key];
    if (raw === undefined || raw === null) return fallback;
    if (typeof raw !== 'number' || !(raw >= 0 && raw <= 100)) {
      problems.push({ key, message: `s3lifecycle.${key} must be a percentage from 0 to 100; using ${fallback}` });
      return fallback;
    }
    return raw;
  };

  const bitsPerKey = (): number => {
    const raw = get('index.bitsPerKey');
    const fallback = SETTING_DEFAULTS['index.bitsPerKey'];
    if (raw === undefined || raw === null) return fallback;
    if (typeof raw !== 'number' || !(raw >= 1 && raw <= 64)) {
      problems.push({
        key: 'index.bitsPerKey',
        message: `s3lifecycle.index.bitsPerKey must be a number from 1 to 64 (10.5 gives about 1% false positives); using ${fallback}`,
      });
      return fallback;
    }
    return raw;
  };

  const exemptGlobs = stringList('retention.exemptGlobs', get, problems);
  const storagePrices = priceTable(get('retention.storagePrices'), problems);
  let keepTag = str('retention.keepTag');
  const keepProblem = keepTag === '' ? undefined : checkTagSetting(keepTag, true);
  if (keepProblem) {
    problems.push({ key: 'retention.keepTag', message: `s3lifecycle.retention.keepTag: ${keepProblem}; using "${SETTING_DEFAULTS['retention.keepTag']}"` });
    keepTag = SETTING_DEFAULTS['retention.keepTag'];
  }
  let expirationTag = str('expiration.tag');
  const tagProblem = checkTagSetting(expirationTag, false);
  if (tagProblem) {
    problems.push({ key: 'expiration.tag', message: `s3lifecycle.expiration.tag: ${tagProblem}; using "${SETTING_DEFAULTS['expiration.tag']}"` });
    expirationTag = SETTING_DEFAULTS['expiration.tag'];
  }
  let pricingRegion = str('retention.pricingRegion');
  if (pricingRegion !== '' && !REGION_PATTERN.test(pricingRegion)) {
    problems.push({
      key: 'retention.pricingRegion',
      message: `s3lifecycle.retention.pricingRegion "${pricingRegion}" is not a region name like us-east-1; using the connection's region`,
    });
    pricingRegion = '';
  }

  let priceSource = str('retention.priceSource') as RetentionSettings['priceSource'];
  if (priceSource !== 'auto' && priceSource !== 'builtIn') {
    problems.push({
      key: 'retention.priceSource',
      message: `s3lifecycle.retention.priceSource must be "auto" or "builtIn", not "${priceSource}"; using "auto"`,
    });
    priceSource = 'auto';
  }
  let priceListEndpoint = str('retention.priceListEndpoint').trim();
  if (priceListEndpoint !== '' && !/^https?:\/\/[^\s/]+/.test(priceListEndpoint)) {
    problems.push({
      key: 'retention.priceListEndpoint',
      message: `s3lifecycle.retention.priceListEndpoint "${priceListEndpoint}" is not an http(s) URL; using AWS's`,
    });
    priceListEndpoint = '';
  }

  const oneOf = <T extends string>(key: 'deletion.granularity' | 'deletion.layout' | 'index.granularity', choices: readonly T[]): T => {
    const value = str(key);
    if ((choices as readonly string[]).includes(value)) return value as T;
    const fallback = SETTING_DEFAULTS[key] as T;
    problems.push({ key, message: `s3lifecycle.${key} must be one of ${choices.map((c) => `"${c}"`).join(', ')}, not "${value}"; using "${fallback}"` });
    return fallback;
  };
  let segmentBy = parseSegmentBy(str('deletion.segmentBy'));
  if (!segmentBy) {
    problems.push({
      key: 'deletion.segmentBy',
      message: `s3lifecycle.deletion.segmentBy must be characters:N or path:N (N from 1 to 1024), not "${str('deletion.segmentBy')}"; using "${SETTING_DEFAULTS['deletion.segmentBy']}"`,
    });
    segmentBy = parseSegmentBy(SETTING_DEFAULTS['deletion.segmentBy'])!;
  }
  const rawHeader = get('deletion.header');
  let header: boolean = SETTING_DEFAULTS['deletion.header'];
  if (typeof rawHeader === 'boolean') header = rawHeader;
  else if (rawHeader !== undefined && rawHeader !== null)
    problems.push({ key: 'deletion.header', message: 's3lifecycle.deletion.header must be true or false; using false' });

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
      retention: {
        windowDays: int('retention.windowDays', 1, 3650),
        lookbackDays: int('retention.lookbackDays', 1, 3650),
        exemptGlobs,
        keepTag,
        maxMissingLogDays: int('retention.maxMissingLogDays', 0, 3650),
        maxSuspectLogDays: int('retention.maxSuspectLogDays', 0, 3650),
        maxMalformedLogLinesPercent: percent('retention.maxMalformedLogLinesPercent'),
        pricingRegion,
        priceSource,
        priceListEndpoint,
        storagePrices,
        templatesFolder: str('retention.templatesFolder').trim(),
      },
      expiration: {
        tag: expirationTag,
        days: int('expiration.days', 1, 36500),
        noncurrentDays: int('expiration.noncurrentDays', 1, 36500),
        concurrency: int('expiration.concurrency', 1, 256),
        confirmThreshold: int('expiration.confirmThreshold', 0, Number.MAX_SAFE_INTEGER),
        batchOperationsThreshold: int('expiration.batchOperationsThreshold', 1, Number.MAX_SAFE_INTEGER),
      },
      deletion: {
        size: int('deletion.size', 16, 2048),
        granularity: oneOf('deletion.granularity', ['minute', 'hour', 'day'] as const),
        layout: oneOf('deletion.layout', ['hilbert', 'rows'] as const),
        segmentBy,
        header,
      },
      index: {
        granularity: oneOf('index.granularity', ['second', 'minute', 'hour', 'day'] as const),
        bitsPerKey: bitsPerKey(),
        partEntries: int('index.partEntries', 1, 4_000_000),
      },
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

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;

type IntegerSettingKey = Exclude<
  {
    [K in SettingKey]: (typeof SETTING_DEFAULTS)[K] extends number ? K : never;
  }[SettingKey],
  'retention.maxMalformedLogLinesPercent' | 'index.bitsPerKey'
>;

function stringList(key: 'retention.exemptGlobs', get: (key: SettingKey) => unknown, problems: SettingsProblem[]): string[] {
  const raw = get(key);
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || !raw.every((item) => typeof item === 'string')) {
    problems.push({ key, message: `s3lifecycle.${key} must be a list of strings; using none` });
    return [];
  }
  return raw.map((item: string) => item.trim()).filter((item) => item !== '');
}

function priceTable(raw: unknown, problems: SettingsProblem[]): Record<string, number> {
  if (raw === undefined || raw === null) return {};
  const valid =
    typeof raw === 'object' &&
    !Array.isArray(raw) &&
    Object.entries(raw).every(([name, price]) => /^[A-Z_]+$/.test(name) && typeof price === 'number' && Number.isFinite(price) && price >= 0);
  if (!valid) {
    problems.push({
      key: 'retention.storagePrices',
      message: 's3lifecycle.retention.storagePrices must map storage classes (STANDARD, GLACIER, …) to USD per GB-month; using the built-in prices',
    });
    return {};
  }
  return { ...(raw as Record<string, number>) };
}

/** Why a `key=value` tag setting is unusable (S3's limits: key 1–128 characters, value up to 256), or undefined. */
export function checkTagSetting(text: string, valueOptional: boolean): string | undefined {
  const eq = text.indexOf('=');
  if (eq < 0 && !valueOptional) return `"${text}" must be written key=value`;
  const key = eq < 0 ? text : text.slice(0, eq);
  const value = eq < 0 ? '' : text.slice(eq + 1);
  if (key.length === 0 || key.length > 128) return `the tag key must have 1 to 128 characters`;
  if (value.length > 256) return `the tag value must have at most 256 characters`;
  if (key.toLowerCase().startsWith('aws:')) return 'tag keys starting with "aws:" are reserved by AWS';
  if (!/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(key) || !/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(value))
    return 'tags may use letters, digits, spaces and _ . : / = + - @ only';
  return undefined;
}

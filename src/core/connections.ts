// Connections shown side by side in the Buckets tree: the default one (the top-level connection
// settings) and any named in `s3lifecycle.connections`, each with buckets added by name for
// people who may read a bucket but not list all of them.

import { checkEndpoint, type ConnectionSettings } from './connectionSettings';
import { isRecord } from './guards';
import { isValidBucketName } from './s3uri';

export const DEFAULT_CONNECTION_ID = 'default';

export interface ConnectionConfig extends ConnectionSettings {
  /** Stable id: `default`, or the name of a configured connection. */
  id: string;
  name: string;
  /** Buckets added by name (shown even when ListBuckets is not allowed). */
  buckets: string[];
}

function bucketList(raw: unknown, where: string, problems: string[]): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    problems.push(`${where} must be a list of bucket names`);
    return [];
  }
  const names: string[] = [];
  for (const entry of raw) {
    if (typeof entry === 'string' && isValidBucketName(entry.trim())) {
      if (!names.includes(entry.trim())) names.push(entry.trim());
    } else problems.push(`${where}: "${String(entry)}" is not a valid bucket name`);
  }
  return names;
}

/**
 * The connections of the tree: the default one first, then each valid entry of
 * `s3lifecycle.connections`. Invalid entries are left out and reported, never thrown.
 */
export function parseConnections(
  defaultConnection: ConnectionSettings,
  rawConnections: unknown,
  rawExtraBuckets: unknown,
): { connections: ConnectionConfig[]; problems: string[] } {
  const problems: string[] = [];
  const connections: ConnectionConfig[] = [
    {
      ...defaultConnection,
      id: DEFAULT_CONNECTION_ID,
      name: defaultConnectionName(defaultConnection),
      buckets: bucketList(rawExtraBuckets, 's3lifecycle.extraBuckets', problems),
    },
  ];
  if (rawConnections !== undefined && rawConnections !== null && !Array.isArray(rawConnections)) {
    problems.push('s3lifecycle.connections must be a list of connections');
    return { connections, problems };
  }
  for (const [i, raw] of ((rawConnections as unknown[] | undefined) ?? []).entries()) {
    const where = `s3lifecycle.connections[${i}]`;
    if (!isRecord(raw)) {
      problems.push(`${where} must be an object with a "name"`);
      continue;
    }
    const name = typeof raw.name === 'string' ? raw.name.trim() : '';
    if (name === '' || name === DEFAULT_CONNECTION_ID) {
      problems.push(`${where} needs a "name" (other than "default")`);
      continue;
    }
    if (connections.some((c) => c.id === name)) {
      problems.push(`${where}: the name "${name}" is used twice`);
      continue;
    }
    const endpoint = typeof raw.endpoint === 'string' ? raw.endpoint.trim() : '';
    const endpointProblem = endpoint === '' ? undefined : checkEndpoint(endpoint);
    if (endpointProblem) {
      problems.push(`${where}: ${endpointProblem}`);
      continue;
    }
    connections.push({
      id: name,
      name,
      profile: typeof raw.profile === 'string' ? raw.profile.trim() : '',
      region: typeof raw.region === 'string' ? raw.region.trim() : '',
      endpoint,
      forcePathStyle: raw.forcePathStyle === true,
      buckets: bucketList(raw.buckets, `${where}.buckets`, problems),
    });
  }
  return { connections, problems };
}

export function defaultConnectionName(connection: ConnectionSettings): string {
  if (connection.profile !== '') return connection.profile;
  if (connection.endpoint !== '') return connection.endpoint.replace(/^https?:\/\//, '');
  return 'AWS';
}

// How one S3 connection is reached (profile, region, endpoint, addressing), and the endpoint check
// both the settings parser and the connection prompts use. Kept apart from settings.ts so the
// connections list and the settings do not import each other.

export interface ConnectionSettings {
  /** Named AWS profile; '' means the default credential chain. */
  profile: string;
  /** Default region; '' means the profile's or the environment's. */
  region: string;
  /** Custom endpoint for S3-compatible servers; '' means AWS. */
  endpoint: string;
  forcePathStyle: boolean;
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

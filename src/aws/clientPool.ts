// One S3 client per connection and region, made when first needed and kept until the settings
// change. Buckets are listed with the connection's client and read with a client in the
// bucket's own region, as S3 reports it.

import type { S3Client } from '@aws-sdk/client-s3';
import type { ConnectionConfig } from '../core/connections';
import { createS3Client } from './s3Client';
import { S3Service } from './s3Service';

export class S3ClientPool {
  private readonly clients = new Map<string, { client: S3Client; service: S3Service }>();
  private readonly regions = new Map<string, Promise<string | undefined>>();

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  /** The service for a connection, optionally pinned to a region other than its default. */
  service(connection: ConnectionConfig, region?: string): S3Service {
    const key = `${connection.id}\u0000${connection.profile}\u0000${connection.endpoint}\u0000${connection.forcePathStyle}\u0000${region ?? connection.region}`;
    let entry = this.clients.get(key);
    if (!entry) {
      const client = createS3Client({ ...connection, region: region ?? connection.region }, this.env);
      entry = { client, service: new S3Service(client) };
      this.clients.set(key, entry);
    }
    return entry.service;
  }

  /** The service in the bucket's region. Custom endpoints have one region: the connection's. */
  async serviceForBucket(connection: ConnectionConfig, bucket: string, knownRegion?: string, signal?: AbortSignal): Promise<S3Service> {
    if (connection.endpoint !== '') return this.service(connection);
    const region = knownRegion ?? (await this.regionOf(connection, bucket, signal));
    return this.service(connection, region);
  }

  /** Whether the connection's credential chain yields credentials at all (no request is sent). */
  async hasCredentials(connection: ConnectionConfig): Promise<boolean> {
    const client = createS3Client(connection, this.env);
    try {
      await client.config.credentials();
      return true;
    } catch {
      return false;
    } finally {
      client.destroy();
    }
  }

  /** The bucket's region as S3 reports it (cached), or undefined when it cannot tell. */
  bucketRegion(connection: ConnectionConfig, bucket: string, signal?: AbortSignal): Promise<string | undefined> {
    return this.regionOf(connection, bucket, signal);
  }

  private regionOf(connection: ConnectionConfig, bucket: string, signal?: AbortSignal): Promise<string | undefined> {
    const key = `${connection.id}\u0000${bucket}`;
    let region = this.regions.get(key);
    if (!region) {
      region = this.service(connection)
        .bucketRegion(bucket, signal)
        .catch(() => undefined);
      this.regions.set(key, region);
    }
    return region;
  }

  dispose(): void {
    for (const { client } of this.clients.values()) client.destroy();
    this.clients.clear();
    this.regions.clear();
  }
}

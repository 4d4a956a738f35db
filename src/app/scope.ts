// One lifetime per connection settings. A scope owns everything made from them: the S3 clients
// (through one pool), the query engines, the clients of tagging runs, and the cache paths. The
// extension's Studio holds one and swaps it when the settings change; a CLI command makes one and
// disposes it when it ends. No S3 or Athena client is created outside a scope, so none outlives it.

import { homedir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { S3ClientPool } from '../aws/clientPool';
import type { PriceLookup } from '../aws/priceList';
import { createS3Client } from '../aws/s3Client';
import type { S3Service } from '../aws/s3Service';
import { DEFAULT_CONNECTION_ID, type ConnectionConfig } from '../core/connections';
import type { EngineKind, StudioSettings } from '../core/settings';
import type { QueryEngine } from '../engines/engine';
import { createQueryEngine } from '../engines/factory';

/** Where a scope keeps what it caches on disk. */
export interface ScopePaths {
  /** Downloaded sources of the local engine, by ETag. */
  queryCache: string;
  /** Prices read from the AWS Price List API. */
  prices: string;
}

/** The CLI's cache folders: S3LIFECYCLE_CACHE_DIR for the query cache, else the XDG cache folder; prices beside it. */
export function cliPaths(env: NodeJS.ProcessEnv): ScopePaths {
  const queryCache = env.S3LIFECYCLE_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 's3-lifecycle-studio', 'query-cache');
  return { queryCache, prices: join(queryCache, '..', 'prices') };
}

/** A configured connection that is no longer there (the settings changed under a remembered id). */
export class ConnectionNotConfiguredError extends Error {
  constructor(readonly connectionId: string) {
    super(`The connection "${connectionId}" is not configured any more: add it again to s3lifecycle.connections, then retry.`);
    this.name = 'ConnectionNotConfiguredError';
  }
}

export interface TaggingClientOptions {
  /** Requests in flight at once; the client gets a few more sockets than that. */
  concurrency: number;
  /** The bucket's region when it is known; looked up on AWS otherwise. */
  bucket?: string;
}

export class ConnectionScope {
  private readonly pool: S3ClientPool;
  private readonly engines = new Map<string, Promise<QueryEngine>>();
  /** Clients of tagging runs: sized for their concurrency, with the response cache middleware. */
  private readonly taggingClients = new Set<S3Client>();
  private disposed: Promise<void> | undefined;

  constructor(
    readonly settings: StudioSettings,
    readonly paths: ScopePaths,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.pool = new S3ClientPool(env);
  }

  /** A connection by id (the default one when none is given). */
  connection(id: string = DEFAULT_CONNECTION_ID): ConnectionConfig {
    const found = this.settings.connections.find((c) => c.id === id);
    if (!found) throw new ConnectionNotConfiguredError(id);
    return found;
  }

  get defaultConnection(): ConnectionConfig {
    return this.settings.connections[0]!;
  }

  /** The clients of the tree and the file system: one per connection and region, kept for the scope's life. */
  get clients(): S3ClientPool {
    this.checkOpen();
    return this.pool;
  }

  /** The S3 service of a connection (the default one unless given). */
  s3Service(connection: ConnectionConfig = this.defaultConnection): S3Service {
    return this.clients.service(connection);
  }

  /** The engine of a kind, reading S3 through a connection (the default one unless given); made once per scope. */
  queryEngine(kind: EngineKind = this.settings.engine, connection: ConnectionConfig = this.defaultConnection): Promise<QueryEngine> {
    this.checkOpen();
    const key = `${kind}\u0000${connection.id}`;
    let engine = this.engines.get(key);
    if (!engine) {
      // The engines read S3 through the pool's client: the scope destroys it, not the engine.
      const s3 = () => this.pool.service(connection).client;
      engine = createQueryEngine({ ...this.settings, connection, engine: kind }, { cacheDir: this.paths.queryCache, s3, env: this.env });
      this.engines.set(key, engine);
    }
    return engine;
  }

  /**
   * A client for one tagging run, in the bucket's region: many sockets and the response cache.
   * The caller releases it when the run ends; the scope destroys whatever is still held when it closes.
   */
  async taggingClient(connectionId: string | undefined, options: TaggingClientOptions): Promise<{ client: S3Client; release(): void }> {
    this.checkOpen();
    const connection = this.connection(connectionId);
    const region = connection.endpoint === '' && options.bucket ? await this.pool.bucketRegion(connection, options.bucket) : undefined;
    const client = createS3Client({ ...connection, ...(region ? { region } : {}) }, this.env, { maxSockets: options.concurrency + 8, cacheMiddleware: true });
    this.taggingClients.add(client);
    return {
      client,
      release: () => {
        if (this.taggingClients.delete(client)) client.destroy();
      },
    };
  }

  /** How prices are looked up for this connection; the caller names the region. */
  priceLookup(connection: ConnectionConfig = this.defaultConnection, signal?: AbortSignal): Omit<PriceLookup, 'region'> {
    return {
      source: this.settings.retention.priceSource,
      customS3Endpoint: connection.endpoint !== '',
      profile: connection.profile,
      endpoint: this.settings.retention.priceListEndpoint,
      cacheDir: this.paths.prices,
      ...(signal ? { signal } : {}),
    };
  }

  /** Closes the engines (waiting for them), then destroys every client. Safe to call twice. */
  dispose(): Promise<void> {
    this.disposed ??= (async () => {
      const engines = [...this.engines.values()];
      this.engines.clear();
      await Promise.all(engines.map(async (engine) => (await engine.catch(() => undefined))?.dispose().catch(() => undefined)));
      for (const client of this.taggingClients) client.destroy();
      this.taggingClients.clear();
      this.pool.dispose();
    })();
    return this.disposed;
  }

  get isDisposed(): boolean {
    return this.disposed !== undefined;
  }

  private checkOpen(): void {
    if (this.disposed) throw new Error('This connection scope was closed when the settings changed; use the current one.');
  }
}

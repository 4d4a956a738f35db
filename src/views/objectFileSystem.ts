// Objects opened in an editor: a read-only file system of our own scheme,
// `s3lifecycle-object://<connection>/<bucket>/<key>`, that reads with GetObject up to a size cap.

import * as vscode from 'vscode';
import type { S3ClientPool } from '../aws/clientPool';
import { describeS3Error } from '../aws/errors';
import type { ConnectionConfig } from '../core/connections';
import { formatBytes } from '../core/format';

export const OBJECT_SCHEME = 's3lifecycle-object';

export function objectUri(connectionId: string, bucket: string, key: string): vscode.Uri {
  return vscode.Uri.from({ scheme: OBJECT_SCHEME, authority: encodeURIComponent(connectionId), path: `/${bucket}/${key}` });
}

export function parseObjectUri(uri: vscode.Uri): { connectionId: string; bucket: string; key: string } {
  const [, bucket = '', ...rest] = uri.path.split('/');
  return { connectionId: decodeURIComponent(uri.authority), bucket, key: rest.join('/') };
}

export class ObjectFileSystem implements vscode.FileSystemProvider {
  private readonly emitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.emitter.event;

  constructor(
    private readonly clients: () => S3ClientPool,
    private readonly connections: () => ConnectionConfig[],
    private readonly maxBytes: () => number,
  ) {}

  private resolve(uri: vscode.Uri) {
    const { connectionId, bucket, key } = parseObjectUri(uri);
    const connection = this.connections().find((c) => c.id === connectionId);
    if (!connection) throw vscode.FileSystemError.Unavailable(vscode.l10n.t('The connection "{0}" is no longer configured.', connectionId));
    return { connection, bucket, key };
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const { connection, bucket, key } = this.resolve(uri);
    try {
      const service = await this.clients().serviceForBucket(connection, bucket);
      const head = await service.headObject(bucket, key);
      const mtime = head.lastModified?.getTime() ?? 0;
      return { type: vscode.FileType.File, ctime: mtime, mtime, size: head.size, permissions: vscode.FilePermission.Readonly };
    } catch (error) {
      throw toFileSystemError(error, uri, connection.endpoint, bucket);
    }
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const { connection, bucket, key } = this.resolve(uri);
    const max = this.maxBytes();
    try {
      const service = await this.clients().serviceForBucket(connection, bucket);
      const head = await service.headObject(bucket, key);
      if (head.size > max) {
        throw vscode.FileSystemError.Unavailable(
          vscode.l10n.t(
            '{0} is {1}, more than the {2} that s3lifecycle.explorer.previewMaxBytes allows to open.',
            `s3://${bucket}/${key}`,
            formatBytes(head.size),
            formatBytes(max),
          ),
        );
      }
      return await service.getObjectBytes(bucket, key);
    } catch (error) {
      if (error instanceof vscode.FileSystemError) throw error;
      throw toFileSystemError(error, uri, connection.endpoint, bucket);
    }
  }

  readDirectory(): [string, vscode.FileType][] {
    return [];
  }
  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }
  createDirectory(): void {
    throw vscode.FileSystemError.NoPermissions();
  }
  writeFile(): void {
    throw vscode.FileSystemError.NoPermissions();
  }
  delete(): void {
    throw vscode.FileSystemError.NoPermissions();
  }
  rename(): void {
    throw vscode.FileSystemError.NoPermissions();
  }
}

function toFileSystemError(error: unknown, uri: vscode.Uri, endpoint: string, bucket: string): vscode.FileSystemError {
  const described = describeS3Error(error, { endpoint, bucket });
  if (described.kind === 'notFound') return vscode.FileSystemError.FileNotFound(uri);
  if (described.kind === 'accessDenied') return vscode.FileSystemError.NoPermissions(described.message);
  return vscode.FileSystemError.Unavailable(described.message);
}

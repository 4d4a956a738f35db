// Commands on the Buckets tree's items: copy a location, open an object, filter a level, load
// more, and manage connections and buckets added by name.

import * as vscode from 'vscode';
import { describeS3Error } from '../aws/errors';
import { DEFAULT_CONNECTION_ID, type ConnectionConfig } from '../core/connections';
import { formatBytes } from '../core/format';
import { s3Arn, isValidBucketName } from '../core/s3uri';
import { checkEndpoint, SETTINGS_SECTION } from '../core/settings';
import type { Studio } from '../studio';
import type { BucketTreeNode, ContainerNode, LoadMoreNode, ObjectNode } from '../views/bucketTree';
import { objectUri } from '../views/objectFileSystem';

function locationOf(node: BucketTreeNode | undefined): { bucket: string; key: string } | undefined {
  if (!node) return undefined;
  switch (node.kind) {
    case 'bucket':
      return { bucket: node.bucket, key: '' };
    case 'prefix':
      return { bucket: node.bucket, key: node.prefix };
    case 'object':
      return { bucket: node.bucket, key: node.object.key };
    default:
      return undefined;
  }
}

function requireNode<T extends BucketTreeNode['kind']>(node: unknown, kinds: T[]): Extract<BucketTreeNode, { kind: T }> {
  const candidate = node as BucketTreeNode | undefined;
  if (!candidate || !kinds.includes(candidate.kind as T)) {
    throw new Error(vscode.l10n.t('Run this command from an item of the Buckets view.'));
  }
  return candidate as Extract<BucketTreeNode, { kind: T }>;
}

export async function copyS3Uri(node: unknown): Promise<string> {
  const location = locationOf(requireNode(node, ['bucket', 'prefix', 'object']));
  const uri = `s3://${location!.bucket}/${location!.key}`;
  await vscode.env.clipboard.writeText(uri);
  void vscode.window.setStatusBarMessage(vscode.l10n.t('Copied {0}', uri), 3000);
  return uri;
}

export async function copyArn(node: unknown): Promise<string> {
  const location = locationOf(requireNode(node, ['bucket', 'prefix', 'object']))!;
  const arn = s3Arn(location);
  await vscode.env.clipboard.writeText(arn);
  void vscode.window.setStatusBarMessage(vscode.l10n.t('Copied {0}', arn), 3000);
  return arn;
}

export async function openObject(studio: Studio, node: unknown): Promise<vscode.Uri | undefined> {
  const object = requireNode(node, ['object']) as ObjectNode;
  const max = studio.settings.explorer.previewMaxBytes;
  if (object.object.size > max) {
    const copy = vscode.l10n.t('Copy S3 URI');
    const settings = vscode.l10n.t('Open Settings');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t(
        '{0} is {1}: larger than the {2} an editor opens (s3lifecycle.explorer.previewMaxBytes).',
        object.object.key,
        formatBytes(object.object.size),
        formatBytes(max),
      ),
      copy,
      settings,
    );
    if (choice === copy) await copyS3Uri(object);
    if (choice === settings) await vscode.commands.executeCommand('workbench.action.openSettings', 's3lifecycle.explorer.previewMaxBytes');
    return undefined;
  }
  const uri = objectUri(object.connection.id, object.bucket, object.object.key);
  await vscode.window.showTextDocument(uri, { preview: true });
  return uri;
}

export async function filterLevel(studio: Studio, node: unknown): Promise<string | undefined> {
  const container = requireNode(node, ['bucket', 'prefix']) as ContainerNode;
  const base = container.kind === 'prefix' ? container.prefix : '';
  const filter = await vscode.window.showInputBox({
    title: vscode.l10n.t('Filter s3://{0}/{1}', container.bucket, base),
    prompt: vscode.l10n.t('Show only keys that start with this text (a server-side prefix: fast on any bucket size). Empty clears the filter.'),
    value: studio.bucketTree.filterOf(container),
    placeHolder: '2024/',
  });
  if (filter === undefined) return undefined;
  studio.bucketTree.setFilter(container, filter);
  return filter;
}

export function clearFilter(studio: Studio, node: unknown): void {
  studio.bucketTree.setFilter(requireNode(node, ['bucket', 'prefix']) as ContainerNode, '');
}

export async function loadMore(studio: Studio, node: unknown): Promise<void> {
  await studio.bucketTree.loadMore(requireNode(node, ['loadMore']) as LoadMoreNode);
}

function configuredConnections(): Record<string, unknown>[] {
  const raw = vscode.workspace.getConfiguration(SETTINGS_SECTION).get<unknown[]>('connections') ?? [];
  return raw.filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null);
}

export async function addConnection(studio: Studio): Promise<string | undefined> {
  const taken = new Set(studio.settings.connections.map((c) => c.id));
  const name = await vscode.window.showInputBox({
    title: vscode.l10n.t('Add Connection (1/3): name'),
    prompt: vscode.l10n.t('A name for the tree, such as "prod" or "minio"'),
    validateInput: (v) => (v.trim() === '' ? vscode.l10n.t('Enter a name') : taken.has(v.trim()) ? vscode.l10n.t('"{0}" is taken', v.trim()) : undefined),
  });
  if (name === undefined) return undefined;
  const endpoint = await vscode.window.showInputBox({
    title: vscode.l10n.t('Add Connection (2/3): endpoint'),
    prompt: vscode.l10n.t('URL of an S3-compatible server; leave empty for AWS'),
    placeHolder: 'http://127.0.0.1:9000',
    validateInput: (v) => (v.trim() === '' ? undefined : checkEndpoint(v.trim())),
  });
  if (endpoint === undefined) return undefined;
  const profile = await vscode.window.showInputBox({
    title: vscode.l10n.t('Add Connection (3/3): profile'),
    prompt: vscode.l10n.t('AWS profile from ~/.aws/config; leave empty for the default credential chain'),
  });
  if (profile === undefined) return undefined;
  const entry: Record<string, unknown> = { name: name.trim() };
  if (endpoint.trim() !== '') Object.assign(entry, { endpoint: endpoint.trim(), forcePathStyle: true });
  if (profile.trim() !== '') entry.profile = profile.trim();
  await vscode.workspace.getConfiguration(SETTINGS_SECTION).update('connections', [...configuredConnections(), entry], vscode.ConfigurationTarget.Global);
  studio.log.info(`Added connection ${name.trim()}`);
  return name.trim();
}

export async function removeConnection(studio: Studio, node: unknown): Promise<void> {
  const { connection } = requireNode(node, ['connection']);
  if (connection.id === DEFAULT_CONNECTION_ID)
    throw new Error(vscode.l10n.t('The default connection comes from the profile and endpoint settings; change those instead.'));
  const remove = vscode.l10n.t('Remove');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('Remove the connection "{0}" from the tree? Nothing in S3 changes.', connection.name),
    { modal: true },
    remove,
  );
  if (choice !== remove) return;
  await vscode.workspace.getConfiguration(SETTINGS_SECTION).update(
    'connections',
    configuredConnections().filter((c) => c.name !== connection.name),
    vscode.ConfigurationTarget.Global,
  );
  studio.log.info(`Removed connection ${connection.name}`);
}

async function updateBuckets(connection: ConnectionConfig, change: (buckets: string[]) => string[]): Promise<void> {
  const configuration = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  if (connection.id === DEFAULT_CONNECTION_ID) {
    await configuration.update('extraBuckets', change([...connection.buckets]), vscode.ConfigurationTarget.Global);
    return;
  }
  const connections = configuredConnections().map((c) => (c.name === connection.name ? { ...c, buckets: change([...connection.buckets]) } : c));
  await configuration.update('connections', connections, vscode.ConfigurationTarget.Global);
}

/** Adds a bucket by name: for credentials that may read a bucket but not list all buckets. */
export async function addBucket(studio: Studio, node: unknown): Promise<string | undefined> {
  const connection = node ? requireNode(node, ['connection']).connection : studio.settings.connections[0]!;
  const name = await vscode.window.showInputBox({
    title: vscode.l10n.t('Add Bucket by Name to {0}', connection.name),
    prompt: vscode.l10n.t('For buckets you may read but cannot list (no s3:ListAllMyBuckets)'),
    validateInput: (v) => (isValidBucketName(v.trim()) ? undefined : vscode.l10n.t('3–63 lowercase letters, digits, dots or hyphens')),
  });
  if (!name) return undefined;
  const bucket = name.trim();
  try {
    await studio.clients().serviceForBucket(connection, bucket);
    await studio.clients().service(connection).listPage(bucket, { pageSize: 1 });
  } catch (error) {
    const described = describeS3Error(error, { endpoint: connection.endpoint, bucket });
    if (described.kind === 'notFound') throw new Error(described.message);
    // Added anyway: the tree shows what the credentials may do with it.
  }
  await updateBuckets(connection, (buckets) => (buckets.includes(bucket) ? buckets : [...buckets, bucket]));
  return bucket;
}

export async function removeBucket(node: unknown): Promise<void> {
  const bucket = requireNode(node, ['bucket']);
  if (!bucket.added) throw new Error(vscode.l10n.t('Only buckets added by name can be removed from the tree.'));
  await updateBuckets(bucket.connection, (buckets) => buckets.filter((b) => b !== bucket.bucket));
}

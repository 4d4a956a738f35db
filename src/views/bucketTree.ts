// The "Buckets" tree: connections → buckets → prefixes → objects. Levels are listed a page at a
// time with S3's continuation token ("Load more…"), filtered server-side by prefix, and let go
// when collapsed, so the tree stays fast and small on buckets with millions of keys.

import * as vscode from 'vscode';
import type { S3ClientPool } from '../aws/clientPool';
import { describeS3Error } from '../aws/errors';
import type { ObjectInfo } from '../aws/s3Service';
import { DEFAULT_CONNECTION_ID, type ConnectionConfig } from '../core/connections';
import { formatAge, formatBytes, formatCount } from '../core/format';
import type { Logger } from '../core/log';
import { PagedLevel } from '../core/pagedLevel';
import { displayName } from '../core/prefix';
import type { ExplorerSettings } from '../core/settings';

export interface ConnectionNode {
  kind: 'connection';
  connection: ConnectionConfig;
}
export interface BucketNode {
  kind: 'bucket';
  connection: ConnectionConfig;
  bucket: string;
  region: string | undefined;
  /** Added by name rather than listed. */
  added: boolean;
}
export interface PrefixNode {
  kind: 'prefix';
  connection: ConnectionConfig;
  bucket: string;
  region: string | undefined;
  /** Ends with `/`. */
  prefix: string;
}
export interface ObjectNode {
  kind: 'object';
  connection: ConnectionConfig;
  bucket: string;
  region: string | undefined;
  object: ObjectInfo;
  parentPrefix: string;
}
export interface LoadMoreNode {
  kind: 'loadMore';
  container: ContainerNode;
  loaded: number;
}
export interface MessageNode {
  kind: 'message';
  id: string;
  text: string;
  tooltip?: string;
  severity: 'error' | 'info';
  command?: vscode.Command;
}

export type ContainerNode = BucketNode | PrefixNode;
export type BucketTreeNode = ConnectionNode | BucketNode | PrefixNode | ObjectNode | LoadMoreNode | MessageNode;

interface LevelState {
  level: PagedLevel<BucketTreeNode>;
  error?: MessageNode;
  abort: AbortController;
  loading?: Promise<void>;
}

export interface BucketTreeServices {
  clients: () => S3ClientPool;
  connections: () => ConnectionConfig[];
  explorer: () => ExplorerSettings;
  log: Logger;
  /** The key index remembered for a data prefix ('' for the bucket), if any: shown on its item. */
  indexOf?: (
    connectionId: string,
    bucket: string,
    prefix: string,
  ) => { index: string; granularity: string; objects?: number; entries?: number; builtAt?: string } | undefined;
}

export function containerId(node: ContainerNode): string {
  return `${node.connection.id}\u0000${node.bucket}\u0000${node.kind === 'prefix' ? node.prefix : ''}`;
}

export function nodeId(node: BucketTreeNode): string {
  switch (node.kind) {
    case 'connection':
      return `connection:${node.connection.id}`;
    case 'bucket':
    case 'prefix':
      return `${node.kind}:${containerId(node)}`;
    case 'object':
      return `object:${node.connection.id}\u0000${node.bucket}\u0000${node.object.key}`;
    case 'loadMore':
      return `more:${containerId(node.container)}:${node.loaded}`;
    case 'message':
      return `message:${node.id}`;
  }
}

export class BucketTreeProvider implements vscode.TreeDataProvider<BucketTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<BucketTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly levels = new Map<string, LevelState>();
  private readonly bucketLists = new Map<string, Promise<BucketTreeNode[]>>();
  private readonly filters = new Map<string, string>();
  private credentialCheck: Promise<boolean> | undefined;

  constructor(private readonly services: BucketTreeServices) {}

  /** Items' descriptions changed (a key index built): the view asks for every item again, the listings stay. */
  refreshDescriptions(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: BucketTreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'connection': {
        const c = node.connection;
        const item = new vscode.TreeItem(c.name, vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = new vscode.ThemeIcon('cloud');
        const nameIsEndpoint = c.id === DEFAULT_CONNECTION_ID && c.profile === '' && c.endpoint !== '';
        item.description = [
          c.endpoint !== '' && !nameIsEndpoint ? c.endpoint : undefined,
          c.region || undefined,
          c.profile !== '' && c.id !== DEFAULT_CONNECTION_ID ? c.profile : undefined,
        ]
          .filter(Boolean)
          .join(' · ');
        item.tooltip = new vscode.MarkdownString(
          `**${c.name}**\n\n${vscode.l10n.t('Endpoint')}: ${c.endpoint || 'AWS'}  \n${vscode.l10n.t('Profile')}: ${c.profile || vscode.l10n.t('default credential chain')}  \n${vscode.l10n.t('Region')}: ${c.region || vscode.l10n.t('default')}${c.forcePathStyle ? `  \n${vscode.l10n.t('Path-style addressing')}` : ''}`,
        );
        item.contextValue = c.id === DEFAULT_CONNECTION_ID ? 'connection default' : 'connection configured';
        return withId(item, node);
      }
      case 'bucket':
      case 'prefix': {
        const label = node.kind === 'bucket' ? node.bucket : displayName(node.prefix, parentOf(node.prefix));
        const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
        item.iconPath = new vscode.ThemeIcon(node.kind === 'bucket' ? 'database' : 'folder');
        const filter = this.filters.get(containerId(node));
        const prefix = node.kind === 'prefix' ? node.prefix : '';
        const index = this.services.indexOf?.(node.connection.id, node.bucket, prefix);
        const notes = [
          filter ? vscode.l10n.t('filter: {0}*', filter) : undefined,
          node.kind === 'bucket' && node.added ? vscode.l10n.t('added by name') : undefined,
          node.kind === 'bucket' ? node.region : undefined,
          index ? vscode.l10n.t('indexed · {0}', index.granularity) : undefined,
        ];
        item.description = notes.filter(Boolean).join(' · ');
        const where = `s3://${node.bucket}/${prefix}`;
        item.tooltip = index
          ? `${where}\n${
              index.objects !== undefined && index.entries !== undefined && index.builtAt !== undefined
                ? vscode.l10n.t(
                    'Key index {0}: {1} objects, {2} keys, by {3}; last built {4}',
                    index.index,
                    formatCount(index.objects),
                    formatCount(index.entries),
                    index.granularity,
                    formatAge(new Date(index.builtAt)),
                  )
                : vscode.l10n.t('Key index {0}, by {1}', index.index, index.granularity)
            }`
          : where;
        item.contextValue = [node.kind, node.kind === 'bucket' && node.added ? 'added' : '', filter ? 'filtered' : '', index ? 'indexed' : '']
          .filter(Boolean)
          .join(' ');
        return withId(item, node);
      }
      case 'object': {
        const o = node.object;
        const item = new vscode.TreeItem(displayName(o.key, node.parentPrefix), vscode.TreeItemCollapsibleState.None);
        item.iconPath = vscode.ThemeIcon.File;
        item.resourceUri = vscode.Uri.from({ scheme: 's3lifecycle-name', path: `/${o.key}` });
        item.description = [formatBytes(o.size), o.storageClass, o.lastModified ? formatAge(o.lastModified) : undefined].filter(Boolean).join(' · ');
        const md = new vscode.MarkdownString();
        md.appendMarkdown(`**${escapeMarkdown(o.key)}**\n\n`);
        md.appendMarkdown(`| | |\n|---|---|\n`);
        md.appendMarkdown(`| ${vscode.l10n.t('Size')} | ${formatBytes(o.size)} (${formatCount(o.size)} bytes) |\n`);
        md.appendMarkdown(`| ${vscode.l10n.t('Storage class')} | ${o.storageClass} |\n`);
        if (o.lastModified) md.appendMarkdown(`| ${vscode.l10n.t('Last modified')} | ${o.lastModified.toISOString()} |\n`);
        if (o.etag) md.appendMarkdown(`| ETag | \`${escapeMarkdown(o.etag.replace(/"/g, ''))}\` |\n`);
        md.appendMarkdown(`| URI | \`s3://${escapeMarkdown(node.bucket)}/${escapeMarkdown(o.key)}\` |\n`);
        item.tooltip = md;
        item.contextValue = 'object';
        item.command = { command: 's3lifecycle.openObject', title: vscode.l10n.t('Open Object'), arguments: [node] };
        return withId(item, node);
      }
      case 'loadMore': {
        const item = new vscode.TreeItem(vscode.l10n.t('Load more…'), vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.description = vscode.l10n.t('{0} loaded', formatCount(node.loaded));
        item.contextValue = 'loadMore';
        item.command = { command: 's3lifecycle.loadMore', title: vscode.l10n.t('Load more…'), arguments: [node] };
        return withId(item, node);
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(node.severity === 'error' ? 'error' : 'info');
        item.tooltip = node.tooltip ?? node.text;
        item.contextValue = `message ${node.severity}`;
        if (node.command) item.command = node.command;
        return withId(item, node);
      }
    }
  }

  async getChildren(node?: BucketTreeNode): Promise<BucketTreeNode[]> {
    if (!node) {
      const connections = this.services.connections();
      // Nothing configured and no credentials anywhere: an empty tree shows the welcome view,
      // which says how to connect.
      const [only] = connections;
      const unconfigured = connections.length === 1 && only!.endpoint === '' && only!.profile === '' && only!.buckets.length === 0;
      this.credentialCheck ??= unconfigured ? this.services.clients().hasCredentials(only!) : Promise.resolve(true);
      if (!(await this.credentialCheck)) return [];
      return connections.map((connection): ConnectionNode => ({ kind: 'connection', connection }));
    }
    switch (node.kind) {
      case 'connection':
        return this.bucketsOf(node.connection);
      case 'bucket':
      case 'prefix':
        return this.levelOf(node);
      default:
        return [];
    }
  }

  /** Loads the next page of a level and shows it under the items already there. */
  async loadMore(node: LoadMoreNode): Promise<void> {
    const state = this.levels.get(containerId(node.container));
    if (!state || !state.level.hasMore) return;
    await this.loadPage(node.container, state);
    this.changed.fire(node.container);
  }

  setFilter(node: ContainerNode, filter: string): void {
    const id = containerId(node);
    if (filter === '') this.filters.delete(id);
    else this.filters.set(id, filter);
    this.forget(node);
    this.changed.fire(node);
  }

  filterOf(node: ContainerNode): string {
    return this.filters.get(containerId(node)) ?? '';
  }

  /** Re-reads a node's children (everything when no node is given). */
  refresh(node?: BucketTreeNode): void {
    if (!node) {
      for (const state of this.levels.values()) state.abort.abort();
      this.levels.clear();
      this.bucketLists.clear();
      this.credentialCheck = undefined;
    } else if (node.kind === 'connection') {
      this.bucketLists.delete(node.connection.id);
      for (const [id, state] of this.levels) {
        if (id.startsWith(`${node.connection.id}\u0000`)) {
          state.abort.abort();
          this.levels.delete(id);
        }
      }
    } else if (node.kind === 'bucket' || node.kind === 'prefix') {
      this.forget(node);
    }
    this.changed.fire(node && node.kind !== 'object' && node.kind !== 'message' && node.kind !== 'loadMore' ? node : undefined);
  }

  /** A collapsed level is let go: reopening it lists it afresh, and memory stays flat. */
  collapsed(node: BucketTreeNode): void {
    if (node.kind === 'bucket' || node.kind === 'prefix') this.forget(node);
  }

  private forget(node: ContainerNode): void {
    const id = containerId(node);
    for (const [key, state] of this.levels) {
      if (key.startsWith(id)) {
        state.abort.abort();
        this.levels.delete(key);
      }
    }
  }

  private bucketsOf(connection: ConnectionConfig): Promise<BucketTreeNode[]> {
    let list = this.bucketLists.get(connection.id);
    if (!list) {
      list = this.listBuckets(connection);
      this.bucketLists.set(connection.id, list);
    }
    return list;
  }

  private async listBuckets(connection: ConnectionConfig): Promise<BucketTreeNode[]> {
    const nodes: BucketTreeNode[] = [];
    let listed: { name: string; region: string | undefined }[] = [];
    try {
      listed = (await this.withViewProgress(() => this.services.clients().service(connection).listBuckets())).map((b) => ({ name: b.name, region: b.region }));
    } catch (error) {
      const described = describeS3Error(error, { endpoint: connection.endpoint });
      this.services.log.warn(`Listing the buckets of ${connection.name}: ${described.message}`);
      nodes.push(
        this.errorNode(
          `buckets:${connection.id}`,
          described.kind === 'accessDenied' ? vscode.l10n.t('Not allowed to list buckets: add a bucket by name') : described.message,
          described,
          connection.buckets.length === 0
            ? { command: 's3lifecycle.addBucket', title: vscode.l10n.t('Add Bucket by Name'), arguments: [{ kind: 'connection', connection }] }
            : undefined,
        ),
      );
    }
    for (const b of listed) nodes.push({ kind: 'bucket', connection, bucket: b.name, region: b.region, added: false });
    for (const name of connection.buckets) {
      if (!listed.some((b) => b.name === name)) nodes.push({ kind: 'bucket', connection, bucket: name, region: undefined, added: true });
    }
    if (nodes.length === 0) nodes.push({ kind: 'message', id: `nobuckets:${connection.id}`, text: vscode.l10n.t('No buckets'), severity: 'info' });
    return nodes;
  }

  private async levelOf(node: ContainerNode): Promise<BucketTreeNode[]> {
    const id = containerId(node);
    let state = this.levels.get(id);
    if (!state) {
      state = { level: new PagedLevel(this.services.explorer().maxItemsPerLevel), abort: new AbortController() };
      this.levels.set(id, state);
      await this.loadPage(node, state);
    } else if (state.loading) {
      await state.loading;
    }
    return this.render(node, state);
  }

  private render(node: ContainerNode, state: LevelState): BucketTreeNode[] {
    const out: BucketTreeNode[] = [];
    if (state.level.dropped > 0) {
      out.push({
        kind: 'message',
        id: `dropped:${containerId(node)}:${state.level.dropped}`,
        text: vscode.l10n.t('{0} earlier items let go — refresh to start from the top', formatCount(state.level.dropped)),
        severity: 'info',
        command: { command: 's3lifecycle.refresh', title: vscode.l10n.t('Refresh'), arguments: [node] },
      });
    }
    out.push(...state.level.items);
    if (state.error) out.push(state.error);
    if (state.level.hasMore) out.push({ kind: 'loadMore', container: node, loaded: state.level.items.length + state.level.dropped });
    if (out.length === 0) {
      const filter = this.filters.get(containerId(node));
      out.push({
        kind: 'message',
        id: `empty:${containerId(node)}`,
        text: filter ? vscode.l10n.t('No keys start with "{0}"', filter) : vscode.l10n.t('Empty'),
        severity: 'info',
      });
    }
    return out;
  }

  private loadPage(node: ContainerNode, state: LevelState): Promise<void> {
    const run = async () => {
      const prefix = node.kind === 'prefix' ? node.prefix : '';
      const filter = this.filters.get(containerId(node)) ?? '';
      const started = Date.now();
      try {
        const service = await this.services.clients().serviceForBucket(node.connection, node.bucket, node.region, state.abort.signal);
        const page = await this.withViewProgress(() =>
          service.listPage(node.bucket, {
            prefix: prefix + filter,
            delimiter: '/',
            pageSize: this.services.explorer().pageSize,
            continuationToken: state.level.nextToken,
            signal: state.abort.signal,
          }),
        );
        const items: BucketTreeNode[] = [
          ...page.prefixes.map((p): PrefixNode => ({ kind: 'prefix', connection: node.connection, bucket: node.bucket, region: node.region, prefix: p })),
          // The folder marker of this very prefix is the level itself, not a child.
          ...page.objects
            .filter((o) => o.key !== prefix)
            .map((object): ObjectNode => ({
              kind: 'object',
              connection: node.connection,
              bucket: node.bucket,
              region: node.region,
              object,
              parentPrefix: prefix,
            })),
        ];
        state.level.append(items, page.nextContinuationToken);
        state.error = undefined;
        this.services.log.trace(`Listed s3://${node.bucket}/${prefix + filter} page ${state.level.pages}: ${items.length} items in ${Date.now() - started} ms`);
      } catch (error) {
        if (state.abort.signal.aborted) return;
        const described = describeS3Error(error, { endpoint: node.connection.endpoint, bucket: node.bucket });
        this.services.log.warn(`Listing s3://${node.bucket}/${prefix}: ${described.message}`);
        state.error = this.errorNode(
          `list:${containerId(node)}`,
          described.kind === 'accessDenied' ? vscode.l10n.t('Access denied: these credentials may not list this bucket') : described.message,
          described,
        );
      }
    };
    const loading = run().finally(() => {
      if (state.loading === loading) state.loading = undefined;
    });
    state.loading = loading;
    return loading;
  }

  private errorNode(id: string, text: string, described: { kind: string; message: string }, command?: vscode.Command): MessageNode {
    const fix: vscode.Command | undefined =
      command ??
      (described.kind === 'noCredentials'
        ? { command: 's3lifecycle.selectProfile', title: vscode.l10n.t('Choose AWS Profile') }
        : described.kind === 'unreachable'
          ? { command: 's3lifecycle.setEndpoint', title: vscode.l10n.t('Set S3 Endpoint') }
          : undefined);
    return { kind: 'message', id, text, tooltip: described.message, severity: 'error', command: fix };
  }

  private withViewProgress<T>(work: () => Promise<T>): Promise<T> {
    return Promise.resolve(vscode.window.withProgress({ location: { viewId: 's3lifecycle.buckets' } }, work));
  }

  dispose(): void {
    for (const state of this.levels.values()) state.abort.abort();
    this.changed.dispose();
  }
}

function withId(item: vscode.TreeItem, node: BucketTreeNode): vscode.TreeItem {
  item.id = nodeId(node);
  return item;
}

function parentOf(prefix: string): string {
  const trimmed = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  const slash = trimmed.lastIndexOf('/');
  return slash < 0 ? '' : trimmed.slice(0, slash + 1);
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}

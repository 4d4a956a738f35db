// The key indexes the extension knows: the index remembered per data prefix (what the Buckets tree
// says on it), one open reader per index (so manifests and blocks stay cached between lookups: a
// second lookup in a time bucket is warm), and the status bar item that says what the lookup shown
// cost while its editor is in front.

import * as vscode from 'vscode';
import type { S3Client } from '@aws-sdk/client-s3';
import { IndexReader, type LookupResult } from '../app/index/lookup';
import { ObjectStore } from '../aws/objectStore';
import { formatBytes } from '../core/format';
import { formatS3Uri, type S3Location } from '../core/s3uri';
import { Disposable } from './disposable';

/** An index remembered for a data prefix: what the tree shows on it. */
export interface KnownIndex {
  index: string;
  granularity: string;
  /** Data objects and keys indexed, when this workspace built it; unknown for an index found where it was looked for. */
  objects?: number;
  entries?: number;
  /** When this workspace last built it. */
  builtAt?: string;
}

const KNOWN_INDEXES = 'keyIndexes';
const LAST_INDEX = 'keyIndex:last';

/** The tree's id of a data prefix: connection, bucket and prefix. */
function scopeId(connectionId: string, bucket: string, prefix: string): string {
  return `${connectionId}\u0000${bucket}\u0000${prefix}`;
}

/** What the key indexes need of the extension. */
export interface KeyIndexServices {
  state: vscode.Memento;
  /** The S3 client of a connection (by id), for the current settings. */
  s3Client(connectionId: string): S3Client;
  /** The tree items' descriptions changed. */
  refreshTree(): void;
  onDidChangeSettings: vscode.Event<unknown>;
}

/** The extension's key indexes: remembered locations, open readers, the status bar item. */
export class KeyIndexes extends Disposable {
  private readonly readers = new Map<string, Promise<IndexReader>>();
  private readonly status: vscode.StatusBarItem;
  private statusFor: string | undefined;

  constructor(private readonly services: KeyIndexServices) {
    super();
    this.status = this._register(vscode.window.createStatusBarItem('s3lifecycle.lookupCost', vscode.StatusBarAlignment.Right, 100));
    this.status.name = vscode.l10n.t('S3 Lifecycle: record lookup');
    this._register(vscode.window.onDidChangeActiveTextEditor((editor) => this.syncStatus(editor)));
    // Other credentials or endpoints: readers of the old ones must not answer.
    this._register(services.onDidChangeSettings(() => this.readers.clear()));
  }

  /** Every remembered index, by data scope. */
  all(): Record<string, KnownIndex> {
    return this.services.state.get<Record<string, KnownIndex>>(KNOWN_INDEXES, {});
  }

  known(connectionId: string, bucket: string, prefix: string): KnownIndex | undefined {
    return this.all()[scopeId(connectionId, bucket, prefix)];
  }

  async remember(connectionId: string, bucket: string, prefix: string, known: KnownIndex): Promise<void> {
    const all = { ...this.all(), [scopeId(connectionId, bucket, prefix)]: known };
    await this.services.state.update(KNOWN_INDEXES, all);
    await this.services.state.update(LAST_INDEX, known.index);
    this.services.refreshTree();
  }

  lastIndex(): string | undefined {
    return this.services.state.get<string>(LAST_INDEX);
  }

  /** One reader per connection and index, so manifests and blocks stay cached between lookups. */
  reader(connectionId: string, index: S3Location, signal?: AbortSignal): Promise<IndexReader> {
    const id = `${connectionId}\u0000${formatS3Uri(index)}`;
    let reader = this.readers.get(id);
    if (!reader) {
      const store = new ObjectStore(this.services.s3Client(connectionId));
      reader = IndexReader.open(store, index, signal ? { signal } : {});
      this.readers.set(id, reader);
      reader.catch(() => this.readers.delete(id));
    }
    return reader;
  }

  /** A rebuilt index: its readers start again (new parts, new manifests). */
  forgetReaders(index: string): void {
    for (const id of [...this.readers.keys()]) if (id.endsWith(`\u0000${index}`)) this.readers.delete(id);
  }

  showCost(document: vscode.Uri, result: LookupResult, dataBucket: string): void {
    this.statusFor = document.toString();
    this.status.text = `$(search) ${vscode.l10n.t('{0} requests · {1} · {2} ms', result.requests, formatBytes(result.bytes), Math.round(result.ms))}`;
    const where = result.location;
    this.status.tooltip = new vscode.MarkdownString(
      [
        vscode.l10n.t('Record {0}', result.key),
        where ? vscode.l10n.t('In s3://{0}/{1} at byte {2}, {3} bytes', dataBucket, where.object, where.offset, where.length) : '',
        vscode.l10n.t("{0} requests: the time bucket's manifest (unless cached), the entry block, the record", result.requests),
        result.via === 'scan' ? vscode.l10n.t('Found by scanning data objects (the index is damaged here)') : '',
      ]
        .filter(Boolean)
        .join('  \n'),
    );
    this.syncStatus(vscode.window.activeTextEditor);
  }

  private syncStatus(editor: vscode.TextEditor | undefined): void {
    if (this.statusFor !== undefined && editor?.document.uri.toString() === this.statusFor) this.status.show();
    else this.status.hide();
  }
}

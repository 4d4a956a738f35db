// The "Buckets" tree: connections → buckets → prefixes → objects. Empty until connections are
// configured, so VS Code shows the welcome view that says how to connect.

import * as vscode from 'vscode';

/** A node of the tree. Later: connection, bucket, prefix, object and "Load more…" items. */
export type BucketTreeNode = never;

export class BucketTreeProvider implements vscode.TreeDataProvider<BucketTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<BucketTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  getTreeItem(node: BucketTreeNode): vscode.TreeItem {
    return node;
  }

  getChildren(_node?: BucketTreeNode): BucketTreeNode[] {
    return [];
  }

  /** Re-reads the whole tree (or one node's children). */
  refresh(node?: BucketTreeNode): void {
    this.changed.fire(node);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

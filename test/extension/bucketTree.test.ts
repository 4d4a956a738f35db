// The Buckets tree inside a real extension host, against the moto server the runner started.

import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { StudioApi } from '../../src/extension';
import type { BucketTreeNode, LoadMoreNode } from '../../src/views/bucketTree';

const EXTENSION_ID = 's3-lifecycle-studio.s3-lifecycle-studio';

async function api(): Promise<StudioApi> {
  return vscode.extensions.getExtension<StudioApi>(EXTENSION_ID)!.activate();
}

function labelOf(tree: StudioApi['bucketTree'], node: BucketTreeNode): string {
  const label = tree.getTreeItem(node).label;
  return typeof label === 'string' ? label : (label?.label ?? '');
}

describe('the Buckets tree', function () {
  this.timeout(120_000);
  const bucket = `tree-${Date.now().toString(36)}`;

  before(async () => {
    const endpoint = process.env.S3LS_TEST_ENDPOINT!;
    const s3 = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const keys = [...Array.from({ length: 25 }, (_, i) => `many/${String(i).padStart(3, '0')}.json`), 'docs/', 'docs/readme 1+1.md', 'top.txt'];
    await Promise.all(keys.map((Key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: `body of ${Key}` }))));
    s3.destroy();
    await vscode.workspace.getConfiguration('s3lifecycle').update('explorer.pageSize', 10, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('s3lifecycle').update('explorer.pageSize', undefined, vscode.ConfigurationTarget.Global);
  });

  it('shows the connection, then its buckets from the S3 server', async () => {
    const { bucketTree } = await api();
    const [connection, ...others] = await bucketTree.getChildren();
    assert.equal(others.length, 0);
    assert.equal(connection!.kind, 'connection');
    const buckets = await bucketTree.getChildren(connection);
    assert.ok(
      buckets.some((b) => b.kind === 'bucket' && b.bucket === bucket),
      'the new bucket is listed',
    );
    assert.match(bucketTree.getTreeItem(buckets.find((b) => b.kind === 'bucket' && b.bucket === bucket)!).contextValue ?? '', /^bucket/);
  });

  it('lists one level with the delimiter, prefixes before objects, and pages with Load more…', async () => {
    const { bucketTree } = await api();
    const [connection] = await bucketTree.getChildren();
    const node = (await bucketTree.getChildren(connection)).find((b) => b.kind === 'bucket' && b.bucket === bucket)!;
    const level = await bucketTree.getChildren(node);
    assert.deepEqual(
      level.map((n) => labelOf(bucketTree, n)),
      ['docs/', 'many/', 'top.txt'],
    );
    const many = level[1]!;
    let page = await bucketTree.getChildren(many);
    assert.equal(page.filter((n) => n.kind === 'object').length, 10);
    const more = page.at(-1) as LoadMoreNode;
    assert.equal(more.kind, 'loadMore');
    assert.equal(labelOf(bucketTree, more), 'Load more…');
    await vscode.commands.executeCommand('s3lifecycle.loadMore', more);
    page = await bucketTree.getChildren(many);
    assert.equal(page.filter((n) => n.kind === 'object').length, 20);
    await vscode.commands.executeCommand('s3lifecycle.loadMore', page.at(-1));
    page = await bucketTree.getChildren(many);
    assert.equal(page.filter((n) => n.kind === 'object').length, 25);
    assert.ok(!page.some((n) => n.kind === 'loadMore'), 'no Load more… after the last page');
  });

  it('describes objects with size, storage class and age, and keeps folder markers out of their own level', async () => {
    const { bucketTree } = await api();
    const [connection] = await bucketTree.getChildren();
    const node = (await bucketTree.getChildren(connection)).find((b) => b.kind === 'bucket' && b.bucket === bucket)!;
    const docs = (await bucketTree.getChildren(node))[0]!;
    const children = await bucketTree.getChildren(docs);
    assert.deepEqual(
      children.map((n) => labelOf(bucketTree, n)),
      ['readme 1+1.md'],
    );
    const item = bucketTree.getTreeItem(children[0]!);
    assert.match(String(item.description), /^\d+ B · STANDARD · (just now|\d+ min)$/);
    assert.equal(item.contextValue, 'object');
    assert.equal(item.command?.command, 's3lifecycle.openObject');
  });

  it('filters a level by prefix, server-side', async () => {
    const { bucketTree } = await api();
    const [connection] = await bucketTree.getChildren();
    const node = (await bucketTree.getChildren(connection)).find((b) => b.kind === 'bucket' && b.bucket === bucket)!;
    const many = (await bucketTree.getChildren(node))[1]!;
    assert.equal(many.kind, 'prefix');
    bucketTree.setFilter(many as never, '01');
    const filtered = await bucketTree.getChildren(many);
    assert.deepEqual(
      filtered.map((n) => labelOf(bucketTree, n)),
      Array.from({ length: 10 }, (_, i) => `01${i}.json`),
    );
    assert.match(bucketTree.getTreeItem(many).description as string, /filter: 01\*/);
    bucketTree.setFilter(many as never, '');
  });

  it('copies an S3 URI and an ARN, and opens an object read-only', async () => {
    const { bucketTree } = await api();
    const [connection] = await bucketTree.getChildren();
    const node = (await bucketTree.getChildren(connection)).find((b) => b.kind === 'bucket' && b.bucket === bucket)!;
    const top = (await bucketTree.getChildren(node)).find((n) => n.kind === 'object')!;
    assert.equal(await vscode.commands.executeCommand('s3lifecycle.copyS3Uri', top), `s3://${bucket}/top.txt`);
    assert.equal(await vscode.env.clipboard.readText(), `s3://${bucket}/top.txt`);
    assert.equal(await vscode.commands.executeCommand('s3lifecycle.copyArn', top), `arn:aws:s3:::${bucket}/top.txt`);
    const uri = await vscode.commands.executeCommand<vscode.Uri>('s3lifecycle.openObject', top);
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    assert.ok(document, 'the object is open in an editor');
    assert.equal(document.getText(), 'body of top.txt');
    await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('changed'))));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('shows an unreachable endpoint as an item that names it', async () => {
    const { bucketTree } = await api();
    const configuration = vscode.workspace.getConfiguration('s3lifecycle');
    await configuration.update('connections', [{ name: 'nowhere', endpoint: 'http://127.0.0.1:9', forcePathStyle: true }], vscode.ConfigurationTarget.Global);
    try {
      let nowhere: BucketTreeNode | undefined;
      for (let i = 0; i < 100 && !nowhere; i++) {
        nowhere = (await bucketTree.getChildren()).find((r) => r.kind === 'connection' && r.connection.name === 'nowhere');
        if (!nowhere) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(nowhere, 'the second connection stands beside the default one');
      const [message] = await bucketTree.getChildren(nowhere);
      assert.equal(message!.kind, 'message');
      assert.match(labelOf(bucketTree, message!), /Cannot reach the S3 endpoint http:\/\/127\.0\.0\.1:9/);
    } finally {
      await configuration.update('connections', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('reports how long activation took (npm run bench compares it with the target)', async () => {
    const { activationMs } = await api();
    assert.ok(Number.isFinite(activationMs) && activationMs > 0);
  });
});

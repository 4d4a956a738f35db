// The key index in a real VS Code: "Build Index Here" on a data prefix builds the index on the S3
// server (moto), the Buckets tree then says the prefix is indexed, and "Look Up Record by Key"
// opens the generator's record, byte for byte as S3 holds it, in a read-only editor; a second
// lookup in the same time bucket is warm (2 requests), an absent key opens nothing.

import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { StudioApi } from '../../src/extension';
import type { BuildResult } from '../../src/app/index/build';
import type { LookupRecordResult } from '../../src/commands/keyIndex';
import { DEFAULT_APPEND_ONLY, generateAppendOnlyData, type AppendOnlyTruth } from '../../src/core/estate/appendOnly';
import { FolderOutput } from '../../src/core/estate/output';

const EXTENSION_ID = 's3-lifecycle-studio.s3-lifecycle-studio';

describe('Key index in VS Code', function () {
  this.timeout(180_000);
  let api: StudioApi;
  let client: S3Client;
  let truth: AppendOnlyTruth;
  const bucket = `ext-index-${Date.now().toString(36)}`;

  before(async () => {
    api = await vscode.extensions.getExtension<StudioApi>(EXTENSION_ID)!.activate();
    const endpoint = process.env.S3LS_TEST_ENDPOINT;
    assert.ok(endpoint, 'S3LS_TEST_ENDPOINT is set by the runner');
    client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const dir = mkdtempSync(join(tmpdir(), 's3ls-ext-index-'));
    truth = await generateAppendOnlyData(
      {
        ...DEFAULT_APPEND_ONLY,
        seed: 5,
        bucket,
        startSeconds: 1_683_831_600,
        files: 6,
        writers: 3,
        linesPerFile: 800,
        windowSeconds: 1800,
        samples: 20,
        absent: 5,
      },
      new FolderOutput(dir),
    );
    for (const f of truth.files) await client.send(new PutObjectCommand({ Bucket: bucket, Key: f.key, Body: readFileSync(join(dir, f.key)) }));
  });

  after(() => client?.destroy());

  const prefixItem = async (prefix: string): Promise<vscode.TreeItem> => {
    const roots = await api.bucketTree.getChildren(undefined);
    for (const root of roots) {
      const buckets = await api.bucketTree.getChildren(root);
      const node = buckets.find((b) => b.kind === 'bucket' && b.bucket === bucket);
      if (!node) continue;
      const children = await api.bucketTree.getChildren(node);
      const child = children.find((c) => c.kind === 'prefix' && c.prefix === prefix);
      assert.ok(child, `the tree lists ${prefix} under ${bucket}`);
      return api.bucketTree.getTreeItem(child);
    }
    throw new Error(`the tree does not list ${bucket}`);
  };

  it('builds the index of a prefix beside it, and the tree says the prefix is indexed', async () => {
    const before = await prefixItem(truth.prefix);
    assert.doesNotMatch(String(before.description ?? ''), /indexed/);
    const result = await vscode.commands.executeCommand<BuildResult>('s3lifecycle.buildIndex', {
      bucket,
      prefix: truth.prefix,
      index: `s3://${bucket}/_index/${truth.prefix}`,
    });
    assert.ok(result, 'the build returns its result');
    assert.equal(result.objects.indexed, truth.files.length);
    assert.equal(result.entries, truth.records);
    assert.equal(result.config.granularity, api.settings().index.granularity);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `_index/${truth.prefix}` }));
    assert.ok(
      (listed.Contents ?? []).some((o) => o.Key?.endsWith('/_manifest.idxm')),
      'manifests are in S3',
    );
    const after = await prefixItem(truth.prefix);
    assert.match(String(after.description), /indexed · hour/);
    assert.match(String(after.contextValue), /\bindexed\b/);
    assert.match(String(after.tooltip), new RegExp(`_index/${truth.prefix}`));
  });

  it('looks a record up from the prefix: the record as S3 holds it, in a read-only editor, 3 requests cold and 2 warm', async () => {
    const [first, ...rest] = truth.samples;
    const cold = await vscode.commands.executeCommand<LookupRecordResult>('s3lifecycle.lookupRecord', { bucket, prefix: truth.prefix, key: first!.key });
    assert.ok(cold?.document, 'the record opens in an editor');
    assert.equal(cold.status, 'found');
    const bytes = await (
      await client.send(new GetObjectCommand({ Bucket: bucket, Key: first!.object, Range: `bytes=${first!.offset}-${first!.offset + first!.length - 1}` }))
    ).Body!.transformToString();
    assert.equal(cold.record, bytes);
    assert.equal(cold.record, first!.record);
    const editor = vscode.window.activeTextEditor;
    assert.equal(editor?.document.uri.toString(), cold.document);
    assert.equal(editor?.document.getText(), `${bytes}\n`);
    assert.ok(cold.requests <= 3 + cold.falsePositiveReads, `${cold.requests} requests cold`);
    // Same time bucket: the manifest is cached.
    const sameBucket = rest.find(
      (s) =>
        Math.floor(Number(s.key.slice(s.key.lastIndexOf('-') + 1)) / 3600) === Math.floor(Number(first!.key.slice(first!.key.lastIndexOf('-') + 1)) / 3600),
    );
    assert.ok(sameBucket, 'a second sample in the same hour');
    const warm = await vscode.commands.executeCommand<LookupRecordResult>('s3lifecycle.lookupRecord', { bucket, prefix: truth.prefix, key: sameBucket.key });
    assert.equal(warm?.record, sameBucket.record);
    assert.ok(warm.requests <= 2 + warm.falsePositiveReads, `${warm.requests} requests warm`);
  });

  it('says an absent key is not there and opens nothing', async () => {
    const before = vscode.window.activeTextEditor?.document.uri.toString();
    const absent = await vscode.commands.executeCommand<LookupRecordResult>('s3lifecycle.lookupRecord', {
      index: `s3://${bucket}/_index/${truth.prefix}`,
      key: truth.absent[0],
    });
    assert.equal(absent?.status, 'absent');
    assert.equal(absent.record, undefined);
    assert.equal(absent.document, undefined);
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), before);
  });

  it('a second build finds nothing new to index', async () => {
    const again = await vscode.commands.executeCommand<BuildResult>('s3lifecycle.buildIndex', {
      bucket,
      prefix: truth.prefix,
      index: `s3://${bucket}/_index/${truth.prefix}`,
    });
    assert.equal(again?.objects.indexed, 0);
    assert.equal(again?.objects.unchanged, truth.files.length);
  });
});

// Which access-log files the local engine reads from S3 (moto): an analysis lists only the date
// folders its days can be in (PartitionedPrefix) and reads only the files dated in them (the
// simple layout's names), and always the files with no date in their name.

import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/aws/s3Client';
import type { EstateTruth } from '../../src/core/estate/generate';
import { analyzeRetention } from '../../src/app/retentionAnalysis';
import { LocalEngine } from '../../src/engines/local';
import { TemplateCatalog } from '../../src/sql/catalog';
import { listFiles } from '../unit/estate/fixture';
import { assertReadOnlyTheWindowsFiles, plantedLogs } from '../unit/estate/plantedLogs';
import { motoEndpoint, uniqueBucketName } from './moto';

const run = promisify(execFile);
const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');

describe('which access-log files an analysis reads (S3, moto)', () => {
  const catalog = TemplateCatalog.load();
  const cleanup: (() => void)[] = [];
  after(() => cleanup.forEach((f) => f()));

  for (const layout of ['partitioned', 'simple'] as const) {
    it(`${layout} layout: lists and reads only the window's date folders and files (± margin), and those with no date`, async () => {
      const bucket = uniqueBucketName(`win${layout.slice(0, 4)}`);
      const out = mkdtempSync(join(tmpdir(), 's3ls-window-s3-'));
      const cacheDir = mkdtempSync(join(tmpdir(), 's3ls-window-cache-'));
      cleanup.push(() => [out, cacheDir].forEach((d) => rmSync(d, { recursive: true, force: true })));
      await run(
        process.execPath,
        [
          CLI,
          'generate',
          '--out',
          out,
          '--objects',
          '1500',
          '--days',
          '10',
          '--seed',
          '5',
          '--log-layout',
          layout,
          '--bucket',
          bucket,
          '--upload-objects',
          '10',
        ],
        { env: { ...process.env, S3LIFECYCLE_ENDPOINT: motoEndpoint(), S3LIFECYCLE_FORCE_PATH_STYLE: 'true' } },
      );
      const truth = JSON.parse(readFileSync(join(out, 'truth.json'), 'utf8')) as EstateTruth;
      const client: S3Client = createS3Client({ profile: '', region: 'us-east-1', endpoint: motoEndpoint(), forcePathStyle: true });
      cleanup.push(() => client.destroy());
      const planted = plantedLogs(truth, layout, listFiles(join(out, 'logs'))[0]!);
      for (const file of planted.files) await client.send(new PutObjectCommand({ Bucket: `${bucket}-logs`, Key: `logs/${file.key}`, Body: file.text }));
      // Every listing the engine makes, by prefix.
      const listings: { prefix: string; delimiter: string | undefined }[] = [];
      client.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'ListObjectsV2Command') {
            const input = args.input as { Bucket?: string; Prefix?: string; Delimiter?: string };
            if (input.Bucket === `${bucket}-logs`) listings.push({ prefix: input.Prefix ?? '', delimiter: input.Delimiter });
          }
          return next(args);
        },
        { step: 'initialize', name: 'recordListings' },
      );
      const engine = new LocalEngine({ cacheDir, s3: () => client, threads: 1 });
      cleanup.push(() => void engine.dispose());
      const report = await analyzeRetention(engine, catalog, {
        bucket,
        inventory: `s3://${bucket}-inventory/inventory/${bucket}/daily-full/hive/`,
        logs: `s3://${bucket}-logs/logs/`,
        asOf: truth.window.end,
        windowDays: truth.window.days,
        lookbackDays: truth.window.days,
        exemptGlobs: [],
        keepTag: null,
        maxMissingLogDays: 0,
        allowMissingLogs: false,
        maxMalformedLogLinesPercent: 5,
        region: 'us-east-1',
        priceOverrides: {},
      });
      assertReadOnlyTheWindowsFiles(report, planted);
      const outside = planted.files[0]!.key;
      if (layout === 'partitioned') {
        // Folder by folder, and never into the month of the file dated outside.
        const month = `logs/${outside.replace(/\d{2}\/[^/]+$/, '')}`;
        assert.ok(listings.length > 0 && listings.every((l) => l.delimiter === '/'), JSON.stringify(listings));
        assert.ok(!listings.some((l) => l.prefix.startsWith(month)), `${month} was not listed: ${JSON.stringify(listings.map((l) => l.prefix))}`);
        assert.ok(
          listings.some((l) => /\/\d{4}\/\d{2}\/\d{2}\/$/.test(l.prefix)),
          'the day folders of the window were listed each',
        );
      }
    });
  }
});

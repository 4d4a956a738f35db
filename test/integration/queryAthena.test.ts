// `s3-lifecycle query --engine athena` end to end against moto's Athena API: the engine the
// settings choose, the rendered template sent to Athena, rows and cost printed.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/aws/s3Client';
import { EXIT_FAILURE, EXIT_OK } from '../../src/cli/framework';
import { runCli } from '../../src/cli/main';
import { motoEndpoint, uniqueBucketName } from './moto';

const DEFAULT_ACCOUNT = '123456789012';

describe('s3-lifecycle query --engine athena (moto)', () => {
  const dir = mkdtempSync(join(tmpdir(), 's3ls-athena-cli-'));
  const bucket = uniqueBucketName('athena-out');
  let client: S3Client;

  const cli = async (argv: string[], extraEnv: NodeJS.ProcessEnv = {}) => {
    let out = '';
    let err = '';
    const env = {
      ...extraEnv,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      S3LIFECYCLE_ENDPOINT: motoEndpoint(),
      S3LIFECYCLE_FORCE_PATH_STYLE: 'true',
      S3LIFECYCLE_CACHE_DIR: join(dir, 'cache'),
    };
    const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), env, signal: new AbortController().signal }, '9.9.9');
    return { code, out, err };
  };

  before(async () => {
    client = createS3Client({ profile: '', region: 'us-east-1', endpoint: motoEndpoint(), forcePathStyle: true });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    writeFileSync(
      join(dir, 'top.sql'),
      '-- name: top\n-- @param n integer 2 How many\nSELECT prefix, reads FROM reads_by_prefix ORDER BY reads DESC LIMIT {{n}}\n',
    );
  });
  after(() => {
    client?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a template file on Athena and prints its rows, with the cost on stderr', async () => {
    const header = { Data: [{ VarCharValue: 'prefix' }, { VarCharValue: 'reads' }] };
    const rows = [
      header,
      { Data: [{ VarCharValue: 'logs/api' }, { VarCharValue: '12' }] },
      { Data: [{ VarCharValue: 'images, 2024' }, { VarCharValue: '3' }] },
    ];
    const response = await fetch(`${motoEndpoint()}/moto-api/static/athena/query-results`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        account_id: DEFAULT_ACCOUNT,
        region: 'us-east-1',
        results: [
          {
            rows,
            column_info: [
              { Name: 'prefix', Type: 'varchar', Label: 'prefix' },
              { Name: 'reads', Type: 'bigint', Label: 'reads' },
            ],
          },
        ],
      }),
    });
    assert.equal(response.status, 201);
    const { code, out, err } = await cli(['query', join(dir, 'top.sql'), '--engine', 'athena', '--format', 'json', '--param', 'n=2']);
    assert.equal(code, EXIT_OK, err);
    assert.deepEqual(JSON.parse(out), [
      { prefix: 'logs/api', reads: 12 },
      { prefix: 'images, 2024', reads: 3 },
    ]);
    assert.match(err, /2 rows · .* scanned · .* · \$\S+ · query [0-9a-f-]+/);
  });

  it("fails with Athena's reason and the engine named when the workgroup does not exist", async () => {
    const { code, err } = await cli(['query', join(dir, 'top.sql'), '--engine', 'athena'], { S3LIFECYCLE_ATHENA_WORKGROUP: 'no-such-workgroup' });
    assert.equal(code, EXIT_FAILURE);
    assert.match(err, /top failed on the athena engine: .*WorkGroup/i);
  });
});

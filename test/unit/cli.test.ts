import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { CLI_COMMANDS } from '../../src/cli/commands';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../../src/cli/framework';
import { runCli } from '../../src/cli/main';

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), env, signal: new AbortController().signal }, '9.9.9');
  return { code, out, err };
}

describe('the s3-lifecycle CLI', () => {
  it('lists its commands on --help and exits 0', async () => {
    const { code, out } = await cli(['--help']);
    assert.equal(code, EXIT_OK);
    for (const command of CLI_COMMANDS) assert.match(out, new RegExp(`^  ${command.name} `, 'm'));
    assert.match(out, /Exit codes: 0 success, 1 failure, 2 bad usage/);
  });

  it('exits 2 with the usage when called without a command', async () => {
    const { code, err } = await cli([]);
    assert.equal(code, EXIT_USAGE);
    assert.match(err, /Usage: s3-lifecycle <command>/);
  });

  it('exits 2 on an unknown command or option, and names it', async () => {
    const unknown = await cli(['frobnicate']);
    assert.equal(unknown.code, EXIT_USAGE);
    assert.match(unknown.err, /unknown command "frobnicate"/);
    const badOption = await cli(['ls', '--colour']);
    assert.equal(badOption.code, EXIT_USAGE);
    assert.match(badOption.err, /--colour/);
    assert.match(badOption.err, /Usage: s3-lifecycle ls/);
  });

  it('exits 2 on a bad value: format, location, page size', async () => {
    assert.equal((await cli(['config', '--format', 'xml'])).code, EXIT_USAGE);
    const location = await cli(['ls', 'bucket/prefix']);
    assert.equal(location.code, EXIT_USAGE);
    assert.match(location.err, /s3:\/\/bucket\/prefix/);
    const pageSize = await cli(['ls', 's3://bucket', '--page-size', '5000']);
    assert.equal(pageSize.code, EXIT_USAGE);
    assert.match(pageSize.err, /--page-size must be a whole number from 1 to 1000/);
  });

  it('shows per-command help', async () => {
    const { code, out } = await cli(['help', 'ls']);
    assert.equal(code, EXIT_OK);
    assert.match(out, /Usage: s3-lifecycle ls \[s3:\/\/bucket\/prefix\/\]/);
    assert.match(out, /--page-size <n>/);
    assert.equal((await cli(['ls', '--help'])).out, out);
  });

  it('prints its version', async () => {
    assert.equal((await cli(['--version'])).out, '9.9.9\n');
  });

  it('reads the same settings as the extension, flags over S3LIFECYCLE_* variables, as JSON', async () => {
    const { code, out } = await cli(['config', '--format', 'json', '--region', 'eu-central-1'], {
      S3LIFECYCLE_ENDPOINT: 'http://127.0.0.1:9000',
      S3LIFECYCLE_FORCE_PATH_STYLE: 'true',
      S3LIFECYCLE_REGION: 'us-west-2',
      S3LIFECYCLE_ENGINE: 'athena',
    });
    assert.equal(code, EXIT_OK);
    const config = JSON.parse(out);
    assert.deepEqual(config.connection, { profile: '', region: 'eu-central-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
    assert.equal(config.engine, 'athena');
    assert.deepEqual(config.warnings, []);
  });

  it('warns about an invalid setting and carries on with the default', async () => {
    const { code, out } = await cli(['config', '--format', 'json'], { S3LIFECYCLE_ENDPOINT: 'not a url' });
    assert.equal(code, EXIT_OK);
    const config = JSON.parse(out);
    assert.equal(config.connection.endpoint, '');
    assert.match(config.warnings[0], /not a URL/);
  });

  it('exits 1 with an actionable message when the endpoint is unreachable', async () => {
    // The SDK's credential chain reads the process environment.
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_REGION: 'us-east-1' });
    try {
      const { code, err } = await cli(['ls', '--endpoint', 'http://127.0.0.1:9', '--path-style'], process.env);
      assert.equal(code, EXIT_FAILURE);
      assert.match(err, /Cannot reach the S3 endpoint http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/);
    } finally {
      process.env = saved;
    }
  });
});

describe('s3-lifecycle parse-logs', () => {
  it('prints JSON lines with AWS field names, reports malformed lines as FILE:LINE, and exits 0', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 's3ls-parse-'));
    try {
      const file = join(dir, '2019-02-06-00-00-38-ABC');
      writeFileSync(
        file,
        [
          'owner b [06/Feb/2019:00:00:38 +0000] 192.0.2.3 req ID1 REST.GET.OBJECT a%20b.txt "GET /b/a%20b.txt HTTP/1.1" 200 - 5 5 7 2 "-" "ua with spaces" - - - - - - - - - -',
          'this line is not a log record',
        ].join('\n'),
      );
      const { code, out, err } = await cli(['parse-logs', file]);
      assert.equal(code, EXIT_OK);
      const record = JSON.parse(out.trim());
      assert.equal(record.key, 'a b.txt');
      assert.equal(record.time, '2019-02-06T00:00:38.000Z');
      assert.equal(record.http_status, 200);
      assert.equal(record.user_agent, 'ua with spaces');
      assert.equal(record.referrer, null);
      assert.match(err, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: the time field`));
      assert.match(err, /1 records, 1 malformed line\n$/);
      const missing = await cli(['parse-logs', join(dir, 'nope')]);
      assert.equal(missing.code, EXIT_FAILURE);
      assert.match(missing.err, /cannot read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

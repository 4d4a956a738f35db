import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { checkEndpoint, describeConnection, parseSettings, SETTING_DEFAULTS, type SettingKey } from '../../src/core/settings';

const from = (values: Partial<Record<SettingKey, unknown>>) => (key: SettingKey) => values[key];

describe('parseSettings', () => {
  it('gives the documented defaults when nothing is set', () => {
    const { settings, problems } = parseSettings(() => undefined);
    assert.deepEqual(problems, []);
    assert.deepEqual(settings, {
      connection: { profile: '', region: '', endpoint: '', forcePathStyle: false },
      engine: 'local',
      athena: { workgroup: 'primary', outputLocation: '', database: 'default', catalog: 'AwsDataCatalog' },
    });
  });

  it('reads a custom endpoint with path-style addressing', () => {
    const { settings, problems } = parseSettings(from({ endpoint: ' http://127.0.0.1:9000 ', forcePathStyle: true, region: 'eu-west-1', profile: 'dev' }));
    assert.deepEqual(problems, []);
    assert.deepEqual(settings.connection, { profile: 'dev', region: 'eu-west-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
  });

  it('replaces an invalid value by its default and says what to change', () => {
    const { settings, problems } = parseSettings(from({ endpoint: 'localhost:9000', engine: 'spark', region: 'Frankfurt', 'athena.outputLocation': 'bucket/results', forcePathStyle: 'yes' }));
    assert.equal(settings.connection.endpoint, '');
    assert.equal(settings.engine, 'local');
    assert.equal(settings.connection.region, '');
    assert.equal(settings.athena.outputLocation, '');
    assert.equal(settings.connection.forcePathStyle, false);
    assert.deepEqual(problems.map((p) => p.key).sort(), ['athena.outputLocation', 'endpoint', 'engine', 'forcePathStyle', 'region']);
    assert.match(problems.find((p) => p.key === 'athena.outputLocation')!.message, /s3:\/\/bucket\/prefix/);
  });

  it('rejects an endpoint that carries credentials instead of logging them', () => {
    assert.match(checkEndpoint('http://AKIA:secret@127.0.0.1:9000')!, /must not contain credentials/);
    assert.equal(checkEndpoint('https://s3.example.com'), undefined);
    assert.match(checkEndpoint('ftp://x')!, /http:\/\/ or https:\/\//);
  });

  it('accepts the Athena engine with an S3 output location', () => {
    const { settings, problems } = parseSettings(from({ engine: 'athena', 'athena.outputLocation': 's3://results-bucket/athena/', 'athena.workgroup': 'analytics' }));
    assert.deepEqual(problems, []);
    assert.equal(settings.engine, 'athena');
    assert.equal(settings.athena.outputLocation, 's3://results-bucket/athena/');
    assert.equal(settings.athena.workgroup, 'analytics');
  });

  it('covers every key of SETTING_DEFAULTS', () => {
    const asked = new Set<string>();
    parseSettings((key) => {
      asked.add(key);
      return undefined;
    });
    assert.deepEqual([...asked].sort(), Object.keys(SETTING_DEFAULTS).sort());
  });
});

describe('describeConnection', () => {
  it('names the target, profile, region and addressing without any secret', () => {
    assert.equal(describeConnection({ profile: '', region: '', endpoint: '', forcePathStyle: false }), 'AWS (default credential chain, default region)');
    assert.equal(describeConnection({ profile: 'prod', region: 'us-west-2', endpoint: 'http://127.0.0.1:5000', forcePathStyle: true }), 'http://127.0.0.1:5000 (profile prod, us-west-2, path-style)');
  });
});

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { checkEndpoint, describeConnection, parseSegmentBy, parseSettings, SETTING_DEFAULTS, type SettingKey } from '../../src/core/settings';

const from = (values: Partial<Record<SettingKey, unknown>>) => (key: SettingKey) => values[key];

describe('parseSettings', () => {
  it('gives the documented defaults when nothing is set', () => {
    const { settings, problems } = parseSettings(() => undefined);
    assert.deepEqual(problems, []);
    assert.deepEqual(settings, {
      connection: { profile: '', region: '', endpoint: '', forcePathStyle: false },
      connections: [{ id: 'default', name: 'AWS', profile: '', region: '', endpoint: '', forcePathStyle: false, buckets: [] }],
      explorer: { pageSize: 1000, maxItemsPerLevel: 10000, previewMaxBytes: 10485760 },
      engine: 'local',
      query: { inventoryLocation: '', logsLocation: '' },
      retention: {
        windowDays: 30,
        lookbackDays: 365,
        exemptGlobs: [],
        keepTag: 's3-lifecycle-studio:keep',
        maxMissingLogDays: 0,
        maxSuspectLogDays: 0,
        maxMalformedLogLinesPercent: 0.1,
        pricingRegion: '',
        priceSource: 'auto',
        priceListEndpoint: '',
        storagePrices: {},
        templatesFolder: '',
      },
      expiration: {
        tag: 's3-lifecycle-studio:expire=true',
        days: 30,
        noncurrentDays: 30,
        concurrency: 32,
        confirmThreshold: 1000,
        batchOperationsThreshold: 1000000,
      },
      athena: { workgroup: 'primary', outputLocation: '', database: 'default', catalog: 'AwsDataCatalog' },
      deletion: { size: 512, granularity: 'hour', layout: 'hilbert', segmentBy: { by: 'path', depth: 1 }, header: false },
      index: { granularity: 'hour', bitsPerKey: 10.5, partEntries: 65536 },
    });
  });

  it("reads the key index's settings, and replaces a bad one by its default with a problem that names it", () => {
    const good = parseSettings(from({ 'index.granularity': 'minute', 'index.bitsPerKey': 16, 'index.partEntries': 1000 }));
    assert.deepEqual(good.problems, []);
    assert.deepEqual(good.settings.index, { granularity: 'minute', bitsPerKey: 16, partEntries: 1000 });
    const bad = parseSettings(from({ 'index.granularity': 'week', 'index.bitsPerKey': 0.5, 'index.partEntries': 5_000_000 }));
    assert.deepEqual(bad.settings.index, parseSettings(() => undefined).settings.index);
    assert.deepEqual(bad.problems.map((p) => p.key).sort(), ['index.bitsPerKey', 'index.granularity', 'index.partEntries']);
    assert.match(bad.problems.find((p) => p.key === 'index.bitsPerKey')!.message, /from 1 to 64/);
  });

  it("reads the deletion player's settings, and replaces a bad one by its default with a problem that names it", () => {
    const good = parseSettings(
      from({
        'deletion.size': 1000,
        'deletion.granularity': 'minute',
        'deletion.layout': 'rows',
        'deletion.segmentBy': 'characters:5',
        'deletion.header': true,
      }),
    );
    assert.deepEqual(good.problems, []);
    assert.deepEqual(good.settings.deletion, { size: 1000, granularity: 'minute', layout: 'rows', segmentBy: { by: 'characters', length: 5 }, header: true });
    const bad = parseSettings(
      from({ 'deletion.size': 4096, 'deletion.granularity': 'week', 'deletion.layout': 'spiral', 'deletion.segmentBy': 'path:0', 'deletion.header': 'yes' }),
    );
    assert.deepEqual(bad.settings.deletion, parseSettings(() => undefined).settings.deletion);
    assert.deepEqual(bad.problems.map((p) => p.key).sort(), [
      'deletion.granularity',
      'deletion.header',
      'deletion.layout',
      'deletion.segmentBy',
      'deletion.size',
    ]);
    assert.match(bad.problems.find((p) => p.key === 'deletion.segmentBy')!.message, /characters:N or path:N/);
  });

  it('reads a segmentation as characters:N or path:N', () => {
    assert.deepEqual(parseSegmentBy('characters:5'), { by: 'characters', length: 5 });
    assert.deepEqual(parseSegmentBy(' path:2 '), { by: 'path', depth: 2 });
    for (const text of ['', 'path', 'path:', 'path:0', 'path:1025', 'characters:0', 'characters:1025', 'chars:5', 'path:1.5', 'path:-1']) {
      assert.equal(parseSegmentBy(text), undefined, text);
    }
  });

  it('reads a custom endpoint with path-style addressing', () => {
    const { settings, problems } = parseSettings(from({ endpoint: ' http://127.0.0.1:9000 ', forcePathStyle: true, region: 'eu-west-1', profile: 'dev' }));
    assert.deepEqual(problems, []);
    assert.deepEqual(settings.connection, { profile: 'dev', region: 'eu-west-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
  });

  it('replaces an invalid value by its default and says what to change', () => {
    const { settings, problems } = parseSettings(
      from({ endpoint: 'localhost:9000', engine: 'spark', region: 'Frankfurt', 'athena.outputLocation': 'bucket/results', forcePathStyle: 'yes' }),
    );
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
    const { settings, problems } = parseSettings(
      from({ engine: 'athena', 'athena.outputLocation': 's3://results-bucket/athena/', 'athena.workgroup': 'analytics' }),
    );
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

describe('connections', () => {
  it('puts the default connection first and adds each named one, with buckets added by name', () => {
    const { settings, problems } = parseSettings(
      from({
        endpoint: 'http://127.0.0.1:9000',
        extraBuckets: ['shared-data', 'shared-data'],
        connections: [
          { name: 'prod', profile: 'prod-admin', region: 'eu-west-1', buckets: ['prod-logs'] },
          { name: 'minio', endpoint: 'http://127.0.0.1:9001', forcePathStyle: true },
        ],
      }),
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(
      settings.connections.map((c) => [c.id, c.name, c.buckets]),
      [
        ['default', '127.0.0.1:9000', ['shared-data']],
        ['prod', 'prod', ['prod-logs']],
        ['minio', 'minio', []],
      ],
    );
    assert.deepEqual(settings.connections[2], {
      id: 'minio',
      name: 'minio',
      profile: '',
      region: '',
      endpoint: 'http://127.0.0.1:9001',
      forcePathStyle: true,
      buckets: [],
    });
  });

  it('leaves out invalid connections and says why', () => {
    const { settings, problems } = parseSettings(
      from({
        connections: [
          { profile: 'x' },
          { name: 'default' },
          { name: 'a', endpoint: 'ftp://x' },
          { name: 'b', buckets: ['ok-bucket', 'Not A Bucket'] },
          { name: 'b' },
          'nope',
        ],
      }),
    );
    assert.deepEqual(
      settings.connections.map((c) => c.id),
      ['default', 'b'],
    );
    assert.deepEqual(settings.connections[1]!.buckets, ['ok-bucket']);
    assert.equal(problems.length, 6);
    assert.ok(problems.every((p) => p.key === 'connections'));
  });

  it('checks the explorer numbers', () => {
    const { settings, problems } = parseSettings(from({ 'explorer.pageSize': 5000, 'explorer.maxItemsPerLevel': 500 }));
    assert.equal(settings.explorer.pageSize, 1000);
    assert.equal(settings.explorer.maxItemsPerLevel, 500);
    assert.match(problems[0]!.message, /explorer\.pageSize must be a whole number from 1 to 1000/);
  });
});

describe('retention and expiration settings', () => {
  it('reads valid values', () => {
    const { settings, problems } = parseSettings(
      from({
        'retention.windowDays': 90,
        'retention.exemptGlobs': [' backups/** ', '', '**/*.keep'],
        'retention.keepTag': 'legal=hold',
        'retention.storagePrices': { STANDARD: 0.025, GLACIER: 0.004 },
        'expiration.tag': 'lifecycle=expire',
        'expiration.concurrency': 64,
      }),
    );
    assert.deepEqual(problems, []);
    assert.equal(settings.retention.windowDays, 90);
    assert.deepEqual(settings.retention.exemptGlobs, ['backups/**', '**/*.keep']);
    assert.equal(settings.retention.keepTag, 'legal=hold');
    assert.deepEqual(settings.retention.storagePrices, { STANDARD: 0.025, GLACIER: 0.004 });
    assert.equal(settings.expiration.tag, 'lifecycle=expire');
    assert.equal(settings.expiration.concurrency, 64);
  });

  it('replaces unusable values by their defaults and says what to change', () => {
    const { settings, problems } = parseSettings(
      from({
        'retention.windowDays': 0,
        'retention.exemptGlobs': 'backups/**',
        'retention.storagePrices': { STANDARD: 'cheap' },
        'expiration.tag': 'no-value',
        'retention.keepTag': 'aws:reserved',
        'retention.pricingRegion': 'Ireland',
        'retention.priceSource': 'cheapest',
        'retention.priceListEndpoint': 'pricing.us-east-1.amazonaws.com',
      }),
    );
    assert.equal(settings.retention.windowDays, 30);
    assert.deepEqual(settings.retention.exemptGlobs, []);
    assert.deepEqual(settings.retention.storagePrices, {});
    assert.equal(settings.expiration.tag, 's3-lifecycle-studio:expire=true');
    assert.equal(settings.retention.keepTag, 's3-lifecycle-studio:keep');
    assert.equal(settings.retention.pricingRegion, '');
    assert.equal(settings.retention.priceSource, 'auto');
    assert.equal(settings.retention.priceListEndpoint, '');
    assert.deepEqual(problems.map((p) => p.key).sort(), [
      'expiration.tag',
      'retention.exemptGlobs',
      'retention.keepTag',
      'retention.priceListEndpoint',
      'retention.priceSource',
      'retention.pricingRegion',
      'retention.storagePrices',
      'retention.windowDays',
    ]);
    assert.match(problems.find((p) => p.key === 'expiration.tag')!.message, /must be written key=value/);
  });
});

describe('describeConnection', () => {
  it('names the target, profile, region and addressing without any secret', () => {
    assert.equal(describeConnection({ profile: '', region: '', endpoint: '', forcePathStyle: false }), 'AWS (default credential chain, default region)');
    assert.equal(
      describeConnection({ profile: 'prod', region: 'us-west-2', endpoint: 'http://127.0.0.1:5000', forcePathStyle: true }),
      'http://127.0.0.1:5000 (profile prod, us-west-2, path-style)',
    );
  });
});

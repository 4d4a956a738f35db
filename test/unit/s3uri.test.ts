import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatS3Uri, isValidBucketName, parseS3Uri, s3Arn, S3UriError } from '../../src/core/s3uri';

describe('S3 locations', () => {
  it('parses a bucket, a prefix and a key', () => {
    assert.deepEqual(parseS3Uri('s3://my-bucket'), { bucket: 'my-bucket', key: '' });
    assert.deepEqual(parseS3Uri('s3://my-bucket/'), { bucket: 'my-bucket', key: '' });
    assert.deepEqual(parseS3Uri(' s3://logs.example/a/b c+d%/ '), { bucket: 'logs.example', key: 'a/b c+d%/' });
  });

  it('round-trips through formatS3Uri', () => {
    for (const uri of ['s3://b-1/x/y.json', 's3://bucket/dt=2024-01-01/ü.parquet']) assert.equal(formatS3Uri(parseS3Uri(uri)), uri);
  });

  it('explains what a valid location looks like', () => {
    assert.throws(
      () => parseS3Uri('my-bucket/prefix'),
      (e: unknown) => e instanceof S3UriError && /s3:\/\/bucket\/prefix/.test(e.message),
    );
    assert.throws(() => parseS3Uri('s3://a/x'), /not a valid bucket name/);
    assert.throws(() => parseS3Uri('s3://bad..name/x'), /not a valid bucket name/);
  });

  it('validates bucket names by S3 rules', () => {
    assert.ok(isValidBucketName('abc'));
    assert.ok(!isValidBucketName('ab'));
    assert.ok(!isValidBucketName('-abc'));
    assert.ok(!isValidBucketName('a'.repeat(64)));
  });

  it('forms bucket and object ARNs', () => {
    assert.equal(s3Arn({ bucket: 'b1', key: '' }), 'arn:aws:s3:::b1');
    assert.equal(s3Arn({ bucket: 'b1', key: 'a/b' }, 'aws-cn'), 'arn:aws-cn:s3:::b1/a/b');
  });
});

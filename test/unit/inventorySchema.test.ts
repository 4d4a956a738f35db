// S3 Inventory fileSchemas as AWS writes them: the manifests of AWS's documentation (2021 and 2023),
// of real reports (OrcaBus's test data, a 2025 CSV manifest with a minimal field selection, the
// NixOS cache's Parquet manifest), read from the shared corpus.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  csvFileSchema,
  hasField,
  InventorySchemaError,
  listsAllVersions,
  missingFields,
  parquetFileSchema,
  parseInventorySchema,
  REQUIRED_FOR_RETENTION,
  type InventorySchema,
} from '../../src/core/inventory/schema';
import { readExternal } from './externalCorpus';

/** A manifest's fileSchema and fileFormat; read with a pattern where the source is not valid JSON. */
function manifestOf(...path: string[]): { fileFormat: string; fileSchema: string } {
  const text = readExternal('inventory', ...path);
  try {
    const manifest = JSON.parse(text) as { fileFormat: string; fileSchema: string };
    return { fileFormat: manifest.fileFormat, fileSchema: manifest.fileSchema };
  } catch {
    return { fileFormat: /"fileFormat"\s*:\s*"([^"]+)"/.exec(text)![1]!, fileSchema: /"fileSchema"\s*:\s*"([^"]+)"/.exec(text)![1]! };
  }
}

const columns = (schema: InventorySchema) => schema.columns.map((c) => `${c.column}:${c.hiveType}`);

const DOCS_2023 = [
  'bucket:string',
  'key:string',
  'version_id:string',
  'is_latest:boolean',
  'is_delete_marker:boolean',
  'size:bigint',
  'last_modified_date:timestamp',
  'e_tag:string',
  'storage_class:string',
  'is_multipart_uploaded:boolean',
  'replication_status:string',
  'encryption_status:string',
  'object_lock_retain_until_date:timestamp',
  'object_lock_mode:string',
  'object_lock_legal_hold_status:string',
  'intelligent_tiering_access_tier:string',
  'bucket_key_status:string',
  'checksum_algorithm:string',
];

describe('S3 Inventory fileSchemas as AWS writes them', () => {
  it("reads the documentation's three forms (2023) to the same columns, typed as the ORC and Parquet schemas say", () => {
    for (const format of ['csv', 'orc', 'parquet']) {
      const manifest = manifestOf('aws-docs-userguide-2023', `manifest-${format}.json`);
      const schema = parseInventorySchema(manifest.fileSchema, manifest.fileFormat);
      assert.equal(schema.form, manifest.fileFormat);
      assert.deepEqual(
        schema.columns.map((c) => c.column),
        DOCS_2023.map((c) => c.split(':')[0]),
        format,
      );
      if (format !== 'csv') assert.deepEqual(columns(schema), DOCS_2023, format);
      assert.ok(
        schema.columns.every((c) => c.known),
        format,
      );
      assert.ok(listsAllVersions(schema));
    }
  });

  it('reads the 2021 documentation, whose Parquet manifest is not even valid JSON, and its (UTF8) and TIMESTAMP_MILLIS', () => {
    assert.throws(() => JSON.parse(readExternal('inventory', 'aws-docs-devguide-2021', 'manifest-parquet.json')));
    const parquet = parseInventorySchema(manifestOf('aws-docs-devguide-2021', 'manifest-parquet.json').fileSchema, 'Parquet');
    assert.deepEqual(columns(parquet), DOCS_2023.slice(0, 12));
    const csv = parseInventorySchema(manifestOf('aws-docs-devguide-2021', 'manifest-csv.json').fileSchema, 'CSV');
    assert.deepEqual(csv.columns.map((c) => c.field).slice(-3), ['ObjectLockRetainUntilDate', 'ObjectLockMode', 'ObjectLockLegalHoldStatus']);
  });

  it("reads real reports' Parquet schema, with (STRING) and TIMESTAMP(MILLIS,true) and doubled spaces", () => {
    const real = manifestOf('orcabus-filemanager', 'parquet_inventory_manifest.json');
    assert.match(real.fileSchema, /\(STRING\);  optional/);
    assert.deepEqual(columns(parseInventorySchema(real.fileSchema, real.fileFormat)), DOCS_2023);
  });

  it('reads a report of current versions only: no version fields', () => {
    const manifest = manifestOf('orcabus-filemanager', 'csv_inventory_no_version_manifest.json');
    const schema = parseInventorySchema(manifest.fileSchema, manifest.fileFormat);
    assert.equal(listsAllVersions(schema), false);
    assert.deepEqual(
      schema.columns.slice(0, 4).map((c) => c.field),
      ['Bucket', 'Key', 'Size', 'LastModifiedDate'],
    );
    assert.deepEqual(missingFields(schema, REQUIRED_FOR_RETENTION), []);
  });

  it('reads minimal field selections of real 2025 reports, CSV and Parquet', () => {
    const narrative = manifestOf('real-world-manifests', 'narrative-prod-ml-meta-upload-manifest.json');
    const csv = parseInventorySchema(narrative.fileSchema, narrative.fileFormat);
    assert.deepEqual(
      csv.columns.map((c) => c.field),
      ['Bucket', 'Key', 'Size', 'LastModifiedDate'],
    );
    assert.equal(hasField(csv, 'StorageClass'), false);
    assert.deepEqual(missingFields(csv, ['ObjectLockRetainUntilDate', 'ObjectLockLegalHoldStatus']), [
      'ObjectLockRetainUntilDate',
      'ObjectLockLegalHoldStatus',
    ]);
    // The NixOS cache's manifest is cut short in its source: its fileSchema line is whole.
    const nix = manifestOf('real-world-manifests', 'nix-cache-manifest-excerpt.txt');
    assert.deepEqual(columns(parseInventorySchema(nix.fileSchema, nix.fileFormat)), [
      'bucket:string',
      'key:string',
      'size:bigint',
      'last_modified_date:timestamp',
      'e_tag:string',
      'storage_class:string',
    ]);
  });

  it('keeps fields it does not know (AWS adds fields) in their place, to be ignored', () => {
    const schema = parseInventorySchema('Bucket, Key, Size, ObjectOwner, SomeFieldAwsAddsLater, LastModifiedDate', 'CSV');
    assert.deepEqual(
      schema.columns.map((c) => [c.column, c.known]),
      [
        ['bucket', true],
        ['key', true],
        ['size', true],
        ['object_owner', true],
        ['some_field_aws_adds_later', false],
        ['last_modified_date', true],
      ],
    );
    const parquet = parseInventorySchema(
      'message s3.inventory { required binary bucket (STRING); required binary key (STRING); optional double future_score; }',
    );
    assert.deepEqual(columns(parquet), ['bucket:string', 'key:string', 'future_score:double']);
  });

  it("refuses schemas that are not an inventory's, saying why", () => {
    assert.throws(
      () => parseInventorySchema('Bucket, Size'),
      (e: unknown) => e instanceof InventorySchemaError && /no Key field/.test(e.message),
    );
    assert.throws(() => parseInventorySchema('Bucket, Key', 'Parquet'), /fileFormat Parquet but its fileSchema is written as CSV/);
    assert.throws(() => parseInventorySchema('Bucket, Key Size'), /not a field name/);
    assert.throws(
      () => parseInventorySchema('message s3.inventory { required binary bucket (STRING); required int128 key; }'),
      /cannot read|not one S3 Inventory writes/,
    );
    assert.throws(() => parseInventorySchema('Bucket, Key, Key'), /twice/);
  });

  it("writes the schemas the generator puts in its manifests in AWS's forms, which read back to the same fields", () => {
    const fields = ['Bucket', 'Key', 'Size', 'LastModifiedDate', 'StorageClass', 'IsMultipartUploaded'];
    assert.equal(csvFileSchema(fields), 'Bucket, Key, Size, LastModifiedDate, StorageClass, IsMultipartUploaded');
    assert.deepEqual(
      parseInventorySchema(parquetFileSchema(fields), 'Parquet').columns.map((c) => c.field),
      fields,
    );
    assert.deepEqual(columns(parseInventorySchema(parquetFileSchema(fields))), [
      'bucket:string',
      'key:string',
      'size:bigint',
      'last_modified_date:timestamp',
      'storage_class:string',
      'is_multipart_uploaded:boolean',
    ]);
  });
});

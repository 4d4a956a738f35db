// S3 Inventory reports as S3 writes them: CSV data files (every field quoted, keys URL-encoded)
// named by a manifest.json with the schema (schema.ts), and a manifest.checksum beside it.

import { encodeS3Key } from '../s3keys';
import type { ObjectVersion } from '../estate/plan';
import { formatIso } from '../time';

/**
 * One field's value in a CSV report, as S3 writes it (the real report under
 * shared/external/inventory/orcabus-filemanager shows a delete marker's row: Size, ETag,
 * StorageClass, IsMultipartUploaded and EncryptionStatus empty, BucketKeyStatus still set; a null
 * version's VersionId empty). Fields this generator has no value for are empty.
 */
function csvValue(field: string, bucket: string, key: string, v: ObjectVersion): string {
  const marker = v.isDeleteMarker;
  switch (field) {
    case 'Bucket':
      return bucket;
    case 'Key':
      return encodeS3Key(key);
    case 'VersionId':
      return v.versionId;
    case 'IsLatest':
      return String(v.isLatest);
    case 'IsDeleteMarker':
      return String(marker);
    case 'Size':
      return marker ? '' : String(v.size);
    case 'LastModifiedDate':
      return formatIso(v.lastModified);
    case 'ETag':
      return marker ? '' : v.etag;
    case 'StorageClass':
      return marker ? '' : v.storageClass;
    case 'IsMultipartUploaded':
      return marker ? '' : String(v.multipart);
    case 'EncryptionStatus':
      return marker ? '' : 'SSE-S3';
    case 'ObjectLockRetainUntilDate':
      return v.lockRetainUntil ? formatIso(v.lockRetainUntil) : '';
    case 'ObjectLockMode':
      return v.lockMode;
    case 'ObjectLockLegalHoldStatus':
      return marker ? '' : v.legalHold ? 'ON' : 'OFF';
    case 'IntelligentTieringAccessTier':
      return v.intelligentTieringTier;
    case 'BucketKeyStatus':
      return 'DISABLED';
    default:
      return '';
  }
}

/** One CSV line (with its newline) for one version of an object: every field quoted, in the order of `fields`. */
export function inventoryCsvLine(fields: readonly string[], bucket: string, key: string, v: ObjectVersion): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) line += `${i === 0 ? '' : ','}"${csvValue(fields[i]!, bucket, key, v)}"`;
  return `${line}\n`;
}

export interface InventoryManifestFile {
  key: string;
  size: number;
  MD5checksum: string;
}

export interface InventoryManifest {
  sourceBucket: string;
  destinationBucket: string;
  version: '2016-11-30';
  creationTimestamp: string;
  fileFormat: 'CSV' | 'Parquet' | 'ORC';
  fileSchema: string;
  files: InventoryManifestFile[];
}

/** Where S3 writes a report: `prefix/source-bucket/config-id/`, with the dated manifest folder below. */
export interface InventoryLayout {
  destinationPrefix: string;
  sourceBucket: string;
  configId: string;
  /** The report's time, e.g. `2024-03-31T01-00Z`. */
  reportTime: string;
}

export function inventoryRoot(layout: InventoryLayout): string {
  return `${layout.destinationPrefix}/${layout.sourceBucket}/${layout.configId}`;
}

export function manifestKey(layout: InventoryLayout): string {
  return `${inventoryRoot(layout)}/${layout.reportTime}/manifest.json`;
}

export function dataFileKey(layout: InventoryLayout, name: string): string {
  return `${inventoryRoot(layout)}/data/${name}`;
}

/** The report-time folder name S3 uses: `YYYY-MM-DDTHH-MMZ`. */
export function reportTimeFolder(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace(':', '-') + 'Z';
}

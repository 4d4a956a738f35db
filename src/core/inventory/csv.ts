// S3 Inventory reports as S3 writes them: CSV data files (every field quoted, keys URL-encoded)
// named by a manifest.json with the schema, and a manifest.checksum beside it.

import { encodeS3Key } from '../s3keys';
import type { ObjectVersion } from '../estate/plan';
import { formatIso } from '../estate/time';

/** The fields of a versioned inventory, in the order the manifest's fileSchema names them. */
export const INVENTORY_FIELDS = [
  'Bucket',
  'Key',
  'VersionId',
  'IsLatest',
  'IsDeleteMarker',
  'Size',
  'LastModifiedDate',
  'ETag',
  'StorageClass',
  'IsMultipartUploaded',
  'ReplicationStatus',
  'EncryptionStatus',
  'ObjectLockRetainUntilDate',
  'ObjectLockMode',
  'ObjectLockLegalHoldStatus',
  'IntelligentTieringAccessTier',
] as const;

/** The Parquet column of each field (S3 writes snake_case names in Parquet and ORC reports). */
export const PARQUET_COLUMNS: Record<(typeof INVENTORY_FIELDS)[number], string> = {
  Bucket: 'bucket',
  Key: 'key',
  VersionId: 'version_id',
  IsLatest: 'is_latest',
  IsDeleteMarker: 'is_delete_marker',
  Size: 'size',
  LastModifiedDate: 'last_modified_date',
  ETag: 'e_tag',
  StorageClass: 'storage_class',
  IsMultipartUploaded: 'is_multipart_uploaded',
  ReplicationStatus: 'replication_status',
  EncryptionStatus: 'encryption_status',
  ObjectLockRetainUntilDate: 'object_lock_retain_until_date',
  ObjectLockMode: 'object_lock_mode',
  ObjectLockLegalHoldStatus: 'object_lock_legal_hold_status',
  IntelligentTieringAccessTier: 'intelligent_tiering_access_tier',
};

export function csvFileSchema(): string {
  return INVENTORY_FIELDS.join(', ');
}

/** One CSV line (with its newline) for one version of an object. */
export function inventoryCsvLine(bucket: string, key: string, v: ObjectVersion): string {
  const marker = v.isDeleteMarker;
  return (
    `"${bucket}","${encodeS3Key(key)}","${v.versionId}","${v.isLatest}","${marker}",` +
    `"${marker ? '' : v.size}","${formatIso(v.lastModified)}","${marker ? '' : v.etag}","${marker ? '' : v.storageClass}",` +
    `"${v.multipart}","","${marker ? '' : 'SSE-S3'}",` +
    `"${v.lockRetainUntil ? formatIso(v.lockRetainUntil) : ''}","${v.lockMode}","${marker ? '' : v.legalHold ? 'ON' : 'OFF'}","${v.intelligentTieringTier}"\n`
  );
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

/** How each field is typed in a Parquet report. */
export const PARQUET_TYPES: Record<(typeof INVENTORY_FIELDS)[number], 'VARCHAR' | 'BOOLEAN' | 'BIGINT' | 'TIMESTAMP_MS'> = {
  Bucket: 'VARCHAR',
  Key: 'VARCHAR',
  VersionId: 'VARCHAR',
  IsLatest: 'BOOLEAN',
  IsDeleteMarker: 'BOOLEAN',
  Size: 'BIGINT',
  LastModifiedDate: 'TIMESTAMP_MS',
  ETag: 'VARCHAR',
  StorageClass: 'VARCHAR',
  IsMultipartUploaded: 'BOOLEAN',
  ReplicationStatus: 'VARCHAR',
  EncryptionStatus: 'VARCHAR',
  ObjectLockRetainUntilDate: 'TIMESTAMP_MS',
  ObjectLockMode: 'VARCHAR',
  ObjectLockLegalHoldStatus: 'VARCHAR',
  IntelligentTieringAccessTier: 'VARCHAR',
};

/** The manifest's fileSchema for a Parquet report: the Parquet message type. */
export function parquetFileSchema(): string {
  const physical = { VARCHAR: 'binary', BOOLEAN: 'boolean', BIGINT: 'int64', TIMESTAMP_MS: 'int64' } as const;
  const logical = { VARCHAR: ' (STRING)', BOOLEAN: '', BIGINT: '', TIMESTAMP_MS: ' (TIMESTAMP(MILLIS,false))' } as const;
  const fields = INVENTORY_FIELDS.map((f) => `${f === 'Bucket' || f === 'Key' ? 'required' : 'optional'} ${physical[PARQUET_TYPES[f]]} ${PARQUET_COLUMNS[f]}${logical[PARQUET_TYPES[f]]};`);
  return `message s3.inventory { ${fields.join(' ')} }`;
}

// An S3 Inventory report's columns, read from its manifest's fileSchema: which fields the report
// has, in which order, with which types. Which optional fields a report carries is its owner's
// choice, and a report of current versions only (S3's default) has no VersionId, IsLatest or
// IsDeleteMarker; CSV and ORC columns are read by position, so nothing may assume a fixed list.
//
// The three forms AWS writes (see the manifests under shared/external/inventory):
// - CSV: `Bucket, Key, Size, LastModifiedDate` (the field names, in the data's order);
// - Parquet: `message s3.inventory { required binary bucket (STRING); … optional int64
//   last_modified_date (TIMESTAMP(MILLIS,true)); }` (the documentation shows `(UTF8)` and
//   `(TIMESTAMP_MILLIS)`; real reports `(STRING)` and `TIMESTAMP(MILLIS,true)`);
// - ORC: `struct<bucket:string,key:string,…,last_modified_date:timestamp>`.

export type InventoryFileFormat = 'CSV' | 'Parquet' | 'ORC';

/** A column of the report: the field's name as S3 documents it, the column's name, its Hive type. */
export interface InventoryColumn {
  /** The field as AWS names it (`LastModifiedDate`), or the column name for a field this list does not know. */
  field: string;
  /** The column (`last_modified_date`): lower snake case, as S3 names Parquet and ORC columns. */
  column: string;
  /** The Hive type of the column in a typed (Parquet or ORC) report: string, boolean, bigint, int, timestamp, double. */
  hiveType: string;
  /** Whether this is a field S3 documents (others are read and ignored). */
  known: boolean;
}

export interface InventorySchema {
  /** The syntax the fileSchema was written in. */
  form: InventoryFileFormat;
  columns: InventoryColumn[];
}

/** The fields S3 documents (Inventory list contents), with the Hive type of their Parquet and ORC columns. */
export const INVENTORY_FIELD_TYPES: Readonly<Record<string, { column: string; hiveType: string }>> = {
  Bucket: { column: 'bucket', hiveType: 'string' },
  Key: { column: 'key', hiveType: 'string' },
  VersionId: { column: 'version_id', hiveType: 'string' },
  IsLatest: { column: 'is_latest', hiveType: 'boolean' },
  IsDeleteMarker: { column: 'is_delete_marker', hiveType: 'boolean' },
  Size: { column: 'size', hiveType: 'bigint' },
  LastModifiedDate: { column: 'last_modified_date', hiveType: 'timestamp' },
  ETag: { column: 'e_tag', hiveType: 'string' },
  StorageClass: { column: 'storage_class', hiveType: 'string' },
  IsMultipartUploaded: { column: 'is_multipart_uploaded', hiveType: 'boolean' },
  ReplicationStatus: { column: 'replication_status', hiveType: 'string' },
  EncryptionStatus: { column: 'encryption_status', hiveType: 'string' },
  ObjectLockRetainUntilDate: { column: 'object_lock_retain_until_date', hiveType: 'timestamp' },
  ObjectLockMode: { column: 'object_lock_mode', hiveType: 'string' },
  ObjectLockLegalHoldStatus: { column: 'object_lock_legal_hold_status', hiveType: 'string' },
  IntelligentTieringAccessTier: { column: 'intelligent_tiering_access_tier', hiveType: 'string' },
  BucketKeyStatus: { column: 'bucket_key_status', hiveType: 'string' },
  ChecksumAlgorithm: { column: 'checksum_algorithm', hiveType: 'string' },
  ObjectAccessControlList: { column: 'object_access_control_list', hiveType: 'string' },
  ObjectOwner: { column: 'object_owner', hiveType: 'string' },
  LifecycleExpirationDate: { column: 'lifecycle_expiration_date', hiveType: 'timestamp' },
};

const FIELD_BY_COLUMN = new Map(Object.entries(INVENTORY_FIELD_TYPES).map(([field, { column }]) => [column, field]));

/** Every field of a versioned report with the fields this version of the product reads, in S3's order: what a template assumes when no manifest says otherwise. */
export const DEFAULT_INVENTORY_FIELDS = [
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

/** The version fields, present only in a report of all versions. */
export const VERSION_FIELDS = ['VersionId', 'IsLatest', 'IsDeleteMarker'] as const;
/** The fields the retention analysis cannot do without. */
export const REQUIRED_FOR_RETENTION = ['Size', 'LastModifiedDate'] as const;
/** The Object Lock fields: without them the analysis cannot see locks and holds. */
export const OBJECT_LOCK_FIELDS = ['ObjectLockRetainUntilDate', 'ObjectLockMode', 'ObjectLockLegalHoldStatus'] as const;

export class InventorySchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InventorySchemaError';
  }
}

/** `LastModifiedDate` → `last_modified_date`; `ETag` → `e_tag` (S3's own names for known fields). */
export function columnOfField(field: string): string {
  const known = INVENTORY_FIELD_TYPES[field];
  if (known) return known.column;
  return field
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
}

function column(field: string, hiveType?: string): InventoryColumn {
  const known = INVENTORY_FIELD_TYPES[field];
  return { field, column: columnOfField(field), hiveType: hiveType ?? known?.hiveType ?? 'string', known: known !== undefined };
}

/** A Parquet column's Hive type from its physical and logical types. */
function parquetHiveType(physical: string, logical: string | undefined): string {
  const logicalUpper = (logical ?? '').toUpperCase().replace(/\s+/g, '');
  switch (physical.toLowerCase()) {
    case 'binary':
    case 'fixed_len_byte_array':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'int64':
      return logicalUpper.startsWith('TIMESTAMP') ? 'timestamp' : 'bigint';
    case 'int32':
      return logicalUpper === 'DATE' ? 'date' : 'int';
    case 'double':
      return 'double';
    case 'float':
      return 'float';
    case 'int96':
      return 'timestamp';
    default:
      throw new InventorySchemaError(`the Parquet type "${physical}" is not one S3 Inventory writes`);
  }
}

/**
 * Reads a manifest's fileSchema in any of its three forms (the form is told by its syntax, and
 * must agree with the manifest's fileFormat when that is given). Throws InventorySchemaError when it
 * cannot be read or lacks Bucket or Key.
 */
export function parseInventorySchema(fileSchema: string, fileFormat?: string): InventorySchema {
  const text = fileSchema.trim();
  let schema: InventorySchema;
  if (/^message\b/i.test(text)) {
    const body = /^message\s+[^{]*\{([\s\S]*)\}\s*;?\s*$/i.exec(text);
    if (!body) throw new InventorySchemaError(`the Parquet fileSchema "${abbreviate(text)}" is not a message { … } type`);
    const columns: InventoryColumn[] = [];
    for (const part of body[1]!.split(';')) {
      const declaration = part.trim();
      if (declaration === '') continue;
      const match = /^(?:required|optional|repeated)\s+(\w+)\s+([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?$/i.exec(declaration);
      if (!match) throw new InventorySchemaError(`cannot read "${declaration}" in the Parquet fileSchema`);
      const name = match[2]!;
      columns.push(column(FIELD_BY_COLUMN.get(name.toLowerCase()) ?? name.toLowerCase(), parquetHiveType(match[1]!, match[3])));
    }
    schema = { form: 'Parquet', columns };
  } else if (/^struct\s*</i.test(text)) {
    const body = /^struct\s*<([\s\S]*)>$/i.exec(text);
    if (!body) throw new InventorySchemaError(`the ORC fileSchema "${abbreviate(text)}" is not a struct<…> type`);
    const columns = body[1]!
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '')
      .map((p) => {
        const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([A-Za-z]+)$/.exec(p);
        if (!match) throw new InventorySchemaError(`cannot read "${p}" in the ORC fileSchema`);
        return column(FIELD_BY_COLUMN.get(match[1]!.toLowerCase()) ?? match[1]!.toLowerCase(), match[2]!.toLowerCase());
      });
    schema = { form: 'ORC', columns };
  } else {
    const fields = text.split(',').map((f) => f.trim());
    for (const field of fields) {
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(field))
        throw new InventorySchemaError(
          `"${field}" in the fileSchema "${abbreviate(text)}" is not a field name: a CSV report's fileSchema lists fields such as Bucket, Key, Size`,
        );
    }
    schema = { form: 'CSV', columns: fields.map((f) => column(f)) };
  }
  if (fileFormat !== undefined && fileFormat.toUpperCase() !== schema.form.toUpperCase()) {
    throw new InventorySchemaError(`the manifest says fileFormat ${fileFormat} but its fileSchema is written as ${schema.form}'s`);
  }
  const seen = new Set<string>();
  for (const c of schema.columns) {
    if (seen.has(c.column)) throw new InventorySchemaError(`the fileSchema names the column ${c.column} twice`);
    seen.add(c.column);
  }
  for (const required of ['Bucket', 'Key']) {
    if (!schema.columns.some((c) => c.field === required))
      throw new InventorySchemaError(`the fileSchema "${abbreviate(text)}" has no ${required} field: it is not an S3 Inventory report`);
  }
  return schema;
}

function abbreviate(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

/** Whether the report has a field (by AWS's name). */
export function hasField(schema: InventorySchema, field: string): boolean {
  return schema.columns.some((c) => c.field === field);
}

/** The fields of `wanted` the report lacks. */
export function missingFields(schema: InventorySchema, wanted: readonly string[]): string[] {
  return wanted.filter((f) => !hasField(schema, f));
}

/** Whether the report lists every version (it has the version fields). */
export function listsAllVersions(schema: InventorySchema): boolean {
  return VERSION_FIELDS.every((f) => hasField(schema, f));
}

/** The fileSchema of a CSV report of these fields, as S3 writes it. */
export function csvFileSchema(fields: readonly string[]): string {
  return fields.join(', ');
}

/** How a field's column is typed in the Parquet files the generator writes (DuckDB types). */
export function parquetColumnType(field: string): 'VARCHAR' | 'BOOLEAN' | 'BIGINT' | 'TIMESTAMP_MS' {
  const hiveType = INVENTORY_FIELD_TYPES[field]?.hiveType ?? 'string';
  return hiveType === 'boolean' ? 'BOOLEAN' : hiveType === 'bigint' ? 'BIGINT' : hiveType === 'timestamp' ? 'TIMESTAMP_MS' : 'VARCHAR';
}

/**
 * The fileSchema of a Parquet report of these fields, in S3's form (`(STRING)` as real reports
 * have it). Timestamps are `TIMESTAMP(MILLIS,false)`: what the generator's files hold (real
 * reports say `true`; both read as timestamps).
 */
export function parquetFileSchema(fields: readonly string[]): string {
  const declarations = fields.map((field) => {
    const { column: name, hiveType } = column(field);
    const required = field === 'Bucket' || field === 'Key' ? 'required' : 'optional';
    switch (hiveType) {
      case 'boolean':
        return `${required} boolean ${name};`;
      case 'bigint':
        return `${required} int64 ${name};`;
      case 'timestamp':
        return `${required} int64 ${name} (TIMESTAMP(MILLIS,false));`;
      default:
        return `${required} binary ${name} (STRING);`;
    }
  });
  return `message s3.inventory {  ${declarations.join('  ')}}`;
}

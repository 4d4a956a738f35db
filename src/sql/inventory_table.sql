-- name: inventory_table
-- description: An S3 Inventory report as a table (CSV, Parquet or ORC; the columns its manifest's fileSchema names, in its order), partitioned by report date with partition projection, and a typed view over it that every other template reads.
-- creates: table
-- @param table identifier s3_inventory The typed view the other templates query
-- @param source_table identifier s3_inventory_source The table over the report files themselves
-- @param location s3location required The report's hive/ folder: s3://DESTINATION/PREFIX/SOURCE-BUCKET/CONFIG-ID/hive/
-- @param format enum(CSV|Parquet|ORC) CSV The report's file format (the manifest's fileFormat)
-- @param schema inventory_schema Bucket,Key,VersionId,IsLatest,IsDeleteMarker,Size,LastModifiedDate,ETag,StorageClass,IsMultipartUploaded,ReplicationStatus,EncryptionStatus,ObjectLockRetainUntilDate,ObjectLockMode,ObjectLockLegalHoldStatus,IntelligentTieringAccessTier The manifest's fileSchema (filled in from the newest manifest.json when the location is known): which fields the report has, in its order
-- @param projection_start string 2016-11-30-00-00 The oldest report date to project, yyyy-MM-dd-HH-mm
DROP TABLE IF EXISTS {{source_table:hive}};

-- CSV and ORC columns are read by position: the list is the report's own, in its order.
CREATE EXTERNAL TABLE {{source_table:hive}} (
  {{schema:text_columns}}                                        -- @when format = CSV
  {{schema:typed_columns}}                                       -- @when format != CSV
)
PARTITIONED BY (dt string)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde'            -- @when format = CSV
ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'  -- @when format = Parquet
ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.orc.OrcSerde'             -- @when format = ORC
STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.IgnoreKeyTextOutputFormat'
LOCATION {{location}}
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd-HH-mm',
  'projection.dt.range' = '{{projection_start:inner}},NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'HOURS'
);

-- The same typed columns whatever the format and whichever optional fields the report has. CSV
-- reports write every field as text, URL-encode keys (a space is +) and write dates as ISO-8601;
-- Parquet and ORC do none of that. A report of current versions only (S3's default) has no
-- version fields: every row is then a current version and none is a delete marker. A field the
-- report lacks is NULL (the analysis says what that means where it matters).
CREATE OR REPLACE VIEW {{table}} AS
SELECT
  bucket,
  coalesce(try(url_decode(key)), key) AS key,                                                        -- @when format = CSV
  key,                                                                                                -- @when format != CSV
  NULLIF(version_id, '') AS version_id,                                                               -- @when schema has version_id
  CAST(NULL AS varchar) AS version_id,                                                                -- @when schema lacks version_id
  NULLIF(is_latest, '') = 'true' AS is_latest,                                                        -- @when format = CSV and schema has is_latest
  is_latest,                                                                                          -- @when format != CSV and schema has is_latest
  true AS is_latest,                                                                                  -- @when schema lacks is_latest
  NULLIF(is_delete_marker, '') = 'true' AS is_delete_marker,                                          -- @when format = CSV and schema has is_delete_marker
  is_delete_marker,                                                                                   -- @when format != CSV and schema has is_delete_marker
  false AS is_delete_marker,                                                                          -- @when schema lacks is_delete_marker
  TRY_CAST(NULLIF(size, '') AS bigint) AS size,                                                       -- @when format = CSV and schema has size
  size,                                                                                               -- @when format != CSV and schema has size
  CAST(NULL AS bigint) AS size,                                                                       -- @when schema lacks size
  CAST(from_iso8601_timestamp(NULLIF(last_modified_date, '')) AS timestamp) AS last_modified_date,    -- @when format = CSV and schema has last_modified_date
  last_modified_date,                                                                                 -- @when format != CSV and schema has last_modified_date
  CAST(NULL AS timestamp) AS last_modified_date,                                                      -- @when schema lacks last_modified_date
  NULLIF(e_tag, '') AS e_tag,                                                                         -- @when schema has e_tag
  CAST(NULL AS varchar) AS e_tag,                                                                     -- @when schema lacks e_tag
  NULLIF(storage_class, '') AS storage_class,                                                         -- @when schema has storage_class
  CAST(NULL AS varchar) AS storage_class,                                                             -- @when schema lacks storage_class
  NULLIF(is_multipart_uploaded, '') = 'true' AS is_multipart_uploaded,                                -- @when format = CSV and schema has is_multipart_uploaded
  is_multipart_uploaded,                                                                              -- @when format != CSV and schema has is_multipart_uploaded
  CAST(NULL AS boolean) AS is_multipart_uploaded,                                                     -- @when schema lacks is_multipart_uploaded
  NULLIF(replication_status, '') AS replication_status,                                               -- @when schema has replication_status
  CAST(NULL AS varchar) AS replication_status,                                                        -- @when schema lacks replication_status
  NULLIF(encryption_status, '') AS encryption_status,                                                 -- @when schema has encryption_status
  CAST(NULL AS varchar) AS encryption_status,                                                         -- @when schema lacks encryption_status
  CAST(from_iso8601_timestamp(NULLIF(object_lock_retain_until_date, '')) AS timestamp) AS object_lock_retain_until_date,  -- @when format = CSV and schema has object_lock_retain_until_date
  object_lock_retain_until_date,                                                                      -- @when format != CSV and schema has object_lock_retain_until_date
  CAST(NULL AS timestamp) AS object_lock_retain_until_date,                                           -- @when schema lacks object_lock_retain_until_date
  NULLIF(object_lock_mode, '') AS object_lock_mode,                                                   -- @when schema has object_lock_mode
  CAST(NULL AS varchar) AS object_lock_mode,                                                          -- @when schema lacks object_lock_mode
  NULLIF(object_lock_legal_hold_status, '') AS object_lock_legal_hold_status,                         -- @when schema has object_lock_legal_hold_status
  CAST(NULL AS varchar) AS object_lock_legal_hold_status,                                             -- @when schema lacks object_lock_legal_hold_status
  NULLIF(intelligent_tiering_access_tier, '') AS intelligent_tiering_access_tier,                     -- @when schema has intelligent_tiering_access_tier
  CAST(NULL AS varchar) AS intelligent_tiering_access_tier,                                           -- @when schema lacks intelligent_tiering_access_tier
  dt
FROM {{source_table}}

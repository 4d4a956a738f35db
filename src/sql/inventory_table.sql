-- name: inventory_table
-- description: An S3 Inventory report as a table (CSV, Parquet or ORC), partitioned by report date with partition projection, and a typed view over it that every other template reads.
-- creates: table
-- @param table identifier s3_inventory The typed view the other templates query
-- @param source_table identifier s3_inventory_source The table over the report files themselves
-- @param location s3location required The report's hive/ folder: s3://DESTINATION/PREFIX/SOURCE-BUCKET/CONFIG-ID/hive/
-- @param format enum(CSV|Parquet|ORC) CSV The report's file format (the manifest's fileFormat)
-- @param projection_start string 2016-11-30-00-00 The oldest report date to project, yyyy-MM-dd-HH-mm
DROP TABLE IF EXISTS {{source_table:hive}};

CREATE EXTERNAL TABLE {{source_table:hive}} (
  bucket string,
  key string,
  version_id string,
  is_latest boolean,
  is_delete_marker boolean,
  size bigint,
  last_modified_date string,                                     -- @when format = CSV
  last_modified_date timestamp,                                  -- @when format != CSV
  e_tag string,
  storage_class string,
  is_multipart_uploaded boolean,
  replication_status string,
  encryption_status string,
  object_lock_retain_until_date string,                          -- @when format = CSV
  object_lock_retain_until_date timestamp,                       -- @when format != CSV
  object_lock_mode string,
  object_lock_legal_hold_status string,
  intelligent_tiering_access_tier string
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

-- CSV reports URL-encode keys and write dates as ISO-8601 text; Parquet and ORC do neither.
-- The view gives every template the same typed columns whatever the format.
CREATE OR REPLACE VIEW {{table}} AS
SELECT
  bucket,
  url_decode(key) AS key,                                        -- @when format = CSV
  key,                                                           -- @when format != CSV
  version_id,
  is_latest,
  is_delete_marker,
  size,
  CAST(from_iso8601_timestamp(last_modified_date) AS timestamp) AS last_modified_date,              -- @when format = CSV
  last_modified_date,                                                                                -- @when format != CSV
  e_tag,
  storage_class,
  is_multipart_uploaded,
  replication_status,
  encryption_status,
  CAST(from_iso8601_timestamp(NULLIF(object_lock_retain_until_date, '')) AS timestamp) AS object_lock_retain_until_date,  -- @when format = CSV
  object_lock_retain_until_date,                                                                     -- @when format != CSV
  NULLIF(object_lock_mode, '') AS object_lock_mode,
  NULLIF(object_lock_legal_hold_status, '') AS object_lock_legal_hold_status,
  NULLIF(intelligent_tiering_access_tier, '') AS intelligent_tiering_access_tier,
  dt
FROM {{source_table}}

-- name: access_log_table
-- description: S3 server access logs as a table (the AWS-documented RegexSerDe, trailing optional fields included), partitioned by the PartitionedPrefix date path, and a typed view over it.
-- creates: table
-- @param table identifier s3_access_logs The typed view the other templates query
-- @param source_table identifier s3_access_logs_source The table over the log files themselves
-- @param location s3location required The log folder of one source bucket, ending in /: s3://LOG-BUCKET/PREFIX/ACCOUNT-ID/REGION/SOURCE-BUCKET/
-- @param projection_start string 2024/01/01 The oldest log date to project, yyyy/MM/dd
DROP TABLE IF EXISTS {{source_table:hive}};

CREATE EXTERNAL TABLE {{source_table:hive}} (
  bucket_owner string,
  bucket string,
  request_datetime string,
  remote_ip string,
  requester string,
  request_id string,
  operation string,
  key string,
  request_uri string,
  http_status string,
  error_code string,
  bytes_sent bigint,
  object_size bigint,
  total_time string,
  turn_around_time string,
  referrer string,
  user_agent string,
  version_id string,
  host_id string,
  signature_version string,
  cipher_suite string,
  authentication_type string,
  host_header string,
  tls_version string,
  access_point_arn string,
  acl_required string,
  source_region string
)
PARTITIONED BY (dt string)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.RegexSerDe'
WITH SERDEPROPERTIES (
  'input.regex' = '([^ ]*) ([^ ]*) \\[(.*?)\\] ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) (\"(?:[^\"]|\"(?! (?:[0-9]{3}|-) [^ ]+ (?:[0-9]+|-) (?:[0-9]+|-) (?:[0-9]+|-) (?:[0-9]+|-) [-\"]))*\"|-) (-|[0-9]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) (\"(?:[^\"]|\"(?! \"| -(?: |$)))*\"|-) (\".*\"|-)(?: ([^ ]*)(?: ([^ ]*(?: (?!SigV)(?!-(?: |$))[^ ]+(?= (?:SigV[^ ]*|-)(?: |$)))?)(?: ([^ ]*)(?: ([^ ]*)(?: ([^ ]*)(?: ([^ ]*)(?: ([^ ]*)(?: ([^ ]*)(?: ([^ ]*)(?: ([^ ]*))?)?)?)?)?)?)?)?)?)?.*$'
)
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION {{location}}
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy/MM/dd',
  'projection.dt.range' = '{{projection_start:inner}},NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'DAYS',
  'storage.location.template' = '{{location:inner}}${dt}'
);

-- The pattern reads lines as the local engine's parser does: a quoted field may hold quotes (the
-- request URI ends at the quote followed by a status, an error code and four numbers; the referrer
-- at the quote followed by the user agent; the user agent at the line's last quote), older lines
-- stop after any field from the version id on, a host ID of two tokens (seen in real logs) is one
-- field, and trailing fields S3 adds later are ignored.
-- The log text as typed columns: `-` is null, the time a timestamp (UTC), the key URL-decoded as S3
-- encodes it: twice for requests (REST.*, WEBSITE.*), once for S3's own operations and
-- BATCH.DELETE.OBJECT (url_decode reads + as a space, as S3 writes one). A line the pattern does not
-- match has every column null, and one whose time is no time has a null time: `malformed` says so.
-- (The local engine parses the logs with its own parser straight into these columns, and keeps a
-- malformed line's reason, file and line.)
CREATE OR REPLACE VIEW {{table}} AS
SELECT
  NULLIF(bucket_owner, '-') AS bucket_owner,
  bucket,
  CAST(try(parse_datetime(request_datetime, 'dd/MMM/yyyy:HH:mm:ss Z')) AT TIME ZONE 'UTC' AS timestamp) AS request_time,
  NULLIF(remote_ip, '-') AS remote_ip,
  NULLIF(requester, '-') AS requester,
  request_id,
  operation,
  CASE WHEN operation LIKE 'REST.%' OR operation LIKE 'WEBSITE.%'
       THEN coalesce(try(url_decode(url_decode(NULLIF(key, '-')))), try(url_decode(NULLIF(key, '-'))), NULLIF(key, '-'))
       ELSE coalesce(try(url_decode(NULLIF(key, '-'))), NULLIF(key, '-')) END AS key,
  NULLIF(CASE WHEN request_uri LIKE '"%"' THEN substr(request_uri, 2, length(request_uri) - 2) ELSE request_uri END, '-') AS request_uri,
  TRY_CAST(http_status AS integer) AS http_status,
  NULLIF(error_code, '-') AS error_code,
  bytes_sent,
  object_size,
  TRY_CAST(total_time AS bigint) AS total_time,
  TRY_CAST(turn_around_time AS bigint) AS turn_around_time,
  NULLIF(CASE WHEN referrer LIKE '"%"' THEN substr(referrer, 2, length(referrer) - 2) ELSE referrer END, '-') AS referrer,
  NULLIF(CASE WHEN user_agent LIKE '"%"' THEN substr(user_agent, 2, length(user_agent) - 2) ELSE user_agent END, '-') AS user_agent,
  NULLIF(NULLIF(version_id, '-'), '') AS version_id,
  NULLIF(NULLIF(host_id, '-'), '') AS host_id,
  NULLIF(NULLIF(signature_version, '-'), '') AS signature_version,
  NULLIF(NULLIF(cipher_suite, '-'), '') AS cipher_suite,
  NULLIF(NULLIF(authentication_type, '-'), '') AS authentication_type,
  NULLIF(NULLIF(host_header, '-'), '') AS host_header,
  NULLIF(NULLIF(tls_version, '-'), '') AS tls_version,
  NULLIF(NULLIF(access_point_arn, '-'), '') AS access_point_arn,
  NULLIF(NULLIF(acl_required, '-'), '') AS acl_required,
  NULLIF(NULLIF(source_region, '-'), '') AS source_region,
  CASE WHEN request_datetime IS NULL THEN 'the line does not match the access-log pattern'
       WHEN try(parse_datetime(request_datetime, 'dd/MMM/yyyy:HH:mm:ss Z')) IS NULL THEN 'the time field is not a valid time' END AS malformed,
  dt
FROM {{source_table}}

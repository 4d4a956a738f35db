-- name: lifecycle_events
-- description: The lifecycle operations in the access logs: time, operation, key (URL-decoded) and version id, one row per request.
-- creates: table
-- @param table identifier lifecycle_events The table the events are saved as
-- @param access_log_table identifier s3_access_logs The typed access-log view (made by access_log_table)
-- @param bucket string '' Only this source bucket ('' for every bucket in the logs)
-- @param operations string S3.CREATE.DELETEMARKER,S3.EXPIRE.OBJECT Comma-separated lifecycle operations
DROP TABLE IF EXISTS {{table:hive}};

CREATE TABLE {{table}} WITH (format = 'PARQUET') AS
-- S3 may deliver a log line twice: one row per request id.
SELECT DISTINCT request_id, request_time AS event_time, operation, key, version_id
FROM {{access_log_table}}
WHERE strpos(',' || {{operations}} || ',', ',' || operation || ',') > 0
  AND key IS NOT NULL
  AND ({{bucket}} = '' OR bucket = {{bucket}});

SELECT event_time, operation, key, version_id
FROM {{table}}
ORDER BY event_time, key

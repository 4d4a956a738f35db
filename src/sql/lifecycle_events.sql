-- name: lifecycle_events
-- description: The lifecycle operations in the access logs, one row per request: time, operation, what it did to the object (kind), key (URL-decoded) and version id; then a summary per kind.
-- creates: table
-- @param table identifier lifecycle_events The table the events are saved as
-- @param access_log_table identifier s3_access_logs The typed access-log view (made by access_log_table)
-- @param bucket string '' Only this source bucket ('' for every bucket in the logs)
-- @param key_prefix string '' Only the keys that start with this text, as a lifecycle rule's prefix filter ('' for every key)
-- @param operations string S3.CREATE.DELETEMARKER,S3.EXPIRE.OBJECT,S3.TRANSITION_SIA.OBJECT,S3.TRANSITION_ZIA.OBJECT,S3.TRANSITION_INT.OBJECT,S3.TRANSITION_GIR.OBJECT,S3.TRANSITION.OBJECT,S3.TRANSITION_GDA.OBJECT Comma-separated lifecycle operations (AWS, "Lifecycle and logging")
DROP TABLE IF EXISTS {{table:hive}};

-- What each line did (AWS, "Lifecycle and logging"; the real S3.EXPIRE.OBJECT lines carry the
-- version id they expired):
--   delete_marker   S3.CREATE.DELETEMARKER: the current version expired, a delete marker (its version id on the line) took its place
--   expire_marker   S3.EXPIRE.OBJECT of a (key, version id) that a S3.CREATE.DELETEMARKER line created: the expired delete marker removed
--   expire_version  S3.EXPIRE.OBJECT of any other version (a noncurrent version, 'null' included): gone for good
--   expire_object   S3.EXPIRE.OBJECT with no version id: an unversioned bucket's object deleted at once
--   transition      S3.TRANSITION.OBJECT and S3.TRANSITION_*.OBJECT: moved to another storage class
-- A marker whose creation is not in these logs is taken for a version. Any other operation named
-- in `operations` has no kind (NULL). S3 may deliver a line twice: one row per request.
CREATE TABLE {{table}} WITH (format = 'PARQUET') AS
WITH lines AS (
  SELECT DISTINCT request_id, request_time AS event_time, operation, key, version_id
  FROM {{access_log_table}}
  WHERE strpos(',' || {{operations}} || ',', ',' || operation || ',') > 0
    AND key IS NOT NULL
    AND ({{bucket}} = '' OR bucket = {{bucket}})
    AND ({{key_prefix}} = '' OR starts_with(key, {{key_prefix}}))
),
markers AS (
  SELECT DISTINCT key, version_id
  FROM lines
  WHERE operation = 'S3.CREATE.DELETEMARKER' AND version_id IS NOT NULL
)
SELECT l.request_id,
       l.event_time,
       l.operation,
       CASE WHEN l.operation = 'S3.CREATE.DELETEMARKER' THEN 'delete_marker'
            WHEN l.operation LIKE 'S3.TRANSITION%' THEN 'transition'
            WHEN l.operation <> 'S3.EXPIRE.OBJECT' THEN CAST(NULL AS varchar)
            WHEN l.version_id IS NULL THEN 'expire_object'
            WHEN m.key IS NOT NULL THEN 'expire_marker'
            ELSE 'expire_version' END AS kind,
       l.key,
       l.version_id
FROM lines l
-- An equi-join only (the CASE looks at the operation): with the operation in the ON clause DuckDB
-- joined by nested loop, 50 s for half a million lines.
LEFT JOIN markers m ON m.key = l.key AND m.version_id = l.version_id;

SELECT kind, operation, count(*) AS events, min(event_time) AS first_event, max(event_time) AS last_event
FROM {{table}}
GROUP BY kind, operation
ORDER BY kind, operation

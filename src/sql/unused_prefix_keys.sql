-- name: unused_prefix_keys
-- description: Bucket, key and version id of every expirable object under the chosen prefixes (the unused_prefixes table by default): the rows of an S3 Batch Operations CSV manifest.
-- @param prefixes_table identifier unused_prefixes A table with a prefix column (made by unused_prefixes)
-- @param inventory_table identifier s3_inventory The typed inventory view (made by inventory_table)
-- @param bucket string '' Only this source bucket ('' for every bucket in the inventory)
-- @param inventory_dt string '' The inventory report to use, yyyy-MM-dd-HH-mm ('' for the newest)
-- @param as_of date required The last day of the window (UTC, inclusive): objects modified in the window are kept
-- @param days integer 30 Days in the window, ending with as_of
-- @param exempt_key_regex string '' Keys matching this regular expression are never expired ('' for none)
WITH params AS (
  SELECT CAST(date_add('day', 1 - {{days}}, {{as_of}}) AS timestamp) AS window_start,
         CAST(date_add('day', 1, {{as_of}}) AS timestamp) AS window_end
),
objects AS (
  SELECT i.bucket, i.key, i.version_id,
         regexp_replace(regexp_replace(i.key, '/+$', ''), '/?[^/]*$', '') AS prefix
  FROM {{inventory_table}} i CROSS JOIN params p
  WHERE i.dt = coalesce(NULLIF({{inventory_dt}}, ''), (SELECT max(dt) FROM {{inventory_table}}))
    AND ({{bucket}} = '' OR i.bucket = {{bucket}})
    AND i.is_latest AND NOT i.is_delete_marker
    AND i.last_modified_date < p.window_start
    AND coalesce(i.object_lock_legal_hold_status, 'OFF') <> 'ON'
    AND (i.object_lock_retain_until_date IS NULL OR i.object_lock_retain_until_date < p.window_end)
    AND ({{exempt_key_regex}} = '' OR NOT regexp_like(i.key, {{exempt_key_regex}}))
)
SELECT o.bucket, o.key, o.version_id
FROM objects o
JOIN (SELECT DISTINCT prefix FROM {{prefixes_table}}) c ON c.prefix = o.prefix
ORDER BY o.bucket, o.key

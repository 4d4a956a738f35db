-- name: unused_prefixes
-- description: Inventory prefixes with no read in the window (equality join on the prefix), with objects, bytes, storage classes, bytes per storage class and newest last-modified; young and exempt objects are kept out. Saved as a table for unused_prefix_keys.
-- creates: table
-- @param table identifier unused_prefixes The table the result is saved as
-- @param inventory_table identifier s3_inventory The typed inventory view (made by inventory_table)
-- @param access_log_table identifier s3_access_logs The typed access-log view (made by access_log_table)
-- @param bucket string '' Only this source bucket ('' for every bucket in the inventory)
-- @param inventory_dt string '' The inventory report to use, yyyy-MM-dd-HH-mm ('' for the newest; set it on Athena to scan one report)
-- @param as_of date required The last day of the window (UTC, inclusive)
-- @param days integer 30 Days in the window, ending with as_of
-- @param operations string REST.GET.OBJECT,REST.HEAD.OBJECT,REST.COPY.OBJECT_GET,REST.COPY.PART_GET,WEBSITE.GET.OBJECT,WEBSITE.HEAD.OBJECT,REST.POST.RESTORE Comma-separated operations that count as a read (object reads, copy sources, website reads, restores; not listings)
-- @param statuses string 200,202,206,304 Comma-separated HTTP statuses that count
-- @param excluded_requesters string AmazonS3 Comma-separated requesters that never count (S3's own lifecycle and inventory agents)
-- @param exempt_key_regex string '' Keys matching this regular expression are never expired ('' for none)
DROP TABLE IF EXISTS {{table:hive}};

CREATE TABLE {{table}} WITH (format = 'PARQUET') AS
WITH params AS (
  SELECT CAST(date_add('day', 1 - {{days}}, {{as_of}}) AS timestamp) AS window_start,
         CAST(date_add('day', 1, {{as_of}}) AS timestamp) AS window_end
),
-- Objects that may expire: current, not delete markers, older than the window, not under legal
-- hold or object-lock retention, not exempted by the user.
eligible AS (
  SELECT i.size, i.storage_class, i.last_modified_date,
         regexp_replace(regexp_replace(i.key, '/+$', ''), '/?[^/]*$', '') AS prefix
  FROM {{inventory_table}} i CROSS JOIN params p
  WHERE i.dt = coalesce(NULLIF({{inventory_dt}}, ''), (SELECT max(dt) FROM {{inventory_table}}))
    AND ({{bucket}} = '' OR i.bucket = {{bucket}})
    AND i.is_latest AND NOT i.is_delete_marker
    AND i.last_modified_date < p.window_start
    AND coalesce(i.object_lock_legal_hold_status, 'OFF') <> 'ON'
    AND (i.object_lock_retain_until_date IS NULL OR i.object_lock_retain_until_date < p.window_end)
    AND ({{exempt_key_regex}} = '' OR NOT regexp_like(i.key, {{exempt_key_regex}}))
),
read_prefixes AS (
  SELECT DISTINCT regexp_replace(regexp_replace(l.key, '/+$', ''), '/?[^/]*$', '') AS prefix
  FROM {{access_log_table}} l CROSS JOIN params p
  WHERE l.request_time >= p.window_start AND l.request_time < p.window_end
    AND l.key IS NOT NULL
    AND ({{bucket}} = '' OR l.bucket = {{bucket}})
    AND strpos(',' || {{operations}} || ',', ',' || l.operation || ',') > 0
    AND strpos(',' || {{statuses}} || ',', ',' || CAST(l.http_status AS varchar) || ',') > 0
    AND strpos(',' || {{excluded_requesters}} || ',', ',' || coalesce(l.requester, '-') || ',') = 0
),
-- One row per (prefix, storage class) first: the savings need bytes per class, and the per-prefix
-- totals are sums of these rows. An equality join on the prefix: on Athena this is seconds where
-- LIKE takes minutes.
by_class AS (
  SELECT e.prefix,
         e.storage_class,
         count(*) AS objects,
         sum(e.size) AS bytes,
         max(e.last_modified_date) AS newest_last_modified
  FROM eligible e
  LEFT JOIN read_prefixes r ON r.prefix = e.prefix
  WHERE r.prefix IS NULL
  GROUP BY e.prefix, e.storage_class
)
SELECT prefix,
       CAST(sum(objects) AS bigint) AS objects,
       CAST(sum(bytes) AS bigint) AS bytes,
       array_join(array_sort(array_distinct(array_agg(storage_class))), ',') AS storage_classes,
       max(newest_last_modified) AS newest_last_modified,
       -- 'GLACIER=123,STANDARD=456', sorted by class; a report without the StorageClass field says UNKNOWN.
       array_join(array_agg(coalesce(NULLIF(storage_class, ''), 'UNKNOWN') || '=' || CAST(coalesce(bytes, 0) AS varchar) ORDER BY coalesce(NULLIF(storage_class, ''), 'UNKNOWN')), ',') AS bytes_by_storage_class
FROM by_class
GROUP BY prefix;

SELECT * FROM {{table}} ORDER BY prefix

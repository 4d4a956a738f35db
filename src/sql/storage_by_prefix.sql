-- name: storage_by_prefix
-- description: Bytes and objects per prefix and storage class (current versions and, separately, noncurrent ones), for savings estimates.
-- @param inventory_table identifier s3_inventory The typed inventory view (made by inventory_table)
-- @param bucket string '' Only this source bucket ('' for every bucket in the inventory)
-- @param inventory_dt string '' The inventory report to use, yyyy-MM-dd-HH-mm ('' for the newest)
SELECT regexp_replace(regexp_replace(key, '/+$', ''), '/?[^/]*$', '') AS prefix,
       storage_class,
       count_if(is_latest) AS objects,
       coalesce(sum(CASE WHEN is_latest THEN size END), 0) AS bytes,
       count_if(NOT is_latest) AS noncurrent_versions,
       coalesce(sum(CASE WHEN NOT is_latest THEN size END), 0) AS noncurrent_bytes
FROM {{inventory_table}}
WHERE dt = coalesce(NULLIF({{inventory_dt}}, ''), (SELECT max(dt) FROM {{inventory_table}}))
  AND ({{bucket}} = '' OR bucket = {{bucket}})
  AND NOT is_delete_marker
GROUP BY 1, 2
ORDER BY 1, 2

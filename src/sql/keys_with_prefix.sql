-- name: keys_with_prefix
-- description: Deletion visualisation, step 1: every key of an inventory report with its segment prefix (the first characters of the key by default; edit the expression to segment differently).
-- creates: table
-- @param table identifier keys_with_prefix The table the keys are saved as
-- @param inventory_table identifier s3_inventory The typed inventory view (made by inventory_table)
-- @param bucket string '' Only this source bucket ('' for every bucket in the inventory)
-- @param inventory_dt string '' A report taken before the lifecycle rule ran, yyyy-MM-dd-HH-mm ('' for the newest)
-- @param segment_by enum(characters|path) characters Segment by the key's first characters, or by its first path segments
-- @param prefix_length integer 5 With segment_by = characters: how many characters
-- @param path_depth integer 2 With segment_by = path: how many path segments
-- @param key_prefix string '' Only the keys that start with this text, as a lifecycle rule's prefix filter ('' for every key; logs/ is the folder, logs also takes logs2/)
DROP TABLE IF EXISTS {{table:hive}};

CREATE TABLE {{table}} WITH (format = 'PARQUET') AS
SELECT DISTINCT
       substr(key, 1, {{prefix_length}}) AS segment_prefix,                          -- @when segment_by = characters
       array_join(slice(split(key, '/'), 1, {{path_depth}}), '/') AS segment_prefix,  -- @when segment_by = path
       key
FROM {{inventory_table}}
WHERE dt = coalesce(NULLIF({{inventory_dt}}, ''), (SELECT max(dt) FROM {{inventory_table}}))
  AND ({{bucket}} = '' OR bucket = {{bucket}})
  AND ({{key_prefix}} = '' OR starts_with(key, {{key_prefix}}))
  AND NOT is_delete_marker;

SELECT segment_prefix, count(*) AS keys
FROM {{table}}
GROUP BY segment_prefix
ORDER BY segment_prefix

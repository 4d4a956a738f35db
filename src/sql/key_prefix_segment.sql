-- name: key_prefix_segment
-- description: Deletion visualisation, step 2: a dense segment number per segment prefix and each key's index within its segment, so (segment, index) is a stable pixel.
-- creates: table
-- @param table identifier key_prefix_segment The table the (key, segment, index) rows are saved as
-- @param keys_table identifier keys_with_prefix The keys and their segment prefixes (made by keys_with_prefix)
DROP TABLE IF EXISTS {{table:hive}};

CREATE TABLE {{table}} WITH (format = 'PARQUET') AS
-- Numbering the few distinct prefixes first keeps the window function small.
WITH segments AS (
  SELECT segment_prefix, row_number() OVER (ORDER BY segment_prefix) AS segment
  FROM (SELECT DISTINCT segment_prefix FROM {{keys_table}}) p
)
SELECT k.key,
       s.segment,
       row_number() OVER (PARTITION BY s.segment ORDER BY k.key) AS segment_index,
       s.segment_prefix
FROM {{keys_table}} k
JOIN segments s ON s.segment_prefix = k.segment_prefix;

SELECT segment, count(*) AS keys, min(key) AS first_key
FROM {{table}}
GROUP BY segment
ORDER BY segment

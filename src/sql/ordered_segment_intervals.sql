-- name: ordered_segment_intervals
-- description: Deletion visualisation, step 3: (segment, count) intervals in segment order, with each segment's first pixel (0-based; a key's pixel is first_pixel + segment_index - 1), its prefix and its first and last keys.
-- @param segments_table identifier key_prefix_segment The (key, segment, index) table (made by key_prefix_segment)
SELECT segment,
       min(segment_prefix) AS segment_prefix,
       max(segment_index) AS keys,
       sum(max(segment_index)) OVER (ORDER BY segment) - max(segment_index) AS first_pixel,
       min(key) AS first_key,
       max(key) AS last_key
FROM {{segments_table}}
GROUP BY segment
ORDER BY segment

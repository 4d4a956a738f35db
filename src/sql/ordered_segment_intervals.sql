-- name: ordered_segment_intervals
-- description: Deletion visualisation, step 3: (segment, count) intervals in segment order, with each segment's first pixel.
-- @param segments_table identifier key_prefix_segment The (key, segment, index) table (made by key_prefix_segment)
SELECT segment,
       max(segment_index) AS keys,
       sum(max(segment_index)) OVER (ORDER BY segment) - max(segment_index) AS first_pixel
FROM {{segments_table}}
GROUP BY segment
ORDER BY segment

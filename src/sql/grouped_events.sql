-- name: grouped_events
-- description: Deletion visualisation, step 4: lifecycle events per time bucket, operation and segment, with the ordered indexes they touched (one GIF frame's changes).
-- @param events_table identifier lifecycle_events The lifecycle events (made by lifecycle_events)
-- @param segments_table identifier key_prefix_segment The (key, segment, index) table (made by key_prefix_segment)
-- @param bucket_size enum(minute|hour|day) hour The time bucket of one frame
SELECT date_trunc({{bucket_size}}, e.event_time) AS time_bucket,
       e.operation,
       s.segment,
       array_agg(s.segment_index ORDER BY s.segment_index) AS indexes
FROM {{events_table}} e
JOIN {{segments_table}} s ON s.key = e.key
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3

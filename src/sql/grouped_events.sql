-- name: grouped_events
-- description: Deletion visualisation, step 4: lifecycle events per time bucket, kind (what the event did: delete_marker, expire_version, expire_marker, expire_object, transition) and segment, with the ordered indexes they touched (one GIF frame's changes).
-- @param events_table identifier lifecycle_events The lifecycle events (made by lifecycle_events)
-- @param segments_table identifier key_prefix_segment The (key, segment, index) table (made by key_prefix_segment)
-- @param bucket_size enum(minute|hour|day) hour The time bucket of one frame
-- @param since string '' Only the events at or after this time, yyyy-MM-dd HH:mm:ss UTC ('' for all): the inventory snapshot's, whose keys already show what happened before it
-- An event's pixel is its segment's first pixel (ordered_segment_intervals) + its index - 1. An
-- object whose several noncurrent versions expire in one bucket has its index there once a version.
-- Events on keys that are not in the inventory snapshot have no pixel and are left out.
SELECT date_trunc({{bucket_size}}, e.event_time) AS time_bucket,
       e.kind,
       s.segment,
       array_agg(s.segment_index ORDER BY s.segment_index) AS indexes
FROM {{events_table}} e
JOIN {{segments_table}} s ON s.key = e.key
WHERE {{since}} = '' OR e.event_time >= CAST(NULLIF({{since}}, '') AS timestamp)
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3

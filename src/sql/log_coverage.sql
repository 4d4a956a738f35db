-- name: log_coverage
-- description: The days of the window that have access logs at all (any operation), with their line counts: a day missing here makes live data look unused, so the retention analysis checks this first.
-- @param access_log_table identifier s3_access_logs The typed access-log view (made by access_log_table)
-- @param bucket string '' Only this source bucket ('' for every bucket in the logs)
-- @param as_of date required The last day of the window (UTC, inclusive)
-- @param days integer 30 Days in the window, ending with as_of
WITH params AS (
  SELECT CAST(date_add('day', 1 - {{days}}, {{as_of}}) AS timestamp) AS window_start,
         CAST(date_add('day', 1, {{as_of}}) AS timestamp) AS window_end
)
-- By the time of the request, not the log file's date folder: S3 delivers some lines hours late,
-- into a file of a later day. The day is text (YYYY-MM-DD) so both engines answer alike.
SELECT CAST(CAST(l.request_time AS date) AS varchar) AS day,
       count(*) AS lines
FROM {{access_log_table}} l CROSS JOIN params p
WHERE l.request_time >= p.window_start AND l.request_time < p.window_end
  AND ({{bucket}} = '' OR l.bucket = {{bucket}})
GROUP BY 1
ORDER BY 1

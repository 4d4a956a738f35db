-- name: access_by_prefix
-- description: Per prefix: last access, reads and distinct requesters in the window, counting only the operations that mean someone used the data.
-- @param access_log_table identifier s3_access_logs The typed access-log view (made by access_log_table)
-- @param bucket string '' Only this source bucket ('' for every bucket in the logs)
-- @param as_of date required The last day of the window (UTC, inclusive)
-- @param days integer 30 Days in the window, ending with as_of
-- @param operations string REST.GET.OBJECT,REST.HEAD.OBJECT,REST.COPY.OBJECT_GET,REST.COPY.PART_GET,WEBSITE.GET.OBJECT,WEBSITE.HEAD.OBJECT,REST.POST.RESTORE Comma-separated operations that count as a read (object reads, copy sources, website reads, restores; not listings)
-- @param statuses string 200,202,206,304 Comma-separated HTTP statuses that count
-- @param excluded_requesters string AmazonS3 Comma-separated requesters that never count (S3's own lifecycle and inventory agents)
WITH params AS (
  SELECT CAST(date_add('day', 1 - {{days}}, {{as_of}}) AS timestamp) AS window_start,
         CAST(date_add('day', 1, {{as_of}}) AS timestamp) AS window_end
),
-- One row per counted request: S3 may deliver a log line twice, with the same request id.
reads AS (
  SELECT DISTINCT l.request_id, l.requester, l.request_time,
         regexp_replace(regexp_replace(l.key, '/+$', ''), '/?[^/]*$', '') AS prefix
  FROM {{access_log_table}} l CROSS JOIN params p
  WHERE l.request_time >= p.window_start AND l.request_time < p.window_end
    AND l.key IS NOT NULL
    AND ({{bucket}} = '' OR l.bucket = {{bucket}})
    AND strpos(',' || {{operations}} || ',', ',' || l.operation || ',') > 0
    AND strpos(',' || {{statuses}} || ',', ',' || CAST(l.http_status AS varchar) || ',') > 0
    AND strpos(',' || {{excluded_requesters}} || ',', ',' || coalesce(l.requester, '-') || ',') = 0
)
SELECT prefix,
       max(request_time) AS last_access,
       count(*) AS reads,
       count(DISTINCT requester) AS requesters
FROM reads
GROUP BY prefix
ORDER BY prefix

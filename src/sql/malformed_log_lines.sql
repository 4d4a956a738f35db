-- name: malformed_log_lines
-- description: Access-log lines that could not be read, per log file date: each may be a read the analysis does not see, so the retention analysis stops when there are too many, or one names a key.
-- @param access_log_table identifier s3_access_logs The typed access-log view (made by access_log_table)
-- @param bucket string '' Only this source bucket ('' for every bucket; a line whose bucket could not be read counts for every bucket)
-- @param first_day string required The first log file date to look at, yyyy/MM/dd (the window's first day)
-- @param last_day string required The last log file date to look at, yyyy/MM/dd (S3 delivers some lines days late: the window's end and a week)
-- A malformed line has no request time: it is placed by its log file's date (dt), and a file
-- with no date in its name counts whatever its date.
SELECT dt,
       count(*) AS lines,
       count(key) AS lines_with_key,
       slice(array_agg(malformed ORDER BY malformed), 1, 5) AS examples
FROM {{access_log_table}}
WHERE malformed IS NOT NULL
  AND (dt IS NULL OR (dt >= {{first_day}} AND dt <= {{last_day}}))
  AND ({{bucket}} = '' OR bucket IS NULL OR bucket = {{bucket}})
GROUP BY dt
ORDER BY dt

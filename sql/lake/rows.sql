-- The rows of the partitions of the table the lake is writing that are to be rewritten (the days
-- in temp.main.lake_days; every row of a table the lake does not partition), ordered by day and
-- then time, so that each day's file is written in one pass and a time range reads few row groups.
-- engine: duckdb
SELECT
  r.* EXCLUDE (at)
FROM temp.main.lake_rows AS r
WHERE
  r.day IS NULL OR r.day IN (SELECT d.day FROM temp.main.lake_days AS d)
ORDER BY
  r.day,
  r.at

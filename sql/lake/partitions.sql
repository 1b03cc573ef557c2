-- The partitions of the table the lake is writing (temp.main.lake_rows, the view the lake writer
-- makes of one warehouse table): each day's row count and a fingerprint of its content, the sum of
-- its rows' hashes, which any added, changed or removed row changes and row order does not.
-- engine: duckdb
SELECT
  r.day,
  CAST(COUNT(*) AS BIGINT) AS row_count,
  CAST(SUM(HASH(r)) AS VARCHAR) AS fingerprint
FROM temp.main.lake_rows AS r
GROUP BY
  r.day
ORDER BY
  r.day

SELECT
  r.day,
  CAST(COUNT(*) AS BIGINT) AS row_count,
  CAST(SUM(HASH(r)) AS TEXT) AS fingerprint
FROM temp.main.lake_rows AS r
GROUP BY
  r.day
ORDER BY
  r.day

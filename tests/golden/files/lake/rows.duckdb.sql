SELECT
  r.*
  EXCLUDE ("at")
FROM temp.main.lake_rows AS r
WHERE
  r.day IS NULL OR r.day IN (
    SELECT
      d.day
    FROM temp.main.lake_days AS d
  )
ORDER BY
  r.day,
  r."at"

SELECT
  f.*
FROM filtered_interceptions AS f
LEFT JOIN provider_timeline AS s
  ON s.id = CAST(:provider_id AS STRING)
  AND s.named = (
    f.provider_name <> ''
  )
  AND s.word = CASE WHEN f.provider_name <> '' THEN f.provider_name ELSE f.provider END
  AND f.started_at >= s.lo
  AND f.started_at < s.hi
WHERE
  CAST(:provider_id AS STRING) IS NULL
  OR f.provider_id = CAST(:provider_id AS STRING)
  OR (
    f.provider_id IS NULL AND NOT s.id IS NULL
  )

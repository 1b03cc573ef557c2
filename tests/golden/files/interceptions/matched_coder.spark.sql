SELECT
  f.*
FROM filtered_interceptions AS f
WHERE
  CAST(:provider_id AS STRING) IS NULL
  OR f.provider_id = CAST(:provider_id AS STRING)
  OR (
    f.provider_id IS NULL
    AND (
      (
        CAST(:p_name AS STRING) <> '' AND f.provider_name = CAST(:p_name AS STRING)
      )
      OR (
        f.provider_name = ''
        AND CAST(:p_type AS STRING) <> ''
        AND f.provider = CAST(:p_type AS STRING)
      )
    )
  )

SELECT
  f.*
FROM filtered_interceptions AS f
WHERE
  CAST($provider_id AS UUID) IS NULL
  OR f.provider_id = CAST($provider_id AS UUID)
  OR (
    f.provider_id IS NULL
    AND (
      (
        CAST($p_name AS TEXT) <> '' AND f.provider_name = CAST($p_name AS TEXT)
      )
      OR (
        f.provider_name = ''
        AND CAST($p_type AS TEXT) <> ''
        AND f.provider = CAST($p_type AS TEXT)
      )
    )
  )

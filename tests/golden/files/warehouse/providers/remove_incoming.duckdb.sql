DELETE FROM main.ai_providers
WHERE
  id IN (
    SELECT
      CAST(p.id AS UUID)
    FROM temp.main._providers AS p
  )

UPDATE main.ai_providers_history SET observed_at = CAST($now AS TIMESTAMPTZ)
WHERE
  valid_to IS NULL
  AND id IN (
    SELECT
      CAST(p.id AS UUID)
    FROM temp.main._providers AS p
  )

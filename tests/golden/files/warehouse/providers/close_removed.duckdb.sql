UPDATE main.ai_providers_history SET valid_to = CAST($now AS TIMESTAMPTZ)
WHERE
  valid_to IS NULL
  AND NOT id IN (
    SELECT
      CAST(p.id AS UUID)
    FROM temp.main._providers AS p
  )

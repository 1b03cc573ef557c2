UPDATE main.ai_providers SET deleted = TRUE, enabled = FALSE, updated_at = CAST($now AS TIMESTAMPTZ)
WHERE
  NOT deleted
  AND NOT id IN (
    SELECT
      CAST(p.id AS UUID)
    FROM temp.main._providers AS p
  )

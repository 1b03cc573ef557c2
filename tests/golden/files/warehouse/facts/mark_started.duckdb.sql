INSERT INTO main.aibridge_facts_changed
SELECT
  i.id
FROM interceptions AS i
WHERE
  (
    CAST($since AS TIMESTAMPTZ) IS NULL
    OR i.started_at >= CAST($since AS TIMESTAMPTZ)
  )
  AND (
    CAST($until AS TIMESTAMPTZ) IS NULL
    OR i.started_at < CAST($until AS TIMESTAMPTZ)
    OR (
      CAST($since AS TIMESTAMPTZ) IS NULL AND i.started_at IS NULL
    )
  )

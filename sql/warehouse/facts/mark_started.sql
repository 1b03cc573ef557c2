-- Record the interceptions started in [:since, :until) as changed, and with :since NULL also those
-- without a start: one chunk of a full build made in chunks (facts.py, _build), whose facts are
-- then computed as a refresh computes those of changed interceptions.
-- engine: duckdb
-- :since  timestamptz?  first started_at included (NULL: no lower bound)
-- :until  timestamptz?  first started_at excluded (NULL: no upper bound)
INSERT INTO main.aibridge_facts_changed
SELECT
  i.id
FROM interceptions AS i
WHERE
  (CAST(:since AS TIMESTAMPTZ) IS NULL OR i.started_at >= CAST(:since AS TIMESTAMPTZ))
  AND (
    CAST(:until AS TIMESTAMPTZ) IS NULL
    OR i.started_at < CAST(:until AS TIMESTAMPTZ)
    OR (CAST(:since AS TIMESTAMPTZ) IS NULL AND i.started_at IS NULL)
  )

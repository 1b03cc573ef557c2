-- A provider the live database no longer has was hard-deleted since the last sync: kept for its
-- history, but no longer live (its name may be taken again), gone as of :now.
-- :now  timestamptz  this sync's time
-- engine: duckdb
UPDATE main.ai_providers
SET deleted = TRUE, enabled = FALSE, updated_at = CAST(:now AS TIMESTAMPTZ)
WHERE
  NOT deleted
  AND NOT id IN (
    SELECT
      CAST(p.id AS UUID)
    FROM temp.main._providers AS p
  )

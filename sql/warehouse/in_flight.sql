-- Interceptions the warehouse holds in flight (not ended) that started before :before: the ones
-- the overlap window will not read again, re-read by id instead.
-- :before  timestamptz  the start of the overlap window
-- engine: duckdb
SELECT
  CAST(i.id AS VARCHAR) AS id
FROM main.aibridge_interceptions AS i
WHERE
  i.ended_at IS NULL AND i.started_at < CAST(:before AS TIMESTAMPTZ)
ORDER BY
  i.id

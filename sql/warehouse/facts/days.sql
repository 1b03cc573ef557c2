-- How many interceptions started on each day (UTC; NULL: those without a start), in order: what
-- a full build of a large warehouse cuts into chunks of whole days (facts.py, _build).
-- engine: duckdb
SELECT
  DATE_TRUNC('day', i.started_at) AS day,
  CAST(COUNT(*) AS BIGINT) AS interceptions
FROM interceptions AS i
GROUP BY
  DATE_TRUNC('day', i.started_at)
ORDER BY
  day NULLS FIRST

-- The source's newest interception start not after :now (the generation time), and how many
-- interceptions start after :now (future-dated: a wrong clock or a broken import). Rows dated in
-- the future never choose the report's default range nor the retention cut-off.
-- relation: newest_start
-- :now  timestamptz?  the generation time (NULL: every row counts and none is future-dated)
SELECT
  MAX(CASE WHEN CAST(:now AS TIMESTAMPTZ) IS NULL OR n.started_at <= CAST(:now AS TIMESTAMPTZ) THEN n.started_at END) AS started_at,
  CAST(COALESCE(SUM(CASE WHEN n.started_at > CAST(:now AS TIMESTAMPTZ) THEN 1 ELSE 0 END), 0) AS BIGINT) AS future_dated
FROM interceptions AS n

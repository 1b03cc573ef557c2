SELECT
  MAX(
    CASE
      WHEN CAST(:now AS TIMESTAMP) IS NULL OR n.started_at <= CAST(:now AS TIMESTAMP)
      THEN n.started_at
    END
  ) AS started_at,
  CAST(COALESCE(SUM(CASE WHEN n.started_at > CAST(:now AS TIMESTAMP) THEN 1 ELSE 0 END), 0) AS BIGINT) AS future_dated
FROM interceptions AS n

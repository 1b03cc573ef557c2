SELECT
  MAX(
    CASE
      WHEN CAST($now AS TIMESTAMPTZ) IS NULL OR n.started_at <= CAST($now AS TIMESTAMPTZ)
      THEN n.started_at
    END
  ) AS started_at,
  CAST(COALESCE(SUM(CASE WHEN n.started_at > CAST($now AS TIMESTAMPTZ) THEN 1 ELSE 0 END), 0) AS BIGINT) AS future_dated
FROM interceptions AS n

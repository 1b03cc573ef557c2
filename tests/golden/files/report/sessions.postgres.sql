SELECT
  CAST(COUNT(*) AS BIGINT) AS sessions,
  PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY
    s.interceptions) AS interceptions_per_session_median,
  PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY
    s.interceptions) AS interceptions_per_session_p90,
  PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY
    CAST(s.span_seconds AS DOUBLE PRECISION) / 60) AS span_minutes_median,
  CAST(COALESCE(SUM(CASE WHEN s.providers > 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS multi_provider_sessions,
  CAST(COALESCE(SUM(CASE WHEN s.models > 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS multi_model_sessions,
  CAST(COALESCE(SUM(CASE WHEN s.interceptions = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS single_interception_sessions
FROM (
  SELECT
    COUNT(*) AS interceptions,
    COUNT(DISTINCT k.resolved_provider_id) + MAX(CASE WHEN k.resolved_provider_id IS NULL THEN 1 ELSE 0 END) AS providers,
    COUNT(DISTINCT k.model) AS models,
    CAST(FLOOR(
      CAST(ROUND(
        (
          EXTRACT(EPOCH FROM MAX(k.started_at)) - EXTRACT(EPOCH FROM MIN(k.started_at))
        ) * 1000000
      ) AS DOUBLE PRECISION) / 1000000
    ) AS BIGINT) AS span_seconds
  FROM summary_keyed AS k
  GROUP BY
    k.session_key
) AS s

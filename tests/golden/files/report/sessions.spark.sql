SELECT
  CAST(COUNT(*) AS BIGINT) AS sessions,
  PERCENTILE(s.interceptions, 0.5) AS interceptions_per_session_median,
  PERCENTILE(s.interceptions, 0.9) AS interceptions_per_session_p90,
  PERCENTILE(CAST(s.span_seconds AS DOUBLE) / 60, 0.5) AS span_minutes_median,
  CAST(COALESCE(SUM(CASE WHEN s.providers > 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS multi_provider_sessions,
  CAST(COALESCE(SUM(CASE WHEN s.models > 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS multi_model_sessions,
  CAST(COALESCE(SUM(CASE WHEN s.interceptions = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS single_interception_sessions
FROM (
  SELECT
    COUNT(*) AS interceptions,
    COUNT(DISTINCT k.resolved_provider_id) + MAX(CASE WHEN k.resolved_provider_id IS NULL THEN 1 ELSE 0 END) AS providers,
    COUNT(DISTINCT k.model) AS models,
    CAST(FLOOR(
      ROUND(
        (
          (
            CAST(UNIX_MICROS(MAX(k.started_at)) AS DOUBLE) / 1000000
          ) - (
            CAST(UNIX_MICROS(MIN(k.started_at)) AS DOUBLE) / 1000000
          )
        ) * 1000000
      ) / 1000000
    ) AS BIGINT) AS span_seconds
  FROM summary_keyed AS k
  GROUP BY
    k.session_key
) AS s

SELECT
  f.resolved_provider_id,
  f.provider_name,
  f.provider_type,
  f.model,
  f.client,
  f.initiator_id,
  f.day,
  f.week,
  f.method,
  f.interceptions,
  f.initiators,
  f.sessions,
  f.threads,
  CAST(CAST(FLOOR(CAST((
    ROUND(f.durations_us[1] * 100) + 50
  ) AS DOUBLE PRECISION) / 100) AS DOUBLE PRECISION) / 1000 AS DOUBLE PRECISION) AS duration_p50_ms,
  CAST(CAST(FLOOR(CAST((
    ROUND(f.durations_us[2] * 100) + 50
  ) AS DOUBLE PRECISION) / 100) AS DOUBLE PRECISION) / 1000 AS DOUBLE PRECISION) AS duration_p90_ms,
  CAST(CAST(FLOOR(CAST((
    ROUND(f.durations_us[3] * 100) + 50
  ) AS DOUBLE PRECISION) / 100) AS DOUBLE PRECISION) / 1000 AS DOUBLE PRECISION) AS duration_p95_ms,
  CAST(CAST(FLOOR(CAST((
    ROUND(f.durations_us[4] * 100) + 50
  ) AS DOUBLE PRECISION) / 100) AS DOUBLE PRECISION) / 1000 AS DOUBLE PRECISION) AS duration_p99_ms
FROM (
  SELECT
    k.resolved_provider_id,
    MAX(k.provider_name) AS provider_name,
    k.provider_type,
    k.model,
    k.client,
    k.initiator_id,
    k.day,
    k.week,
    k.method,
    COUNT(*) AS interceptions,
    COUNT(DISTINCT k.initiator_key) AS initiators,
    COUNT(DISTINCT k.session_key) AS sessions,
    COUNT(DISTINCT k.thread_key) AS threads,
    PERCENTILE_CONT(ARRAY[0.5, 0.9, 0.95, 0.99]) WITHIN GROUP (ORDER BY
      k.duration_us) AS durations_us
  FROM summary_keyed AS k
  GROUP BY
    k.resolved_provider_id,
    k.provider_type,
    k.model,
    k.client,
    k.initiator_id,
    k.day,
    k.week,
    k.method
) AS f

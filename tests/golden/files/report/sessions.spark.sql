SELECT
  a.sessions,
  a.interceptions_per_session[0] AS interceptions_per_session_median,
  a.interceptions_per_session[1] AS interceptions_per_session_p90,
  a.span_minutes_median,
  a.multi_provider_sessions,
  a.multi_model_sessions,
  a.single_interception_sessions
FROM (
  SELECT
    CAST(COUNT(*) AS BIGINT) AS sessions,
    PERCENTILE(s.interceptions, ARRAY(0.5, 0.9)) AS interceptions_per_session,
    PERCENTILE(CAST(s.span_seconds AS DOUBLE) / 60, 0.5) AS span_minutes_median,
    CAST(COALESCE(MAX(v.multi_provider_sessions), 0) AS BIGINT) AS multi_provider_sessions,
    CAST(COALESCE(MAX(v.multi_model_sessions), 0) AS BIGINT) AS multi_model_sessions,
    CAST(COALESCE(SUM(CASE WHEN s.interceptions = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS single_interception_sessions
  FROM (
    SELECT
      w.interceptions,
      CAST(FLOOR(
        ROUND(
          (
            (
              CAST(UNIX_MICROS(w.last_started) AS DOUBLE) / 1000000
            ) - (
              CAST(UNIX_MICROS(w.first_started) AS DOUBLE) / 1000000
            )
          ) * 1000000
        ) / 1000000
      ) AS BIGINT) AS span_seconds
    FROM (
      SELECT
        k.session_size AS interceptions,
        k.session_from AS first_started,
        k.session_to AS last_started
      FROM summary_keyed AS k
      WHERE
        k.session_rep AND NOT k.session_split
      UNION ALL
      SELECT
        COUNT(*) AS interceptions,
        MIN(k.started_at) AS first_started,
        MAX(k.started_at) AS last_started
      FROM summary_keyed AS k
      WHERE
        k.session_split
      GROUP BY
        k.session_key
    ) AS w
  ) AS s
  CROSS JOIN (
    SELECT
      SUM(CASE WHEN p.multi_provider THEN 1 ELSE 0 END) AS multi_provider_sessions,
      SUM(CASE WHEN p.multi_model THEN 1 ELSE 0 END) AS multi_model_sessions
    FROM (
      SELECT
        COALESCE(
          MIN(CAST(k.resolved_provider_id AS STRING)) <> MAX(CAST(k.resolved_provider_id AS STRING))
          OR NOT COUNT(k.resolved_provider_id) IN (0, COUNT(*)),
          FALSE
        ) AS multi_provider,
        COALESCE(MIN(k.model) <> MAX(k.model), FALSE) AS multi_model
      FROM summary_keyed AS k
      WHERE
        k.session_split OR (
          k.session_varies & CAST(:multi_mask AS INT)
        ) <> 0
      GROUP BY
        k.session_key
    ) AS p
  ) AS v
) AS a

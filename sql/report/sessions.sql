-- The sessions of the ended interceptions started in [:since, :until) (summary_keyed: a session is
-- a distinct session_id and initiator), one row: how many, the median and 90th percentile of
-- their interceptions (linear interpolation), the median minutes between a session's first and
-- last start (counted in whole seconds), and how many sessions reach several providers (the
-- unattributed rows counting as one), several models, or hold a single interception.
SELECT
  CAST(COUNT(*) AS BIGINT) AS sessions,
  PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY s.interceptions) AS interceptions_per_session_median,
  PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY s.interceptions) AS interceptions_per_session_p90,
  PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY CAST(s.span_seconds AS DOUBLE) / 60) AS span_minutes_median,
  CAST(COALESCE(SUM(CASE WHEN s.multi_provider THEN 1 ELSE 0 END), 0) AS BIGINT) AS multi_provider_sessions,
  CAST(COALESCE(SUM(CASE WHEN s.multi_model THEN 1 ELSE 0 END), 0) AS BIGINT) AS multi_model_sessions,
  CAST(COALESCE(SUM(CASE WHEN s.interceptions = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS single_interception_sessions
FROM (
  SELECT
    COUNT(*) AS interceptions,
    -- Whether two rows differ in provider or model: read from the rows only for the sessions their
    -- marks cannot tell (split for :span_mask, the bits of the provider and the model: see
    -- summaries/keyed.sql); by MIN and MAX, as distinct counts cost several times more. The
    -- unattributed rows (a null provider) count as one provider more.
    COALESCE(
      -- As text: PostgreSQL has no MIN of a uuid.
      MIN(CASE WHEN k.session_split THEN CAST(k.resolved_provider_id AS TEXT) END)
        <> MAX(CASE WHEN k.session_split THEN CAST(k.resolved_provider_id AS TEXT) END)
      OR COUNT(CASE WHEN k.session_split THEN k.resolved_provider_id END) NOT IN (0, COUNT(*)),
      FALSE
    ) AS multi_provider,
    COALESCE(MIN(CASE WHEN k.session_split THEN k.model END) <> MAX(CASE WHEN k.session_split THEN k.model END), FALSE)
      AS multi_model,
    -- Whole seconds, truncated: the epochs are exact to the microsecond once rounded (as duration_us).
    CAST(FLOOR(
      ROUND((EXTRACT(EPOCH FROM MAX(k.started_at)) - EXTRACT(EPOCH FROM MIN(k.started_at))) * 1000000) / 1000000
    ) AS BIGINT) AS span_seconds
  FROM summary_keyed AS k
  GROUP BY k.session_key
) AS s

-- The sessions of the ended interceptions started in [:since, :until) (summary_keyed: a session is
-- a distinct session_id and initiator), one row: how many, the median and 90th percentile of
-- their interceptions (linear interpolation), the median minutes between a session's first and
-- last start (counted in whole seconds), and how many sessions reach several providers (the
-- unattributed rows counting as one), several models, or hold a single interception.
-- A session split for :span_mask (summaries/keyed.sql; 0: one the range cuts, or one without
-- stored spans) is read row by row; any other by its marked row, which holds its size and its
-- first and last start (sql/warehouse/facts/spans.sql).
-- :multi_mask  int = 7  the bits of the provider and the model (summaries.span_mask)
SELECT
  a.sessions,
  a.interceptions_per_session[1] AS interceptions_per_session_median,
  a.interceptions_per_session[2] AS interceptions_per_session_p90,
  a.span_minutes_median,
  a.multi_provider_sessions,
  a.multi_model_sessions,
  a.single_interception_sessions
FROM (
  SELECT
    CAST(COUNT(*) AS BIGINT) AS sessions,
    -- Both in one aggregate: the sizes are ordered once.
    PERCENTILE_CONT(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY s.interceptions) AS interceptions_per_session,
    PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY CAST(s.span_seconds AS DOUBLE) / 60) AS span_minutes_median,
    CAST(COALESCE(MAX(v.multi_provider_sessions), 0) AS BIGINT) AS multi_provider_sessions,
    CAST(COALESCE(MAX(v.multi_model_sessions), 0) AS BIGINT) AS multi_model_sessions,
    CAST(COALESCE(SUM(CASE WHEN s.interceptions = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS single_interception_sessions
  FROM (
    SELECT
      w.interceptions,
      -- Whole seconds, truncated: the epochs are exact to the microsecond once rounded (as duration_us).
      CAST(FLOOR(
        ROUND((EXTRACT(EPOCH FROM w.last_started) - EXTRACT(EPOCH FROM w.first_started)) * 1000000) / 1000000
      ) AS BIGINT) AS span_seconds
    FROM (
      SELECT
        k.session_size AS interceptions,
        k.session_from AS first_started,
        k.session_to AS last_started
      FROM summary_keyed AS k
      WHERE k.session_rep AND NOT k.session_split
      UNION ALL
      SELECT
        COUNT(*) AS interceptions,
        MIN(k.started_at) AS first_started,
        MAX(k.started_at) AS last_started
      FROM summary_keyed AS k
      WHERE k.session_split
      GROUP BY k.session_key
    ) AS w
  ) AS s
  CROSS JOIN (
    -- Whether a session's rows differ in provider or model, counted in one row. Only the sessions
    -- their marks cannot tell are read row by row (split, or varying in a bit of :multi_mask; a
    -- session is split or not as a whole): the others lie whole in the range with one provider and
    -- one model. By MIN and MAX, as distinct counts cost several times more. The unattributed rows
    -- (a null provider) count as one provider more.
    SELECT
      SUM(CASE WHEN p.multi_provider THEN 1 ELSE 0 END) AS multi_provider_sessions,
      SUM(CASE WHEN p.multi_model THEN 1 ELSE 0 END) AS multi_model_sessions
    FROM (
      SELECT
        COALESCE(
          -- As text: PostgreSQL has no MIN of a uuid.
          MIN(CAST(k.resolved_provider_id AS TEXT)) <> MAX(CAST(k.resolved_provider_id AS TEXT))
          OR COUNT(k.resolved_provider_id) NOT IN (0, COUNT(*)),
          FALSE
        ) AS multi_provider,
        COALESCE(MIN(k.model) <> MAX(k.model), FALSE) AS multi_model
      FROM summary_keyed AS k
      -- A split session's varies may be NULL: the split decides.
      WHERE k.session_split OR (k.session_varies & CAST(:multi_mask AS INTEGER)) <> 0
      GROUP BY k.session_key
    ) AS p
  ) AS v
) AS a

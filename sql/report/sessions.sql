-- The sessions of the ended interceptions started in [:since, :until) (summary_keyed: a session is
-- a distinct session_id and initiator), one row: how many, the median and 90th percentile of
-- their interceptions (linear interpolation), the median minutes between a session's first and
-- last start (counted in whole seconds), and how many sessions reach several providers (the
-- unattributed rows counting as one), several models, or hold a single interception.
-- A session split for :span_mask (summaries/keyed.sql; 0: one the range cuts, or one without
-- stored spans) is read row by row; any other by its marked row, which holds its size and its
-- first and last start (sql/warehouse/facts/spans.sql). The percentiles are read off how many
-- sessions have each size and each span (few values) rather than by ordering every session.
-- :multi_mask  int = 7  the bits of the provider and the model (summaries.span_mask)
WITH per_session AS (
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
), histogram AS (
  -- How many sessions have each size and each span (one grouping pass for both), and how many
  -- have that value or less. Neither is ever NULL, so the one a row leaves NULL tells its set.
  SELECT
    h.what,
    h.v,
    h.n,
    SUM(h.n) OVER (PARTITION BY h.what ORDER BY h.v) AS upto,
    SUM(h.n) OVER (PARTITION BY h.what) AS total
  FROM (
    SELECT
      CASE WHEN p.span_seconds IS NULL THEN 'size' ELSE 'span' END AS what,
      COALESCE(p.interceptions, p.span_seconds) AS v,
      COUNT(*) AS n
    FROM per_session AS p
    GROUP BY GROUPING SETS ((p.interceptions), (p.span_seconds))
  ) AS h
), picked AS (
  -- Each percentile as PERCENTILE_CONT takes it: at position q * (sessions - 1) of the values in
  -- order (from 0), between the values at its floor and its ceiling by its fraction. The value at
  -- position i is the smallest whose count of values up to it exceeds i.
  SELECT
    x.what,
    x.at,
    MAX(x.total) AS total,
    SUM(CASE WHEN x.v = 1 THEN x.n ELSE 0 END) AS ones,
    MIN(CASE WHEN CAST(x.upto AS DOUBLE) > FLOOR(x.position) THEN x.v END) AS lo,
    MIN(CASE WHEN CAST(x.upto AS DOUBLE) > CEIL(x.position) THEN x.v END) AS hi,
    MAX(x.position - FLOOR(x.position)) AS fraction
  FROM (
    SELECT
      h.what,
      h.v,
      h.n,
      h.upto,
      h.total,
      q.at,
      q.at * (CAST(h.total AS DOUBLE) - 1) AS position
    FROM histogram AS h
    JOIN (
      SELECT 'size' AS what, CAST(0.5 AS DOUBLE) AS at
      UNION ALL
      SELECT 'size' AS what, CAST(0.9 AS DOUBLE) AS at
      UNION ALL
      SELECT 'span' AS what, CAST(0.5 AS DOUBLE) AS at
    ) AS q
      ON q.what = h.what
  ) AS x
  GROUP BY x.what, x.at
), lerped AS (
  -- Linear interpolation, one IEEE operation at a time (as PostgreSQL's PERCENTILE_CONT; DuckDB's
  -- own weighs both ends, which differs in the last digit); a span in minutes.
  SELECT
    c.what,
    c.at,
    c.total,
    c.ones,
    c.lo + (c.hi - c.lo) * c.fraction AS value
  FROM (
    SELECT
      k.what,
      k.at,
      k.total,
      k.ones,
      CASE WHEN k.what = 'span' THEN CAST(k.lo AS DOUBLE) / 60 ELSE CAST(k.lo AS DOUBLE) END AS lo,
      CASE WHEN k.what = 'span' THEN CAST(k.hi AS DOUBLE) / 60 ELSE CAST(k.hi AS DOUBLE) END AS hi,
      k.fraction
    FROM picked AS k
  ) AS c
)
-- Each relation above is read once: an engine that inlines them computes each once.
SELECT
  CAST(COALESCE(MAX(CASE WHEN l.what = 'size' THEN l.total END), 0) AS BIGINT) AS sessions,
  MAX(CASE WHEN l.what = 'size' AND l.at = 0.5 THEN l.value END) AS interceptions_per_session_median,
  MAX(CASE WHEN l.what = 'size' AND l.at = 0.9 THEN l.value END) AS interceptions_per_session_p90,
  MAX(CASE WHEN l.what = 'span' THEN l.value END) AS span_minutes_median,
  CAST(COALESCE(MAX(v.multi_provider_sessions), 0) AS BIGINT) AS multi_provider_sessions,
  CAST(COALESCE(MAX(v.multi_model_sessions), 0) AS BIGINT) AS multi_model_sessions,
  CAST(COALESCE(MAX(CASE WHEN l.what = 'size' THEN l.ones END), 0) AS BIGINT) AS single_interception_sessions
FROM lerped AS l
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

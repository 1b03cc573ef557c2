WITH per_session AS (
  SELECT
    w.interceptions,
    CAST(FLOOR(
      CAST(ROUND(
        (
          EXTRACT(EPOCH FROM w.last_started) - EXTRACT(EPOCH FROM w.first_started)
        ) * 1000000
      ) AS DOUBLE PRECISION) / 1000000
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
), histogram AS (
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
    GROUP BY
      GROUPING SETS (
        (
          p.interceptions
        ),
        (
          p.span_seconds
        )
      )
  ) AS h
), picked AS (
  SELECT
    x.what,
    x.at,
    MAX(x.total) AS total,
    SUM(CASE WHEN x.v = 1 THEN x.n ELSE 0 END) AS ones,
    MIN(CASE WHEN CAST(x.upto AS DOUBLE PRECISION) > FLOOR(x.position) THEN x.v END) AS lo,
    MIN(CASE WHEN CAST(x.upto AS DOUBLE PRECISION) > CEIL(x.position) THEN x.v END) AS hi,
    MAX(x.position - FLOOR(x.position)) AS fraction
  FROM (
    SELECT
      h.what,
      h.v,
      h.n,
      h.upto,
      h.total,
      q.at,
      q.at * (
        CAST(h.total AS DOUBLE PRECISION) - 1
      ) AS position
    FROM histogram AS h
    JOIN (
      SELECT
        'size' AS what,
        CAST(0.5 AS DOUBLE PRECISION) AS at
      UNION ALL
      SELECT
        'size' AS what,
        CAST(0.9 AS DOUBLE PRECISION) AS at
      UNION ALL
      SELECT
        'span' AS what,
        CAST(0.5 AS DOUBLE PRECISION) AS at
    ) AS q
      ON q.what = h.what
  ) AS x
  GROUP BY
    x.what,
    x.at
), lerped AS (
  SELECT
    c.what,
    c.at,
    c.total,
    c.ones,
    c.lo + (
      c.hi - c.lo
    ) * c.fraction AS value
  FROM (
    SELECT
      k.what,
      k.at,
      k.total,
      k.ones,
      CASE
        WHEN k.what = 'span'
        THEN CAST(k.lo AS DOUBLE PRECISION) / 60
        ELSE CAST(k.lo AS DOUBLE PRECISION)
      END AS lo,
      CASE
        WHEN k.what = 'span'
        THEN CAST(k.hi AS DOUBLE PRECISION) / 60
        ELSE CAST(k.hi AS DOUBLE PRECISION)
      END AS hi,
      k.fraction
    FROM picked AS k
  ) AS c
)
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
  SELECT
    SUM(CASE WHEN p.multi_provider THEN 1 ELSE 0 END) AS multi_provider_sessions,
    SUM(CASE WHEN p.multi_model THEN 1 ELSE 0 END) AS multi_model_sessions
  FROM (
    SELECT
      COALESCE(
        MIN(CAST(k.resolved_provider_id AS TEXT)) <> MAX(CAST(k.resolved_provider_id AS TEXT))
        OR NOT COUNT(k.resolved_provider_id) IN (0, COUNT(*)),
        FALSE
      ) AS multi_provider,
      COALESCE(MIN(k.model) <> MAX(k.model), FALSE) AS multi_model
    FROM summary_keyed AS k
    WHERE
      k.session_split OR (
        k.session_varies & CAST(%(multi_mask)s AS INT)
      ) <> 0
    GROUP BY
      k.session_key
  ) AS p
) AS v

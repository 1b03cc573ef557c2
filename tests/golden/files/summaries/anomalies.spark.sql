WITH in_range AS (
  SELECT
    i.id,
    i.initiator_id,
    i.model,
    i.started_at,
    i.ended_at
  FROM interceptions AS i
  WHERE
    (
      CAST(:since AS TIMESTAMP) IS NULL OR i.started_at >= CAST(:since AS TIMESTAMP)
    )
    AND (
      CAST(:until AS TIMESTAMP) IS NULL OR i.started_at < CAST(:until AS TIMESTAMP)
    )
), negative_tokens AS (
  SELECT
    t.id,
    t.input_tokens,
    t.output_tokens,
    t.cache_read_input_tokens,
    t.cache_write_input_tokens
  FROM token_usages AS t
  WHERE
    (
      t.input_tokens < 0
      OR t.output_tokens < 0
      OR t.cache_read_input_tokens < 0
      OR t.cache_write_input_tokens < 0
    )
    AND t.interception_id IN (
      SELECT
        r.id
      FROM in_range AS r
    )
), found AS (
  SELECT
    'ended_before_start' AS anomaly,
    r.id
  FROM in_range AS r
  WHERE
    r.ended_at < r.started_at
  UNION ALL
  SELECT
    'missing_value',
    r.id
  FROM in_range AS r
  WHERE
    r.id IS NULL OR r.initiator_id IS NULL OR r.model IS NULL OR r.started_at IS NULL
  UNION ALL
  SELECT
    'duplicate_id',
    r.id
  FROM in_range AS r
  WHERE
    NOT r.id IS NULL
  GROUP BY
    r.id
  HAVING
    COUNT(*) > 1
  UNION ALL
  SELECT
    'negative_input_tokens',
    t.id
  FROM negative_tokens AS t
  WHERE
    t.input_tokens < 0
  UNION ALL
  SELECT
    'negative_output_tokens',
    t.id
  FROM negative_tokens AS t
  WHERE
    t.output_tokens < 0
  UNION ALL
  SELECT
    'negative_cache_read_input_tokens',
    t.id
  FROM negative_tokens AS t
  WHERE
    t.cache_read_input_tokens < 0
  UNION ALL
  SELECT
    'negative_cache_write_input_tokens',
    t.id
  FROM negative_tokens AS t
  WHERE
    t.cache_write_input_tokens < 0
)
SELECT
  CAST(f.anomaly AS STRING) AS anomaly,
  CAST(COUNT(*) AS BIGINT) AS row_count,
  MIN(CAST(f.id AS STRING)) AS example_id
FROM found AS f
GROUP BY
  f.anomaly
ORDER BY
  f.anomaly NULLS LAST

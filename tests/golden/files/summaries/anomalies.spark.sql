WITH in_range AS (
  SELECT
    f.interception_id,
    f.initiator_id,
    f.model,
    f.started_at,
    f.duration_us,
    f.negative_input_tokens,
    f.negative_output_tokens,
    f.negative_cache_read_input_tokens,
    f.negative_cache_write_input_tokens
  FROM facts AS f
  WHERE
    (
      CAST(:since AS TIMESTAMP) IS NULL OR f.started_at >= CAST(:since AS TIMESTAMP)
    )
    AND (
      CAST(:until AS TIMESTAMP) IS NULL OR f.started_at < CAST(:until AS TIMESTAMP)
    )
), negative_tokens AS (
  SELECT DISTINCT
    r.interception_id,
    r.negative_input_tokens,
    r.negative_output_tokens,
    r.negative_cache_read_input_tokens,
    r.negative_cache_write_input_tokens
  FROM in_range AS r
  WHERE
    r.negative_input_tokens > 0
    OR r.negative_output_tokens > 0
    OR r.negative_cache_read_input_tokens > 0
    OR r.negative_cache_write_input_tokens > 0
), found AS (
  SELECT
    'ended_before_start' AS anomaly,
    1 AS row_count,
    r.interception_id AS id
  FROM in_range AS r
  WHERE
    r.duration_us < 0
  UNION ALL
  SELECT
    'missing_value',
    1,
    r.interception_id
  FROM in_range AS r
  WHERE
    r.interception_id IS NULL
    OR r.initiator_id IS NULL
    OR r.model IS NULL
    OR r.started_at IS NULL
  UNION ALL
  SELECT
    'duplicate_id',
    1,
    r.interception_id
  FROM in_range AS r
  WHERE
    NOT CAST(:unique_ids AS BOOLEAN) AND NOT r.interception_id IS NULL
  GROUP BY
    r.interception_id
  HAVING
    COUNT(*) > 1
  UNION ALL
  SELECT
    'negative_input_tokens',
    t.negative_input_tokens,
    t.interception_id
  FROM negative_tokens AS t
  WHERE
    t.negative_input_tokens > 0
  UNION ALL
  SELECT
    'negative_output_tokens',
    t.negative_output_tokens,
    t.interception_id
  FROM negative_tokens AS t
  WHERE
    t.negative_output_tokens > 0
  UNION ALL
  SELECT
    'negative_cache_read_input_tokens',
    t.negative_cache_read_input_tokens,
    t.interception_id
  FROM negative_tokens AS t
  WHERE
    t.negative_cache_read_input_tokens > 0
  UNION ALL
  SELECT
    'negative_cache_write_input_tokens',
    t.negative_cache_write_input_tokens,
    t.interception_id
  FROM negative_tokens AS t
  WHERE
    t.negative_cache_write_input_tokens > 0
)
SELECT
  CAST(f.anomaly AS STRING) AS anomaly,
  CAST(SUM(f.row_count) AS BIGINT) AS row_count,
  MIN(CAST(f.id AS STRING)) AS example_id
FROM found AS f
GROUP BY
  f.anomaly
ORDER BY
  f.anomaly NULLS LAST

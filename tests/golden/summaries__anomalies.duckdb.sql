-- summaries/anomalies: Source rows a summary of the interceptions started in [:since, :until) reads that break its row schema (schemas.SummaryRows; every anomaly of schemas.ROW_ANOMALIES), one row per anomaly found: how many rows hold it and the smallest id among them. Child rows are judged one by one, so a negative token count is found even when the interception's other token rows outweigh it in the per-interception sums. No row at all: nothing found.
WITH interceptions AS NOT MATERIALIZED (
  SELECT
    CAST(id AS UUID) AS id,
    CAST(initiator_id AS UUID) AS initiator_id,
    CAST(provider AS TEXT) AS provider,
    CAST(provider_name AS TEXT) AS provider_name,
    CAST(provider_id AS UUID) AS provider_id,
    CAST(model AS TEXT) AS model,
    CAST(started_at AS TIMESTAMPTZ) AS started_at,
    CAST(ended_at AS TIMESTAMPTZ) AS ended_at,
    CAST(metadata AS TEXT) AS metadata,
    CAST(api_key_id AS TEXT) AS api_key_id,
    CAST(client AS TEXT) AS client,
    CAST(thread_parent_id AS UUID) AS thread_parent_id,
    CAST(thread_root_id AS UUID) AS thread_root_id,
    CAST(client_session_id AS TEXT) AS client_session_id,
    CAST(credential_kind AS TEXT) AS credential_kind,
    CAST(credential_hint AS TEXT) AS credential_hint,
    COALESCE(CAST(client_session_id AS TEXT), CAST(thread_root_id AS TEXT), CAST(id AS TEXT)) AS session_id
  FROM aibridge_interceptions
), token_usages AS NOT MATERIALIZED (
  SELECT
    CAST(id AS UUID) AS id,
    CAST(interception_id AS UUID) AS interception_id,
    CAST(provider_response_id AS TEXT) AS provider_response_id,
    CAST(input_tokens AS BIGINT) AS input_tokens,
    CAST(output_tokens AS BIGINT) AS output_tokens,
    CAST(cache_read_input_tokens AS BIGINT) AS cache_read_input_tokens,
    CAST(cache_write_input_tokens AS BIGINT) AS cache_write_input_tokens,
    CAST(metadata AS TEXT) AS metadata,
    CAST(created_at AS TIMESTAMPTZ) AS created_at
  FROM aibridge_token_usages
), in_range AS NOT MATERIALIZED (
  SELECT
    i.id,
    i.initiator_id,
    i.model,
    i.started_at,
    i.ended_at
  FROM interceptions AS i
  WHERE
    (
      CAST($since AS TIMESTAMPTZ) IS NULL
      OR i.started_at >= CAST($since AS TIMESTAMPTZ)
    )
    AND (
      CAST($until AS TIMESTAMPTZ) IS NULL OR i.started_at < CAST($until AS TIMESTAMPTZ)
    )
), negative_tokens AS NOT MATERIALIZED (
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
), found AS NOT MATERIALIZED (
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
  CAST(f.anomaly AS TEXT) AS anomaly,
  CAST(COUNT(*) AS BIGINT) AS row_count,
  MIN(CAST(f.id AS TEXT)) AS example_id
FROM found AS f
GROUP BY
  f.anomaly
ORDER BY
  f.anomaly

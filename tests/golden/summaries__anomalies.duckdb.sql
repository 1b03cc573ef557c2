-- summaries/anomalies: Counts of source rows that would break a summary's row schema: interceptions ending before they start and negative token counts. A cheap scan; only when it finds something are the rows read and judged one by one (pandera), to name them.
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
)
SELECT
  CAST((
    SELECT
      COUNT(*)
    FROM interceptions AS i
    WHERE
      i.ended_at < i.started_at
  ) AS BIGINT) AS ended_before_start,
  CAST((
    SELECT
      COUNT(*)
    FROM token_usages AS t
    WHERE
      LEAST(t.input_tokens, t.output_tokens, t.cache_read_input_tokens, t.cache_write_input_tokens) < 0
  ) AS BIGINT) AS negative_tokens

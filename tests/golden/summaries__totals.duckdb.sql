-- summaries/totals: Totals over the ended interceptions started in [:since, :until), read straight from Coder's tables without the attribution: the baseline a summary's groups must add up to.
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
), tool_usages AS NOT MATERIALIZED (
  SELECT
    CAST(id AS UUID) AS id,
    CAST(interception_id AS UUID) AS interception_id,
    CAST(provider_response_id AS TEXT) AS provider_response_id,
    CAST(server_url AS TEXT) AS server_url,
    CAST(tool AS TEXT) AS tool,
    CAST(input AS TEXT) AS input,
    CAST(injected AS BOOLEAN) AS injected,
    CAST(invocation_error AS TEXT) AS invocation_error,
    CAST(metadata AS TEXT) AS metadata,
    CAST(created_at AS TIMESTAMPTZ) AS created_at
  FROM aibridge_tool_usages
), user_prompts AS NOT MATERIALIZED (
  SELECT
    CAST(id AS UUID) AS id,
    CAST(interception_id AS UUID) AS interception_id,
    CAST(provider_response_id AS TEXT) AS provider_response_id,
    CAST(prompt AS TEXT) AS prompt,
    CAST(metadata AS TEXT) AS metadata,
    CAST(created_at AS TIMESTAMPTZ) AS created_at
  FROM aibridge_user_prompts
), ended AS NOT MATERIALIZED (
  SELECT
    i.id
  FROM interceptions AS i
  WHERE
    NOT i.ended_at IS NULL
    AND (
      CAST($since AS TIMESTAMPTZ) IS NULL
      OR i.started_at >= CAST($since AS TIMESTAMPTZ)
    )
    AND (
      CAST($until AS TIMESTAMPTZ) IS NULL OR i.started_at < CAST($until AS TIMESTAMPTZ)
    )
), tok AS NOT MATERIALIZED (
  SELECT
    COUNT(*) AS token_usages,
    SUM(t.input_tokens) AS input_tokens,
    SUM(t.output_tokens) AS output_tokens,
    SUM(t.cache_read_input_tokens) AS cache_read_input_tokens,
    SUM(t.cache_write_input_tokens) AS cache_write_input_tokens
  FROM token_usages AS t
  WHERE
    t.interception_id IN (
      SELECT
        e.id
      FROM ended AS e
    )
), tool AS NOT MATERIALIZED (
  SELECT
    COUNT(*) FILTER(WHERE
      u.injected) AS tool_calls_injected,
    COUNT(*) FILTER(WHERE
      NOT u.injected) AS tool_calls_client,
    COUNT(*) FILTER(WHERE
      u.injected AND NOT u.invocation_error IS NULL) AS injected_tool_errors
  FROM tool_usages AS u
  WHERE
    u.interception_id IN (
      SELECT
        e.id
      FROM ended AS e
    )
)
SELECT
  CAST((
    SELECT
      COUNT(*)
    FROM ended
  ) AS BIGINT) AS interceptions,
  CAST((
    SELECT
      COUNT(*)
    FROM user_prompts AS p
    WHERE
      p.interception_id IN (
        SELECT
          e.id
        FROM ended AS e
      )
  ) AS BIGINT) AS user_prompts,
  CAST(tok.token_usages AS BIGINT) AS token_usages,
  CAST(COALESCE(tok.input_tokens, 0) AS BIGINT) AS input_tokens,
  CAST(COALESCE(tok.output_tokens, 0) AS BIGINT) AS output_tokens,
  CAST(COALESCE(tok.cache_read_input_tokens, 0) AS BIGINT) AS cache_read_input_tokens,
  CAST(COALESCE(tok.cache_write_input_tokens, 0) AS BIGINT) AS cache_write_input_tokens,
  CAST(tool.tool_calls_injected AS BIGINT) AS tool_calls_injected,
  CAST(tool.tool_calls_client AS BIGINT) AS tool_calls_client,
  CAST(tool.injected_tool_errors AS BIGINT) AS injected_tool_errors
FROM tok
CROSS JOIN tool

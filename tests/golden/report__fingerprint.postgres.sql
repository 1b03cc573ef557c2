-- report/fingerprint: The source's fingerprint for a report manifest: rows per Coder table and the newest value of the table's own time column (started_at for interceptions, updated_at for providers, created_at for the child tables), so two reports can be told to have read the same data.
WITH model_thoughts AS NOT MATERIALIZED (
  SELECT
    CAST(interception_id AS UUID) AS interception_id,
    CAST(content AS TEXT) AS content,
    CAST(metadata AS TEXT) AS metadata,
    CAST(created_at AS TIMESTAMPTZ) AS created_at
  FROM aibridge_model_thoughts
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
), providers AS NOT MATERIALIZED (
  SELECT
    CAST(id AS UUID) AS id,
    CAST(type AS TEXT) AS type,
    CAST(name AS TEXT) AS name,
    CAST(display_name AS TEXT) AS display_name,
    CAST(enabled AS BOOLEAN) AS enabled,
    CAST(deleted AS BOOLEAN) AS deleted,
    CAST(base_url AS TEXT) AS base_url,
    CAST(settings AS TEXT) AS settings,
    CAST(created_at AS TIMESTAMPTZ) AS created_at,
    CAST(updated_at AS TIMESTAMPTZ) AS updated_at
  FROM ai_providers
), interceptions AS NOT MATERIALIZED (
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
)
SELECT
  CAST('ai_providers' AS TEXT) AS table_name,
  CAST('updated_at' AS TEXT) AS time_column,
  CAST(COUNT(*) AS BIGINT) AS row_count,
  MAX(p.updated_at) AS newest
FROM providers AS p
UNION ALL
SELECT
  CAST('aibridge_interceptions' AS TEXT),
  CAST('started_at' AS TEXT),
  CAST(COUNT(*) AS BIGINT),
  MAX(i.started_at)
FROM interceptions AS i
UNION ALL
SELECT
  CAST('aibridge_token_usages' AS TEXT),
  CAST('created_at' AS TEXT),
  CAST(COUNT(*) AS BIGINT),
  MAX(t.created_at)
FROM token_usages AS t
UNION ALL
SELECT
  CAST('aibridge_user_prompts' AS TEXT),
  CAST('created_at' AS TEXT),
  CAST(COUNT(*) AS BIGINT),
  MAX(u.created_at)
FROM user_prompts AS u
UNION ALL
SELECT
  CAST('aibridge_tool_usages' AS TEXT),
  CAST('created_at' AS TEXT),
  CAST(COUNT(*) AS BIGINT),
  MAX(o.created_at)
FROM tool_usages AS o
UNION ALL
SELECT
  CAST('aibridge_model_thoughts' AS TEXT),
  CAST('created_at' AS TEXT),
  CAST(COUNT(*) AS BIGINT),
  MAX(m.created_at)
FROM model_thoughts AS m

-- report/tools: The most used tools of the ended interceptions started in [:since, :until): calls, failed calls and interceptions per tool name and kind (injected by the gateway, or defined by the client).
WITH tool_usages AS NOT MATERIALIZED (
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
  u.tool,
  u.injected,
  CAST(COUNT(*) AS BIGINT) AS calls,
  CAST(COUNT(*) FILTER(WHERE
    NOT u.invocation_error IS NULL) AS BIGINT) AS errors,
  CAST(COUNT(DISTINCT u.interception_id) AS BIGINT) AS interceptions
FROM tool_usages AS u
JOIN interceptions AS i
  ON i.id = u.interception_id
WHERE
  NOT i.ended_at IS NULL
  AND (
    CAST(%(since)s AS TIMESTAMPTZ) IS NULL
    OR i.started_at >= CAST(%(since)s AS TIMESTAMPTZ)
  )
  AND (
    CAST(%(until)s AS TIMESTAMPTZ) IS NULL
    OR i.started_at < CAST(%(until)s AS TIMESTAMPTZ)
  )
GROUP BY
  u.tool,
  u.injected
ORDER BY
  COUNT(*) DESC NULLS LAST,
  u.tool,
  u.injected
LIMIT CAST(%(limit)s AS INT)

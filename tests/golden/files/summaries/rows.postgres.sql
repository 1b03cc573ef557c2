WITH prompts AS (
  SELECT
    p.interception_id,
    COUNT(*) AS n
  FROM user_prompts AS p
  GROUP BY
    p.interception_id
), tokens AS (
  SELECT
    t.interception_id,
    COUNT(*) AS n,
    SUM(t.input_tokens) AS input_tokens,
    SUM(t.output_tokens) AS output_tokens,
    SUM(t.cache_read_input_tokens) AS cache_read_input_tokens,
    SUM(t.cache_write_input_tokens) AS cache_write_input_tokens
  FROM token_usages AS t
  GROUP BY
    t.interception_id
), tools AS (
  SELECT
    u.interception_id,
    COUNT(*) FILTER(WHERE
      u.injected) AS injected,
    COUNT(*) FILTER(WHERE
      NOT u.injected) AS client,
    COUNT(*) FILTER(WHERE
      u.injected AND NOT u.invocation_error IS NULL) AS injected_errors
  FROM tool_usages AS u
  GROUP BY
    u.interception_id
)
SELECT
  CAST(i.id AS TEXT) AS interception_id,
  CAST(a.resolved_provider_id AS TEXT) AS resolved_provider_id,
  a.resolved_provider_name AS provider_name,
  a.resolved_provider_type AS provider_type,
  a.method,
  i.model,
  COALESCE(i.client, 'Unknown') AS client,
  CAST(i.initiator_id AS TEXT) AS initiator_id,
  i.session_id,
  CAST(COALESCE(i.thread_root_id, i.id) AS TEXT) AS thread_root_id,
  i.started_at,
  i.ended_at,
  i.started_at < nw.started_at - CAST(%(retention_days)s AS INT) * INTERVAL '1 DAY' AS outside_retention,
  POSITION('decided_by_current_providers' IN a.warnings) > 0 AS decided_later,
  CAST(COALESCE(p.n, 0) AS BIGINT) AS user_prompts,
  CAST(COALESCE(t.n, 0) AS BIGINT) AS token_usages,
  CAST(COALESCE(t.input_tokens, 0) AS BIGINT) AS input_tokens,
  CAST(COALESCE(t.output_tokens, 0) AS BIGINT) AS output_tokens,
  CAST(COALESCE(t.cache_read_input_tokens, 0) AS BIGINT) AS cache_read_input_tokens,
  CAST(COALESCE(t.cache_write_input_tokens, 0) AS BIGINT) AS cache_write_input_tokens,
  CAST(COALESCE(u.injected, 0) AS BIGINT) AS tool_calls_injected,
  CAST(COALESCE(u.client, 0) AS BIGINT) AS tool_calls_client,
  CAST(COALESCE(u.injected_errors, 0) AS BIGINT) AS injected_tool_errors
FROM interceptions AS i
JOIN attribution AS a
  ON a.interception_id = i.id
CROSS JOIN newest_start AS nw
LEFT JOIN prompts AS p
  ON p.interception_id = i.id
LEFT JOIN tokens AS t
  ON t.interception_id = i.id
LEFT JOIN tools AS u
  ON u.interception_id = i.id
WHERE
  (
    CAST(%(since)s AS TIMESTAMPTZ) IS NULL
    OR i.started_at >= CAST(%(since)s AS TIMESTAMPTZ)
  )
  AND (
    CAST(%(until)s AS TIMESTAMPTZ) IS NULL
    OR i.started_at < CAST(%(until)s AS TIMESTAMPTZ)
  )

WITH ended AS NOT MATERIALIZED (
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

WITH child_rows AS NOT MATERIALIZED (
  SELECT
    t.interception_id,
    0 AS user_prompts,
    1 AS token_usages,
    t.input_tokens,
    t.output_tokens,
    t.cache_read_input_tokens,
    t.cache_write_input_tokens,
    0 AS tool_calls_injected,
    0 AS tool_calls_client,
    0 AS injected_tool_errors
  FROM token_usages AS t
  UNION ALL
  SELECT
    p.interception_id,
    1,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0
  FROM user_prompts AS p
  UNION ALL
  SELECT
    u.interception_id,
    0,
    0,
    0,
    0,
    0,
    0,
    CASE WHEN u.injected THEN 1 ELSE 0 END,
    CASE WHEN u.injected THEN 0 ELSE 1 END,
    CASE WHEN u.injected AND NOT u.invocation_error IS NULL THEN 1 ELSE 0 END
  FROM tool_usages AS u
)
SELECT
  k.resolved_provider_id,
  k.provider_type,
  k.model,
  k.client,
  k.initiator_id,
  k.day,
  k.week,
  k.method,
  CAST(SUM(c.user_prompts) AS BIGINT) AS user_prompts,
  CAST(SUM(c.token_usages) AS BIGINT) AS token_usages,
  CAST(SUM(c.input_tokens) AS BIGINT) AS input_tokens,
  CAST(SUM(c.output_tokens) AS BIGINT) AS output_tokens,
  CAST(SUM(c.cache_read_input_tokens) AS BIGINT) AS cache_read_input_tokens,
  CAST(SUM(c.cache_write_input_tokens) AS BIGINT) AS cache_write_input_tokens,
  CAST(SUM(c.tool_calls_injected) AS BIGINT) AS tool_calls_injected,
  CAST(SUM(c.tool_calls_client) AS BIGINT) AS tool_calls_client,
  CAST(SUM(c.injected_tool_errors) AS BIGINT) AS injected_tool_errors
FROM child_rows AS c
JOIN summary_keyed AS k
  ON k.interception_key = c.interception_id
GROUP BY
  k.resolved_provider_id,
  k.provider_type,
  k.model,
  k.client,
  k.initiator_id,
  k.day,
  k.week,
  k.method

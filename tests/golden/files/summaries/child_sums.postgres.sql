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
FROM summary_child_rows AS c
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

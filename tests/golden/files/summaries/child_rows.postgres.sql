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
  0 AS injected_tool_errors,
  CASE WHEN t.input_tokens < 0 THEN 1 ELSE 0 END AS negative_input_tokens,
  CASE WHEN t.output_tokens < 0 THEN 1 ELSE 0 END AS negative_output_tokens,
  CASE WHEN t.cache_read_input_tokens < 0 THEN 1 ELSE 0 END AS negative_cache_read_input_tokens,
  CASE WHEN t.cache_write_input_tokens < 0 THEN 1 ELSE 0 END AS negative_cache_write_input_tokens
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
  CASE WHEN u.injected AND NOT u.invocation_error IS NULL THEN 1 ELSE 0 END,
  0,
  0,
  0,
  0
FROM tool_usages AS u

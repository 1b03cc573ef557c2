SELECT
  a.interception_id,
  a.resolved_provider_id,
  pk.provider_key,
  a.resolved_provider_name AS provider_name,
  a.resolved_provider_type AS provider_type,
  a.method,
  a.warnings,
  a.model,
  COALESCE(a.client, 'Unknown') AS client,
  a.initiator_id,
  a.initiator_id AS initiator_key,
  s.effective_group_id,
  CONCAT(COALESCE(a.session_id, ''), ' ', COALESCE(CAST(a.initiator_id AS STRING), '')) AS session_key,
  COALESCE(a.thread_root_id, a.interception_id) AS thread_key,
  CAST(NULL AS BOOLEAN) AS session_rep,
  CAST(NULL AS INT) AS session_varies,
  CAST(NULL AS TIMESTAMP) AS session_from,
  CAST(NULL AS TIMESTAMP) AS session_to,
  CAST(NULL AS BIGINT) AS session_size,
  CAST(NULL AS BOOLEAN) AS thread_rep,
  CAST(NULL AS INT) AS thread_varies,
  CAST(NULL AS TIMESTAMP) AS thread_from,
  CAST(NULL AS TIMESTAMP) AS thread_to,
  CAST(NULL AS BIGINT) AS thread_size,
  a.started_at,
  a.ended_at,
  CAST('1970-01-01' AS DATE) + CAST(FLOOR((
    CAST(UNIX_MICROS(a.started_at) AS DOUBLE) / 1000000
  ) / 86400) AS INT) AS utc_day,
  CAST(DATE_TRUNC(
    'WEEK',
    CAST(CAST('1970-01-01' AS DATE) + CAST(FLOOR((
      CAST(UNIX_MICROS(a.started_at) AS DOUBLE) / 1000000
    ) / 86400) AS INT) AS TIMESTAMP_NTZ)
  ) AS DATE) AS utc_week,
  CAST(ROUND(
    (
      (
        CAST(UNIX_MICROS(a.ended_at) AS DOUBLE) / 1000000
      ) - (
        CAST(UNIX_MICROS(a.started_at) AS DOUBLE) / 1000000
      )
    ) * 1000000
  ) AS BIGINT) AS duration_us,
  CAST(COALESCE(c.user_prompts, 0) AS BIGINT) AS user_prompts,
  CAST(COALESCE(c.token_usages, 0) AS BIGINT) AS token_usages,
  CAST(COALESCE(c.input_tokens, 0) AS BIGINT) AS input_tokens,
  CAST(COALESCE(c.output_tokens, 0) AS BIGINT) AS output_tokens,
  CAST(COALESCE(c.cache_read_input_tokens, 0) AS BIGINT) AS cache_read_input_tokens,
  CAST(COALESCE(c.cache_write_input_tokens, 0) AS BIGINT) AS cache_write_input_tokens,
  CAST(COALESCE(c.tool_calls_injected, 0) AS BIGINT) AS tool_calls_injected,
  CAST(COALESCE(c.tool_calls_client, 0) AS BIGINT) AS tool_calls_client,
  CAST(COALESCE(c.injected_tool_errors, 0) AS BIGINT) AS injected_tool_errors,
  CAST(COALESCE(c.negative_input_tokens, 0) AS BIGINT) AS negative_input_tokens,
  CAST(COALESCE(c.negative_output_tokens, 0) AS BIGINT) AS negative_output_tokens,
  CAST(COALESCE(c.negative_cache_read_input_tokens, 0) AS BIGINT) AS negative_cache_read_input_tokens,
  CAST(COALESCE(c.negative_cache_write_input_tokens, 0) AS BIGINT) AS negative_cache_write_input_tokens,
  CASE WHEN src.has_cost THEN CAST(COALESCE(s.recorded_cost_micros, 0) AS BIGINT) END AS recorded_cost_micros,
  CASE WHEN src.has_cost THEN CAST(COALESCE(s.priced_token_usages, 0) AS BIGINT) END AS priced_token_usages,
  CASE
    WHEN src.has_cost
    THEN CAST(COALESCE(s.unpriced_token_usages, 0) AS BIGINT)
  END AS unpriced_token_usages,
  CASE
    WHEN src.has_cost
    THEN CAST(COALESCE(s.unpriced_input_tokens, 0) AS BIGINT)
  END AS unpriced_input_tokens,
  CASE
    WHEN src.has_cost
    THEN CAST(COALESCE(s.unpriced_output_tokens, 0) AS BIGINT)
  END AS unpriced_output_tokens,
  CASE
    WHEN src.has_cost
    THEN CAST(COALESCE(s.unpriced_cache_read_input_tokens, 0) AS BIGINT)
  END AS unpriced_cache_read_input_tokens,
  CASE
    WHEN src.has_cost
    THEN CAST(COALESCE(s.unpriced_cache_write_input_tokens, 0) AS BIGINT)
  END AS unpriced_cache_write_input_tokens
FROM attribution AS a
LEFT JOIN provider_keys AS pk
  ON pk.provider_id = a.resolved_provider_id
LEFT JOIN (
  SELECT
    r.interception_id,
    SUM(r.user_prompts) AS user_prompts,
    SUM(r.token_usages) AS token_usages,
    SUM(r.input_tokens) AS input_tokens,
    SUM(r.output_tokens) AS output_tokens,
    SUM(r.cache_read_input_tokens) AS cache_read_input_tokens,
    SUM(r.cache_write_input_tokens) AS cache_write_input_tokens,
    SUM(r.tool_calls_injected) AS tool_calls_injected,
    SUM(r.tool_calls_client) AS tool_calls_client,
    SUM(r.injected_tool_errors) AS injected_tool_errors,
    SUM(r.negative_input_tokens) AS negative_input_tokens,
    SUM(r.negative_output_tokens) AS negative_output_tokens,
    SUM(r.negative_cache_read_input_tokens) AS negative_cache_read_input_tokens,
    SUM(r.negative_cache_write_input_tokens) AS negative_cache_write_input_tokens
  FROM summary_child_rows AS r
  GROUP BY
    r.interception_id
) AS c
  ON c.interception_id = a.interception_id
LEFT JOIN (
  SELECT
    t.interception_id,
    CAST(MIN(CAST(t.effective_group_id AS STRING)) AS STRING) AS effective_group_id,
    SUM(t.cost_micros) AS recorded_cost_micros,
    COUNT(t.cost_micros) AS priced_token_usages,
    SUM(CASE WHEN t.cost_micros IS NULL THEN 1 ELSE 0 END) AS unpriced_token_usages,
    SUM(CASE WHEN t.cost_micros IS NULL THEN t.input_tokens ELSE 0 END) AS unpriced_input_tokens,
    SUM(CASE WHEN t.cost_micros IS NULL THEN t.output_tokens ELSE 0 END) AS unpriced_output_tokens,
    SUM(CASE WHEN t.cost_micros IS NULL THEN t.cache_read_input_tokens ELSE 0 END) AS unpriced_cache_read_input_tokens,
    SUM(CASE WHEN t.cost_micros IS NULL THEN t.cache_write_input_tokens ELSE 0 END) AS unpriced_cache_write_input_tokens
  FROM token_usages AS t
  GROUP BY
    t.interception_id
) AS s
  ON s.interception_id = a.interception_id
CROSS JOIN source_facts AS src

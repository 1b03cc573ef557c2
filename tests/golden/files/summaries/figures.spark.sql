SELECT
  (
    SELECT
      CAST(MAX(CAST(p.provider_id AS STRING)) AS STRING)
    FROM provider_keys AS p
    WHERE
      p.provider_key = f.resolved_provider_id
  ) AS resolved_provider_id,
  (
    SELECT
      MAX(p.provider_name)
    FROM provider_keys AS p
    WHERE
      p.provider_key = f.resolved_provider_id
  ) AS provider_name,
  f.provider_type,
  f.model,
  f.client,
  f.initiator_id,
  f.day,
  f.week,
  f.method,
  f.effective_group_id,
  f.interceptions,
  f.initiators,
  f.sessions,
  f.threads,
  f.user_prompts,
  f.token_usages,
  f.input_tokens,
  f.output_tokens,
  f.cache_read_input_tokens,
  f.cache_write_input_tokens,
  f.tool_calls_injected,
  f.tool_calls_client,
  f.injected_tool_errors,
  CAST(FLOOR((
    ROUND(f.durations_us[0] * 100) + 50
  ) / 100) / 1000 AS DOUBLE) AS duration_p50_ms,
  CAST(FLOOR((
    ROUND(f.durations_us[1] * 100) + 50
  ) / 100) / 1000 AS DOUBLE) AS duration_p90_ms,
  CAST(FLOOR((
    ROUND(f.durations_us[2] * 100) + 50
  ) / 100) / 1000 AS DOUBLE) AS duration_p95_ms,
  CAST(FLOOR((
    ROUND(f.durations_us[3] * 100) + 50
  ) / 100) / 1000 AS DOUBLE) AS duration_p99_ms,
  f.recorded_cost_micros,
  f.priced_token_usages,
  f.unpriced_token_usages,
  f.unpriced_input_tokens,
  f.unpriced_output_tokens,
  f.unpriced_cache_read_input_tokens,
  f.unpriced_cache_write_input_tokens
FROM (
  SELECT
    k.provider_key AS resolved_provider_id,
    k.provider_type,
    k.model,
    k.client,
    k.initiator_id,
    k.day,
    k.week,
    k.method,
    k.effective_group_id,
    COUNT(*) AS interceptions,
    COUNT(DISTINCT k.initiator_key) AS initiators,
    CAST(COUNT(DISTINCT k.session_key) FILTER(WHERE
      k.session_split) + SUM(CAST(k.session_rep AND NOT k.session_split AS INT)) AS BIGINT) AS sessions,
    CAST(COUNT(DISTINCT k.thread_key) FILTER(WHERE
      k.thread_split) + SUM(CAST(k.thread_rep AND NOT k.thread_split AS INT)) AS BIGINT) AS threads,
    CAST(SUM(k.user_prompts) AS BIGINT) AS user_prompts,
    CAST(SUM(k.token_usages) AS BIGINT) AS token_usages,
    CAST(SUM(k.input_tokens) AS BIGINT) AS input_tokens,
    CAST(SUM(k.output_tokens) AS BIGINT) AS output_tokens,
    CAST(SUM(k.cache_read_input_tokens) AS BIGINT) AS cache_read_input_tokens,
    CAST(SUM(k.cache_write_input_tokens) AS BIGINT) AS cache_write_input_tokens,
    CAST(SUM(k.tool_calls_injected) AS BIGINT) AS tool_calls_injected,
    CAST(SUM(k.tool_calls_client) AS BIGINT) AS tool_calls_client,
    CAST(SUM(k.injected_tool_errors) AS BIGINT) AS injected_tool_errors,
    PERCENTILE(k.duration_us, ARRAY(0.5, 0.9, 0.95, 0.99)) AS durations_us,
    CAST(SUM(k.recorded_cost_micros) AS BIGINT) AS recorded_cost_micros,
    CAST(SUM(k.priced_token_usages) AS BIGINT) AS priced_token_usages,
    CAST(SUM(k.unpriced_token_usages) AS BIGINT) AS unpriced_token_usages,
    CAST(SUM(k.unpriced_input_tokens) AS BIGINT) AS unpriced_input_tokens,
    CAST(SUM(k.unpriced_output_tokens) AS BIGINT) AS unpriced_output_tokens,
    CAST(SUM(k.unpriced_cache_read_input_tokens) AS BIGINT) AS unpriced_cache_read_input_tokens,
    CAST(SUM(k.unpriced_cache_write_input_tokens) AS BIGINT) AS unpriced_cache_write_input_tokens
  FROM summary_keyed AS k
  GROUP BY
    k.provider_key,
    k.provider_type,
    k.model,
    k.client,
    k.initiator_id,
    k.day,
    k.week,
    k.method,
    k.effective_group_id
) AS f

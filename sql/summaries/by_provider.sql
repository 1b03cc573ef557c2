-- The per-provider summary computed wholly in SQL: the same figures as the Polars pipeline's
-- `summary --by provider`, for cross-checking it and as the benchmark's server-side baseline.
-- Ended interceptions only; sessions are distinct (session_id, initiator_id), threads distinct
-- thread roots; durations in milliseconds, percentiles interpolated (PERCENTILE_CONT).
SELECT
  r.resolved_provider_id,
  r.provider_name,
  r.provider_type,
  CAST(COUNT(*) AS BIGINT) AS interceptions,
  CAST(COUNT(DISTINCT r.initiator_id) AS BIGINT) AS initiators,
  CAST(COUNT(DISTINCT CONCAT(r.session_id, ' ', r.initiator_id)) AS BIGINT) AS sessions,
  CAST(COUNT(DISTINCT r.thread_root_id) AS BIGINT) AS threads,
  CAST(SUM(r.user_prompts) AS BIGINT) AS user_prompts,
  CAST(SUM(r.token_usages) AS BIGINT) AS token_usages,
  CAST(SUM(r.input_tokens) AS BIGINT) AS input_tokens,
  CAST(SUM(r.output_tokens) AS BIGINT) AS output_tokens,
  CAST(SUM(r.cache_read_input_tokens) AS BIGINT) AS cache_read_input_tokens,
  CAST(SUM(r.cache_write_input_tokens) AS BIGINT) AS cache_write_input_tokens,
  CAST(SUM(r.tool_calls_injected) AS BIGINT) AS tool_calls_injected,
  CAST(SUM(r.tool_calls_client) AS BIGINT) AS tool_calls_client,
  CAST(SUM(r.injected_tool_errors) AS BIGINT) AS injected_tool_errors,
  PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY r.duration_ms) AS duration_p50_ms,
  PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY r.duration_ms) AS duration_p90_ms,
  PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY r.duration_ms) AS duration_p95_ms,
  PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY r.duration_ms) AS duration_p99_ms
FROM (
  SELECT
    s.*,
    CAST(EXTRACT(EPOCH FROM (s.ended_at - s.started_at)) * 1000 AS DOUBLE) AS duration_ms
  FROM summary_rows AS s
  WHERE NOT s.ended_at IS NULL
) AS r
GROUP BY r.resolved_provider_id, r.provider_name, r.provider_type
ORDER BY r.resolved_provider_id NULLS LAST

-- A summary's figures per group (summary_keyed): the count, distinct initiators, sessions and
-- threads, the child-table sums of the facts (user prompts, token usage rows and their tokens,
-- injected and client tool calls, injected tool errors), and duration percentiles in ms (linear
-- interpolation, one aggregate for all four, one rounding rule), then the recorded spend (cost in
-- micro-units, priced and unpriced token usage rows, unpriced tokens per kind; NULL where the
-- source records no spend). Written grouped by every key;
-- rendering keeps the keys asked for (`summary --by`). The provider is grouped by its number
-- (facts/provider_keys.sql), its id and name looked up per group after grouping rather than
-- carried through it, so that the hash tables hold narrow keys and no UUID or text is read or
-- compared per row.
-- provider_type is grouped by: it splits the unattributed group of a Coder without ai_providers
-- per wire format (method wire_type) and follows from the id elsewhere.
-- keys: resolved_provider_id, provider_name, provider_type, model, client, initiator_id, day, week, method, effective_group_id
-- numbers: initiator_key = initiator_id
SELECT
  -- f.resolved_provider_id is the provider's number here (below), one row of provider_keys. The
  -- lookups aggregate (Spark requires it) over text (PostgreSQL has no MAX of a UUID).
  (
    SELECT CAST(MAX(CAST(p.provider_id AS TEXT)) AS UUID)
    FROM provider_keys AS p
    WHERE p.provider_key = f.resolved_provider_id
  ) AS resolved_provider_id,
  (SELECT MAX(p.provider_name) FROM provider_keys AS p WHERE p.provider_key = f.resolved_provider_id) AS provider_name,
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
  -- PERCENTILE_CONT over whole microseconds: the exact value is a whole number of hundredths of
  -- a microsecond; the floating result is brought to it (ROUND of x * 100), rounded half up to
  -- the microsecond (FLOOR of (n + 50) / 100) and given in ms. Each step is one IEEE operation
  -- on the same operands, so both engines (and summaries.percentile_us) give identical figures.
  CAST(FLOOR((ROUND(f.durations_us[1] * 100) + 50) / 100) / 1000 AS DOUBLE) AS duration_p50_ms,
  CAST(FLOOR((ROUND(f.durations_us[2] * 100) + 50) / 100) / 1000 AS DOUBLE) AS duration_p90_ms,
  CAST(FLOOR((ROUND(f.durations_us[3] * 100) + 50) / 100) / 1000 AS DOUBLE) AS duration_p95_ms,
  CAST(FLOOR((ROUND(f.durations_us[4] * 100) + 50) / 100) / 1000 AS DOUBLE) AS duration_p99_ms,
  f.recorded_cost_micros,
  f.priced_token_usages,
  f.unpriced_token_usages,
  f.unpriced_input_tokens,
  f.unpriced_output_tokens,
  f.unpriced_cache_read_input_tokens,
  f.unpriced_cache_write_input_tokens
FROM (
  SELECT
    -- The number, under the name of the key it stands for, which rendering keeps or drops.
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
    -- By the initiator's number (summaries/keyed.sql): one per group grouped by the initiator.
    COUNT(DISTINCT k.initiator_key) AS initiators,
    -- A session lying whole in the group counts by its marked row, any other by its key
    -- (summaries/keyed.sql); a source without marks counts every one by its key. The marked rows
    -- are summed as 0 or 1: DuckDB updates a FILTERed count in a pass of its own.
    CAST(
      COUNT(DISTINCT k.session_key) FILTER (WHERE k.session_split)
        + SUM(CAST(k.session_rep AND NOT k.session_split AS INTEGER))
      AS BIGINT
    ) AS sessions,
    CAST(
      COUNT(DISTINCT k.thread_key) FILTER (WHERE k.thread_split)
        + SUM(CAST(k.thread_rep AND NOT k.thread_split AS INTEGER))
      AS BIGINT
    ) AS threads,
    CAST(SUM(k.user_prompts) AS BIGINT) AS user_prompts,
    CAST(SUM(k.token_usages) AS BIGINT) AS token_usages,
    CAST(SUM(k.input_tokens) AS BIGINT) AS input_tokens,
    CAST(SUM(k.output_tokens) AS BIGINT) AS output_tokens,
    CAST(SUM(k.cache_read_input_tokens) AS BIGINT) AS cache_read_input_tokens,
    CAST(SUM(k.cache_write_input_tokens) AS BIGINT) AS cache_write_input_tokens,
    CAST(SUM(k.tool_calls_injected) AS BIGINT) AS tool_calls_injected,
    CAST(SUM(k.tool_calls_client) AS BIGINT) AS tool_calls_client,
    CAST(SUM(k.injected_tool_errors) AS BIGINT) AS injected_tool_errors,
    PERCENTILE_CONT(ARRAY[0.5, 0.9, 0.95, 0.99]) WITHIN GROUP (ORDER BY k.duration_us) AS durations_us,
    -- Recorded spend: exact integer sums of micro-units; NULL (not recorded) where the source
    -- records no spend, since every fact is NULL there.
    CAST(SUM(k.recorded_cost_micros) AS BIGINT) AS recorded_cost_micros,
    CAST(SUM(k.priced_token_usages) AS BIGINT) AS priced_token_usages,
    CAST(SUM(k.unpriced_token_usages) AS BIGINT) AS unpriced_token_usages,
    CAST(SUM(k.unpriced_input_tokens) AS BIGINT) AS unpriced_input_tokens,
    CAST(SUM(k.unpriced_output_tokens) AS BIGINT) AS unpriced_output_tokens,
    CAST(SUM(k.unpriced_cache_read_input_tokens) AS BIGINT) AS unpriced_cache_read_input_tokens,
    CAST(SUM(k.unpriced_cache_write_input_tokens) AS BIGINT) AS unpriced_cache_write_input_tokens
  FROM summary_keyed AS k
  GROUP BY k.provider_key, k.provider_type, k.model, k.client, k.initiator_id, k.day, k.week, k.method, k.effective_group_id
) AS f

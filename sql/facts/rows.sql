-- The facts: one row per interception with everything a summary, the report or a notebook
-- aggregates, so that no figure reads Coder's tables twice. The attribution (provider, method,
-- warnings), the grouping keys, the keys of distinct counts (an initiator; a session is a session
-- id and its initiator; a thread its root, else the interception itself), the duration of an ended row in
-- whole microseconds, and its child rows' totals as summary_child_rows defines them (zero without
-- child rows), among them its token usage rows with a negative count of each kind (an anomaly),
-- its recorded spend (cost in micro-units, priced and unpriced token usage rows, unpriced tokens
-- per kind; NULL where the source records no spend) and its effective group (NULL: not recorded).
-- Read inline on any source; a warehouse stores it (sql/warehouse/facts/), so the two can never
-- define a figure differently.
-- relation: facts
SELECT
  a.interception_id,
  a.resolved_provider_id,
  -- The provider's number (facts/provider_keys.sql), which summaries group by.
  pk.provider_key,
  a.resolved_provider_name AS provider_name,
  a.resolved_provider_type AS provider_type,
  a.method,
  a.warnings,
  a.model,
  COALESCE(a.client, 'Unknown') AS client,
  a.initiator_id,
  -- The initiator as distinct counts read it: a warehouse stores a number in its place
  -- (sql/warehouse/facts/keyed.sql), as for sessions and threads.
  a.initiator_id AS initiator_key,
  s.effective_group_id,
  CONCAT(a.session_id, ' ', CAST(a.initiator_id AS TEXT)) AS session_key,
  COALESCE(a.thread_root_id, a.interception_id) AS thread_key,
  -- Where each session and thread lies (sql/warehouse/facts/spans.sql): a warehouse fills these
  -- in after storing the facts, so that a distinct count over a group can count a session lying
  -- whole in it by one marked row. Inline they are unknown, and every session and thread is
  -- counted by its key.
  CAST(NULL AS BOOLEAN) AS session_rep,
  CAST(NULL AS INTEGER) AS session_varies,
  CAST(NULL AS TIMESTAMPTZ) AS session_from,
  CAST(NULL AS TIMESTAMPTZ) AS session_to,
  CAST(NULL AS BIGINT) AS session_size,
  CAST(NULL AS BOOLEAN) AS thread_rep,
  CAST(NULL AS INTEGER) AS thread_varies,
  CAST(NULL AS TIMESTAMPTZ) AS thread_from,
  CAST(NULL AS TIMESTAMPTZ) AS thread_to,
  CAST(NULL AS BIGINT) AS thread_size,
  a.started_at,
  a.ended_at,
  -- The start's day and week (from Monday) in UTC, as summaries group by them in UTC
  -- (summaries/keyed.sql): stored, they spare every query that arithmetic on each row (0.2 s at
  -- ten million). The day number since the epoch, as sql/warehouse/facts/spans.sql counts days.
  DATE '1970-01-01' + CAST(FLOOR(EXTRACT(EPOCH FROM a.started_at) / 86400) AS INTEGER) AS utc_day,
  CAST(
    DATE_TRUNC(
      'week',
      CAST(DATE '1970-01-01' + CAST(FLOOR(EXTRACT(EPOCH FROM a.started_at) / 86400) AS INTEGER) AS TIMESTAMP)
    ) AS DATE
  ) AS utc_week,
  -- Two epochs rather than the epoch of an interval (several times faster in DuckDB); rounded
  -- to the whole microseconds the timestamps hold, so both engines see the same exact durations
  -- (DuckDB's double epochs err by well under half a microsecond; PostgreSQL's are exact).
  CAST(ROUND((EXTRACT(EPOCH FROM a.ended_at) - EXTRACT(EPOCH FROM a.started_at)) * 1000000) AS BIGINT) AS duration_us,
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
  -- Recorded spend, from the token usage rows' cost_micros (NULL there: unpriced). On a source
  -- that records no spend (source_facts.has_cost false) every spend figure is NULL, never 0.
  CASE WHEN src.has_cost THEN CAST(COALESCE(s.recorded_cost_micros, 0) AS BIGINT) END AS recorded_cost_micros,
  CASE WHEN src.has_cost THEN CAST(COALESCE(s.priced_token_usages, 0) AS BIGINT) END AS priced_token_usages,
  CASE WHEN src.has_cost THEN CAST(COALESCE(s.unpriced_token_usages, 0) AS BIGINT) END AS unpriced_token_usages,
  CASE WHEN src.has_cost THEN CAST(COALESCE(s.unpriced_input_tokens, 0) AS BIGINT) END AS unpriced_input_tokens,
  CASE WHEN src.has_cost THEN CAST(COALESCE(s.unpriced_output_tokens, 0) AS BIGINT) END AS unpriced_output_tokens,
  CASE
    WHEN src.has_cost THEN CAST(COALESCE(s.unpriced_cache_read_input_tokens, 0) AS BIGINT)
  END AS unpriced_cache_read_input_tokens,
  CASE
    WHEN src.has_cost THEN CAST(COALESCE(s.unpriced_cache_write_input_tokens, 0) AS BIGINT)
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
  GROUP BY r.interception_id
) AS c
  ON c.interception_id = a.interception_id
LEFT JOIN (
  SELECT
    t.interception_id,
    -- The interception's group: the effective group of its token usage, where recorded. Usage in
    -- several groups (a membership change mid-interception) counts under the lowest group id, as
    -- text (PostgreSQL has no MIN of a UUID): one aggregate in the scan the spend figures make.
    CAST(MIN(CAST(t.effective_group_id AS TEXT)) AS UUID) AS effective_group_id,
    SUM(t.cost_micros) AS recorded_cost_micros,
    COUNT(t.cost_micros) AS priced_token_usages,
    SUM(CASE WHEN t.cost_micros IS NULL THEN 1 ELSE 0 END) AS unpriced_token_usages,
    SUM(CASE WHEN t.cost_micros IS NULL THEN t.input_tokens ELSE 0 END) AS unpriced_input_tokens,
    SUM(CASE WHEN t.cost_micros IS NULL THEN t.output_tokens ELSE 0 END) AS unpriced_output_tokens,
    SUM(CASE WHEN t.cost_micros IS NULL THEN t.cache_read_input_tokens ELSE 0 END) AS unpriced_cache_read_input_tokens,
    SUM(CASE WHEN t.cost_micros IS NULL THEN t.cache_write_input_tokens ELSE 0 END) AS unpriced_cache_write_input_tokens
  FROM token_usages AS t
  GROUP BY t.interception_id
) AS s
  ON s.interception_id = a.interception_id
CROSS JOIN source_facts AS src

-- One row per ended interception started in [:since, :until), with every key a summary can group
-- by and what its figures count (the facts of the range): the relation every grouped figure
-- reads (summaries/figures.sql, report/sessions.sql). Day and week are dates in :tz (weeks start
-- on Monday).
-- relation: summary_keyed
-- :since  timestamptz?  first started_at included (NULL: no lower bound)
-- :until  timestamptz?  first started_at excluded (NULL: no upper bound)
-- :tz     text = UTC    the IANA zone of the day and week keys
SELECT
  f.interception_id AS interception_key,
  f.resolved_provider_id,
  f.provider_name,
  f.provider_type,
  f.model,
  f.client,
  f.initiator_id,
  CAST(f.started_at AT TIME ZONE CAST(:tz AS TEXT) AS DATE) AS day,
  CAST(DATE_TRUNC('week', f.started_at AT TIME ZONE CAST(:tz AS TEXT)) AS DATE) AS week,
  f.method,
  f.effective_group_id,
  f.initiator_id AS initiator_key,
  f.session_key,
  f.thread_key,
  f.started_at,
  f.duration_us,
  f.user_prompts,
  f.token_usages,
  f.input_tokens,
  f.output_tokens,
  f.cache_read_input_tokens,
  f.cache_write_input_tokens,
  f.tool_calls_injected,
  f.tool_calls_client,
  f.injected_tool_errors,
  f.recorded_cost_micros,
  f.priced_token_usages,
  f.unpriced_token_usages,
  f.unpriced_input_tokens,
  f.unpriced_output_tokens,
  f.unpriced_cache_read_input_tokens,
  f.unpriced_cache_write_input_tokens
FROM facts AS f
WHERE
  NOT f.ended_at IS NULL
  AND (CAST(:since AS TIMESTAMPTZ) IS NULL OR f.started_at >= CAST(:since AS TIMESTAMPTZ))
  AND (CAST(:until AS TIMESTAMPTZ) IS NULL OR f.started_at < CAST(:until AS TIMESTAMPTZ))

SELECT
  f.interception_id AS interception_key,
  f.resolved_provider_id,
  f.provider_key,
  f.provider_name,
  f.provider_type,
  f.model,
  f.client,
  f.initiator_id,
  f.initiator_key,
  f.day,
  CASE
    WHEN CAST($tz AS TEXT) = 'UTC'
    THEN f.utc_week
    ELSE CAST(DATE_TRUNC('WEEK', CAST(f.day AS TIMESTAMP)) AS DATE)
  END AS week,
  f.method,
  f.effective_group_id,
  f.session_key,
  CASE
    WHEN f.session_varies IS NULL OR (
      f.session_varies & CAST($span_mask AS INT)
    ) <> 0
    THEN TRUE
    WHEN CAST($spans_inside AS BOOLEAN)
    THEN FALSE
    ELSE COALESCE(f.session_from < CAST($since AS TIMESTAMPTZ), FALSE)
    OR COALESCE(f.session_to >= CAST($until AS TIMESTAMPTZ), FALSE)
  END AS session_split,
  COALESCE(f.session_rep, FALSE) AS session_rep,
  f.session_size,
  f.session_varies,
  f.session_from,
  f.session_to,
  f.thread_key,
  CASE
    WHEN f.thread_varies IS NULL OR (
      f.thread_varies & CAST($span_mask AS INT)
    ) <> 0
    THEN TRUE
    WHEN CAST($spans_inside AS BOOLEAN)
    THEN FALSE
    ELSE COALESCE(f.thread_from < CAST($since AS TIMESTAMPTZ), FALSE)
    OR COALESCE(f.thread_to >= CAST($until AS TIMESTAMPTZ), FALSE)
  END AS thread_split,
  COALESCE(f.thread_rep, FALSE) AS thread_rep,
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
FROM (
  SELECT
    r.*,
    CASE
      WHEN CAST($tz AS TEXT) = 'UTC'
      THEN r.utc_day
      ELSE CAST(r.started_at AT TIME ZONE CAST($tz AS TEXT) AS DATE)
    END AS day
  FROM facts AS r
  WHERE
    NOT r.ended_at IS NULL
    AND (
      CAST($since AS TIMESTAMPTZ) IS NULL
      OR r.started_at >= CAST($since AS TIMESTAMPTZ)
    )
    AND (
      CAST($until AS TIMESTAMPTZ) IS NULL OR r.started_at < CAST($until AS TIMESTAMPTZ)
    )
) AS f

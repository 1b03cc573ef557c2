-- One row per ended interception started in [:since, :until), with every key a summary can group
-- by and what its figures count (the facts of the range): the relation every grouped figure
-- reads (summaries/figures.sql, report/sessions.sql). Day and week are dates in :tz (weeks start
-- on Monday).
-- relation: summary_keyed
-- :since  timestamptz?  first started_at included (NULL: no lower bound)
-- :until  timestamptz?  first started_at excluded (NULL: no upper bound)
-- :tz     text = UTC    the IANA zone of the day and week keys
-- :span_mask  int = 1023  the keys grouped by, as bits (summaries.span_mask; the default: all)
-- :spans_inside  bool = false  every fact started in [:since, :until) (summaries.spans_inside)
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
  -- The Monday of the day's week: the facts' own in UTC, elsewhere from the date alone (no zone
  -- arithmetic per row).
  CASE
    WHEN CAST(:tz AS TEXT) = 'UTC' THEN f.utc_week
    ELSE CAST(DATE_TRUNC('week', CAST(f.day AS TIMESTAMP)) AS DATE)
  END AS week,
  f.method,
  f.effective_group_id,
  f.session_key,
  -- Whether this session is counted by its key (a distinct count) rather than by its marked row
  -- (session_rep): unless its ended rows all lie in the range and agree in every key grouped by
  -- (:span_mask, the bits of sql/warehouse/facts/spans.sql). The same for threads below.
  CASE
    WHEN f.session_varies IS NULL OR (f.session_varies & CAST(:span_mask AS INTEGER)) <> 0
    THEN TRUE
    -- No session crosses an end of a range that every fact lies in: the ends are then not
    -- compared row by row, and an engine that binds the values first reads neither column.
    WHEN CAST(:spans_inside AS BOOLEAN) THEN FALSE
    ELSE COALESCE(f.session_from < CAST(:since AS TIMESTAMPTZ), FALSE)
      OR COALESCE(f.session_to >= CAST(:until AS TIMESTAMPTZ), FALSE)
  END AS session_split,
  COALESCE(f.session_rep, FALSE) AS session_rep,
  -- What the marked row stores of its session (its ended rows: how many, the first and last start),
  -- and every row (the keys it varies in).
  f.session_size,
  f.session_varies,
  f.session_from,
  f.session_to,
  f.thread_key,
  CASE
    WHEN f.thread_varies IS NULL OR (f.thread_varies & CAST(:span_mask AS INTEGER)) <> 0
    THEN TRUE
    WHEN CAST(:spans_inside AS BOOLEAN) THEN FALSE
    ELSE COALESCE(f.thread_from < CAST(:since AS TIMESTAMPTZ), FALSE)
      OR COALESCE(f.thread_to >= CAST(:until AS TIMESTAMPTZ), FALSE)
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
    -- The local day. In UTC, the facts' own (the day number since the epoch): converting ten
    -- million start times to a zone one by one costs DuckDB several CPU seconds.
    CASE
      WHEN CAST(:tz AS TEXT) = 'UTC' THEN r.utc_day
      ELSE CAST(r.started_at AT TIME ZONE CAST(:tz AS TEXT) AS DATE)
    END AS day
  FROM facts AS r
  WHERE
    NOT r.ended_at IS NULL
    AND (CAST(:since AS TIMESTAMPTZ) IS NULL OR r.started_at >= CAST(:since AS TIMESTAMPTZ))
    AND (CAST(:until AS TIMESTAMPTZ) IS NULL OR r.started_at < CAST(:until AS TIMESTAMPTZ))
) AS f

-- The warehouse's side of a reconciliation with Coder's organisation spend export: token usage
-- written in [:period_start, :period_end) with a recorded effective group, totalled per user
-- (the interception's initiator), group, model, provider (wire format) and provider name as Coder
-- records them on the interception, the export's own key and rules: usage without an effective
-- group is left out, and the cost of unpriced usage counts as 0 (COALESCE of the sum).
-- :period_start  timestamptz  first created_at included
-- :period_end    timestamptz  first created_at excluded
SELECT
  CAST(i.initiator_id AS TEXT) AS user_id,
  CAST(t.effective_group_id AS TEXT) AS group_id,
  i.model,
  i.provider,
  i.provider_name,
  CAST(COALESCE(SUM(t.input_tokens), 0) AS BIGINT) AS input_tokens,
  CAST(COALESCE(SUM(t.output_tokens), 0) AS BIGINT) AS output_tokens,
  CAST(COALESCE(SUM(t.cache_read_input_tokens), 0) AS BIGINT) AS cache_read_tokens,
  CAST(COALESCE(SUM(t.cache_write_input_tokens), 0) AS BIGINT) AS cache_write_tokens,
  CAST(COALESCE(SUM(t.cost_micros), 0) AS BIGINT) AS cost_micros,
  CAST(COUNT(*) AS BIGINT) AS token_usages
FROM token_usages AS t
JOIN interceptions AS i
  ON i.id = t.interception_id
WHERE
  NOT t.effective_group_id IS NULL
  AND t.created_at >= CAST(:period_start AS TIMESTAMPTZ)
  AND t.created_at < CAST(:period_end AS TIMESTAMPTZ)
GROUP BY i.initiator_id, t.effective_group_id, i.model, i.provider, i.provider_name

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
  AND t.created_at >= CAST($period_start AS TIMESTAMPTZ)
  AND t.created_at < CAST($period_end AS TIMESTAMPTZ)
GROUP BY
  i.initiator_id,
  t.effective_group_id,
  i.model,
  i.provider,
  i.provider_name

SELECT
  e.resolved_provider_id,
  e.provider_name,
  e.provider_type,
  e.model,
  e.client,
  e.initiator_id,
  e.day,
  e.week,
  e.method,
  e.effective_group_id,
  CAST(COALESCE(SUM(e.estimated_cost_micros), 0) AS BIGINT) AS estimated_cost_micros,
  CAST(COUNT(e.estimated_cost_micros) AS BIGINT) AS estimated_token_usages,
  CAST(SUM(CASE WHEN e.estimated_cost_micros IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS unestimated_token_usages
FROM spend_estimated AS e
GROUP BY
  e.resolved_provider_id,
  e.provider_name,
  e.provider_type,
  e.model,
  e.client,
  e.initiator_id,
  e.day,
  e.week,
  e.method,
  e.effective_group_id

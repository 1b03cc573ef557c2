-- Estimated spend per group (spend_estimated): the unpriced token usages the price book prices
-- and their estimated cost, and those it cannot price. Exact integer sums of micro-dollars.
-- Written grouped by every key; rendering keeps the keys asked for, as summaries/figures.sql.
-- keys: resolved_provider_id, provider_name, provider_type, model, client, initiator_id, day, week, method, effective_group_id
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
GROUP BY e.resolved_provider_id, e.provider_name, e.provider_type, e.model, e.client, e.initiator_id, e.day, e.week, e.method, e.effective_group_id

-- The what-if repricing per group (spend_repriced): every token usage priced with the price book,
-- beside what Coder recorded. Exact integer sums of micro-dollars. The recorded figures are NULL
-- (not recorded) on a source without cost columns; the difference is repriced minus recorded over
-- the usages both price (compared_token_usages), so unpriced usage never counts as 0 on either side:
-- the repriced cost of a group the book prices none of, and the difference of one without a usage
-- both price, are NULL.
-- Written grouped by every key; rendering keeps the keys asked for, as summaries/figures.sql.
-- keys: resolved_provider_id, provider_name, provider_type, model, client, initiator_id, day, week, method, effective_group_id
SELECT
  r.resolved_provider_id,
  r.provider_name,
  r.provider_type,
  r.model,
  r.client,
  r.initiator_id,
  r.day,
  r.week,
  r.method,
  r.effective_group_id,
  CAST(COUNT(*) AS BIGINT) AS token_usages,
  CASE
    WHEN MIN(r.cost_recorded) = 1 THEN CAST(COALESCE(SUM(r.recorded_cost_micros), 0) AS BIGINT)
  END AS recorded_cost_micros,
  CASE WHEN MIN(r.cost_recorded) = 1 THEN CAST(COUNT(r.recorded_cost_micros) AS BIGINT) END AS priced_token_usages,
  CAST(SUM(r.repriced_cost_micros) AS BIGINT) AS repriced_cost_micros,
  CAST(COUNT(r.repriced_cost_micros) AS BIGINT) AS repriced_token_usages,
  CAST(SUM(CASE WHEN r.repriced_cost_micros IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS unrepriced_token_usages,
  CASE
    WHEN MIN(r.cost_recorded) = 1
    THEN CAST(
      SUM(CASE WHEN r.recorded_cost_micros IS NULL OR r.repriced_cost_micros IS NULL THEN 0 ELSE 1 END) AS BIGINT
    )
  END AS compared_token_usages,
  CASE
    WHEN MIN(r.cost_recorded) = 1
    THEN CAST(SUM(r.repriced_cost_micros - r.recorded_cost_micros) AS BIGINT)
  END AS difference_micros
FROM spend_repriced AS r
GROUP BY r.resolved_provider_id, r.provider_name, r.provider_type, r.model, r.client, r.initiator_id, r.day, r.week, r.method, r.effective_group_id

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
    WHEN MIN(r.cost_recorded) = 1
    THEN CAST(COALESCE(SUM(r.recorded_cost_micros), 0) AS BIGINT)
  END AS recorded_cost_micros,
  CASE
    WHEN MIN(r.cost_recorded) = 1
    THEN CAST(COUNT(r.recorded_cost_micros) AS BIGINT)
  END AS priced_token_usages,
  CAST(SUM(r.repriced_cost_micros) AS BIGINT) AS repriced_cost_micros,
  CAST(COUNT(r.repriced_cost_micros) AS BIGINT) AS repriced_token_usages,
  CAST(SUM(CASE WHEN r.repriced_cost_micros IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS unrepriced_token_usages,
  CASE
    WHEN MIN(r.cost_recorded) = 1
    THEN CAST(SUM(
      CASE
        WHEN r.recorded_cost_micros IS NULL OR r.repriced_cost_micros IS NULL
        THEN 0
        ELSE 1
      END
    ) AS BIGINT)
  END AS compared_token_usages,
  CASE
    WHEN MIN(r.cost_recorded) = 1
    THEN CAST(SUM(r.repriced_cost_micros - r.recorded_cost_micros) AS BIGINT)
  END AS difference_micros
FROM spend_repriced AS r
GROUP BY
  r.resolved_provider_id,
  r.provider_name,
  r.provider_type,
  r.model,
  r.client,
  r.initiator_id,
  r.day,
  r.week,
  r.method,
  r.effective_group_id

SELECT
  k.resolved_provider_id,
  k.provider_name,
  k.provider_type,
  k.model,
  k.client,
  k.initiator_id,
  k.day,
  k.week,
  k.method,
  k.effective_group_id,
  CASE WHEN src.has_cost THEN 1 ELSE 0 END AS cost_recorded,
  t.cost_micros AS recorded_cost_micros,
  c.book_cost_micros AS repriced_cost_micros
FROM summary_keyed AS k
JOIN token_usages AS t
  ON t.interception_id = k.interception_key
LEFT JOIN book_costs AS c
  ON c.usage_id = t.id
CROSS JOIN source_facts AS src

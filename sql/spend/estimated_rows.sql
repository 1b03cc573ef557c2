-- Every unpriced token usage (no recorded cost) of the ended interceptions started in the range,
-- with its interception's summary keys and its estimated cost: the price book's cost of it
-- (spend/book_costs.sql), NULL where the book has no entry for it.
-- relation: spend_estimated
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
  c.book_cost_micros AS estimated_cost_micros
FROM summary_keyed AS k
JOIN token_usages AS t
  ON t.interception_id = k.interception_key
LEFT JOIN book_costs AS c
  ON c.usage_id = t.id
WHERE
  t.cost_micros IS NULL

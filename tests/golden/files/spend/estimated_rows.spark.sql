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
  c.estimated_cost_micros
FROM summary_keyed AS k
JOIN token_usages AS t
  ON t.interception_id = k.interception_key
LEFT JOIN (
  SELECT
    m.usage_id,
    m.estimated_cost_micros
  FROM (
    SELECT
      u.id AS usage_id,
      CAST((
        u.input_tokens * b.input_price_micros + u.output_tokens * b.output_price_micros + u.cache_read_input_tokens * b.cache_read_price_micros + u.cache_write_input_tokens * b.cache_write_price_micros
      ) DIV 1000000 AS BIGINT) AS estimated_cost_micros,
      ROW_NUMBER() OVER (
        PARTITION BY u.id
        ORDER BY CASE WHEN b.scope = 'id' THEN 0 ELSE 1 END NULLS LAST, b.effective_from DESC
      ) AS preference
    FROM token_usages AS u
    JOIN facts AS f
      ON f.interception_id = u.interception_id
    JOIN price_book AS b
      ON b.model = f.model
      AND b.effective_from <= u.created_at
      AND (
        (
          b.scope = 'id' AND b.target = CAST(f.resolved_provider_id AS STRING)
        )
        OR (
          b.scope = 'type' AND b.target = f.provider_type
        )
      )
    WHERE
      u.cost_micros IS NULL
  ) AS m
  WHERE
    m.preference = 1
) AS c
  ON c.usage_id = t.id
WHERE
  t.cost_micros IS NULL

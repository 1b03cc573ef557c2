SELECT
  m.usage_id,
  m.book_cost_micros
FROM (
  SELECT
    u.id AS usage_id,
    CAST(DIV(
      (
        u.input_tokens * b.input_price_micros + u.output_tokens * b.output_price_micros + u.cache_read_input_tokens * b.cache_read_price_micros + u.cache_write_input_tokens * b.cache_write_price_micros
      ),
      1000000
    ) AS BIGINT) AS book_cost_micros,
    ROW_NUMBER() OVER (
      PARTITION BY u.id
      ORDER BY CASE WHEN b.scope = 'id' THEN 0 ELSE 1 END, b.effective_from DESC NULLS LAST
    ) AS preference
  FROM token_usages AS u
  JOIN facts AS f
    ON f.interception_id = u.interception_id
  JOIN price_book AS b
    ON b.model = f.model
    AND b.effective_from <= u.created_at
    AND (
      (
        b.scope = 'id' AND b.target = CAST(f.resolved_provider_id AS TEXT)
      )
      OR (
        b.scope = 'type' AND b.target = f.provider_type
      )
    )
) AS m
WHERE
  m.preference = 1

INSERT INTO main.aibridge_user_prompts (
  id,
  interception_id,
  provider_response_id,
  prompt,
  metadata,
  created_at
)
SELECT
  CAST(HEX(HASH(CAST($seed AS BIGINT), 30, c.n) | 1152921504606846976) || HEX(14987979559889010688 + c.n) AS UUID),
  c.id,
  c.response_prefix || PRINTF('%016x', HASH(CAST($seed AS BIGINT), 21, c.n, CAST(0 AS BIGINT))),
  p.prompt,
  NULL,
  CAST(MAKE_TIMESTAMP(
    c.started_us + LEAST(
      5000 + CAST(CAST(HASH(CAST($seed AS BIGINT), 31, c.n) >> 1 AS BIGINT) % 195000 AS BIGINT),
      c.reached_us
    )
  ) AS TIMESTAMPTZ)
FROM temp.main._scale_chunk AS c
JOIN temp.main._scale_prompts AS p
  ON p.slot = CAST(HASH(CAST($seed AS BIGINT), 32, c.n) >> 1 AS BIGINT) % CAST($slots AS BIGINT)
WHERE
  CAST(HASH(CAST($seed AS BIGINT), 33, c.n) >> 1 AS BIGINT) % 100 < 97

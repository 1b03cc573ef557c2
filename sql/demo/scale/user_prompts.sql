-- User prompts of the chunk's interceptions (temp.main._scale_chunk): one for 97 in 100 requests,
-- recorded soon after the request started, with the response id of its first token usage.
-- :seed   int  the seed
-- :slots  int  rows in temp.main._scale_prompts
-- engine: duckdb
INSERT INTO main.aibridge_user_prompts (id, interception_id, provider_response_id, prompt, metadata, created_at)
SELECT
  CAST(to_hex(hash(CAST(:seed AS BIGINT), 30, c.n) | 1152921504606846976) || to_hex(14987979559889010688 + c.n) AS UUID),
  c.id,
  c.response_prefix || printf('%016x', hash(CAST(:seed AS BIGINT), 21, c.n, CAST(0 AS BIGINT))),
  p.prompt,
  NULL,
  CAST(make_timestamp(
    c.started_us + LEAST(5000 + CAST(CAST(hash(CAST(:seed AS BIGINT), 31, c.n) >> 1 AS BIGINT) % 195000 AS BIGINT), c.reached_us)
  ) AS TIMESTAMPTZ)
FROM temp.main._scale_chunk AS c
JOIN temp.main._scale_prompts AS p
  ON p.slot = CAST(hash(CAST(:seed AS BIGINT), 32, c.n) >> 1 AS BIGINT) % CAST(:slots AS BIGINT)
WHERE
  CAST(hash(CAST(:seed AS BIGINT), 33, c.n) >> 1 AS BIGINT) % 100 < 97

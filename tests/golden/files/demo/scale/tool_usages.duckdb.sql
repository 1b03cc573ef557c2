INSERT INTO main.aibridge_tool_usages (
  id,
  interception_id,
  provider_response_id,
  server_url,
  tool,
  input,
  injected,
  invocation_error,
  metadata,
  created_at
)
WITH calls AS NOT MATERIALIZED (
  SELECT
    c.n,
    k.j,
    c.id,
    c.response_prefix,
    c.started_us,
    c.reached_us,
    c.responses
  FROM temp.main._scale_chunk AS c, RANGE(0, 3) AS k(j)
  WHERE
    k.j < c.tools
)
SELECT
  CAST(HEX(HASH(CAST($seed AS BIGINT), 40, u.n, u.j) | 1152921504606846976) || HEX(16140901064495857664 + u.n * 4 + u.j) AS UUID),
  u.id,
  u.response_prefix || PRINTF(
    '%016x',
    HASH(
      CAST($seed AS BIGINT),
      21,
      u.n,
      CAST(HASH(CAST($seed AS BIGINT), 41, u.n, u.j) >> 1 AS BIGINT) % u.responses
    )
  ),
  t.server_url,
  t.tool,
  t.input,
  t.injected,
  t.invocation_error,
  NULL,
  CAST(MAKE_TIMESTAMP(
    u.started_us + CAST(CAST(HASH(CAST($seed AS BIGINT), 42, u.n, u.j) >> 1 AS BIGINT) % u.reached_us AS BIGINT)
  ) AS TIMESTAMPTZ)
FROM calls AS u
JOIN temp.main._scale_tools AS t
  ON t.slot = CAST(HASH(CAST($seed AS BIGINT), 43, u.n, u.j) >> 1 AS BIGINT) % CAST($slots AS BIGINT)

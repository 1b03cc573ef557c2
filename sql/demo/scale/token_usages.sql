-- Token usages of the chunk's interceptions (temp.main._scale_chunk): one per response (1-3 for a
-- request that ended, 0-1 for one still running), spread over the time the request ran. Token
-- counts are log-normal (Box-Muller over CAST(hash() >> 1 AS BIGINT) draws); cache reads are more common on Anthropic.
-- :seed  int  the seed
-- engine: duckdb
INSERT INTO main.aibridge_token_usages (
  id, interception_id, provider_response_id, input_tokens, output_tokens, cache_read_input_tokens,
  cache_write_input_tokens, metadata, created_at
)
WITH draws AS (
  SELECT
    c.n,
    k.j,
    c.id,
    c.response_prefix,
    c.anthropic,
    c.started_us,
    c.reached_us,
    c.responses,
    SQRT(-2 * LN((CAST(hash(CAST(:seed AS BIGINT), 22, c.n, k.j) >> 1 AS BIGINT) % 1000003 + 1) / 1000004.0)) AS radius,
    2 * PI() * (CAST(hash(CAST(:seed AS BIGINT), 23, c.n, k.j) >> 1 AS BIGINT) % 1000003) / 1000003.0 AS angle,
    CAST(hash(CAST(:seed AS BIGINT), 24, c.n, k.j) >> 1 AS BIGINT) % 100 AS cache_draw
  FROM temp.main._scale_chunk AS c, range(3) AS k(j)
  WHERE
    k.j < c.responses
)
SELECT
  CAST(to_hex(hash(CAST(:seed AS BIGINT), 20, d.n, d.j) | 1152921504606846976) || to_hex(13835058055282163712 + d.n * 4 + d.j) AS UUID),
  d.id,
  d.response_prefix || printf('%016x', hash(CAST(:seed AS BIGINT), 21, d.n, d.j)),
  CAST(LEAST(GREATEST(EXP(LN(2500) + 1.3 * d.radius * COS(d.angle)), 1), 400000) AS BIGINT),
  CAST(LEAST(GREATEST(EXP(LN(250) + 1.1 * d.radius * SIN(d.angle)), 1), 64000) AS BIGINT),
  CASE
    WHEN d.cache_draw < CASE WHEN d.anthropic THEN 75 ELSE 40 END
    THEN CAST(LEAST(GREATEST(EXP(LN(18000) + d.radius * COS(d.angle + 1)), 1), 2000000) AS BIGINT)
    ELSE 0
  END,
  CASE
    WHEN d.anthropic AND d.cache_draw % 20 < 9
    THEN CAST(LEAST(GREATEST(EXP(LN(1500) + 1.2 * d.radius * SIN(d.angle + 1)), 1), 200000) AS BIGINT)
    ELSE 0
  END,
  NULL,
  CAST(make_timestamp(d.started_us + d.reached_us * (d.j + 1) // d.responses) AS TIMESTAMPTZ)
FROM draws AS d

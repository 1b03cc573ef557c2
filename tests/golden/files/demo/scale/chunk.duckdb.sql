CREATE OR REPLACE TEMPORARY TABLE temp.main._scale_chunk AS
WITH numbered AS NOT MATERIALIZED (
  SELECT
    r.n,
    r.n // (
      CAST($lanes AS BIGINT) * CAST($positions AS BIGINT)
    ) AS w,
    r.n % CAST($lanes AS BIGINT) AS lane,
    (
      r.n // CAST($lanes AS BIGINT)
    ) % CAST($positions AS BIGINT) AS pos
  FROM RANGE(CAST($lo AS BIGINT), CAST($hi AS BIGINT)) AS r(n)
), laned AS NOT MATERIALIZED (
  SELECT
    x.n,
    x.w,
    x.lane,
    x.pos,
    (
      x.pos // s.session_size
    ) * s.session_size AS session_pos,
    s.thread_size
  FROM numbered AS x
  JOIN temp.main._scale_sessions AS s
    ON s.slot = CAST(HASH(CAST($seed AS BIGINT), 1, x.w, x.lane) >> 1 AS BIGINT) % CAST($slots AS BIGINT)
), placed AS NOT MATERIALIZED (
  SELECT
    l.n,
    l.w * CAST($lanes AS BIGINT) * CAST($positions AS BIGINT) + l.session_pos * CAST($lanes AS BIGINT) + l.lane AS first_row,
    l.w * CAST($lanes AS BIGINT) * CAST($positions AS BIGINT) + (
      l.session_pos + (
        (
          l.pos - l.session_pos
        ) // l.thread_size
      ) * l.thread_size
    ) * CAST($lanes AS BIGINT) + l.lane AS root_row,
    CAST($start_us AS BIGINT) + l.w * CAST($window_us AS BIGINT) + l.pos * (
      CAST($window_us AS BIGINT) // CAST($positions AS BIGINT)
    ) + CAST(CAST(HASH(CAST($seed AS BIGINT), 3, l.n) >> 1 AS BIGINT) % GREATEST(CAST($window_us AS BIGINT) // CAST($positions AS BIGINT), 1) AS BIGINT) AS started_us,
    LEAST(
      1800000000,
      300000 + CAST(-LN(
        (
          CAST(HASH(CAST($seed AS BIGINT), 4, l.n) >> 1 AS BIGINT) % 1000003 + 1
        ) / 1000004.0
      ) * 8000000 AS BIGINT)
    ) AS duration_us,
    CAST(HASH(CAST($seed AS BIGINT), 5, l.n) >> 1 AS BIGINT) % 1000 = 0 AS orphan,
    CAST(HASH(CAST($seed AS BIGINT), 7, l.n) >> 1 AS BIGINT) % 100 AS legacy,
    CAST(HASH(CAST($seed AS BIGINT), 17, l.n) >> 1 AS BIGINT) % 100 AS responses_draw,
    CAST(HASH(CAST($seed AS BIGINT), 18, l.n) >> 1 AS BIGINT) % 100 AS tools_draw
  FROM laned AS l
), sessions AS NOT MATERIALIZED (
  SELECT
    p.*,
    CASE
      WHEN p.first_row % CAST($every AS BIGINT) = 0
      THEN (
        p.first_row // CAST($every AS BIGINT)
      ) % CAST($users AS BIGINT)
      ELSE CAST(FLOOR(
        CAST($users AS BIGINT) * POWER(
          (
            CAST(HASH(CAST($seed AS BIGINT), 9, p.first_row) >> 1 AS BIGINT) % 1000003
          ) / 1000003.0,
          2
        )
      ) AS BIGINT)
    END AS user_no,
    p.started_us + p.duration_us <= CAST($anchor_us AS BIGINT) AND NOT p.orphan AS ended
  FROM placed AS p
), rows AS NOT MATERIALIZED (
  SELECT
    s.*,
    CASE
      WHEN s.ended
      THEN 1 + CAST(s.responses_draw >= 60 AS BIGINT) + CAST(s.responses_draw >= 90 AS BIGINT)
      ELSE s.responses_draw % 2
    END AS responses,
    CASE
      WHEN s.ended
      THEN GREATEST(s.duration_us, 1)
      ELSE LEAST(GREATEST(CAST($anchor_us AS BIGINT) - s.started_us, 1), 120000000)
    END AS reached_us
  FROM sessions AS s
)
SELECT
  r.n,
  CAST(HEX(HASH(CAST($seed AS BIGINT), 10, r.n) | 1152921504606846976) || HEX(10376293541461622784 + r.n) AS UUID) AS id,
  CAST(HEX(HASH(CAST($seed AS BIGINT), 11, r.user_no) | 1152921504606846976) || HEX(11529215046068469760 + r.user_no) AS UUID) AS initiator_id,
  pr.provider,
  CASE WHEN r.legacy < CAST($nameless_pct AS BIGINT) THEN '' ELSE pr.provider_name END AS provider_name,
  CASE WHEN r.legacy < CAST($legacy_pct AS BIGINT) THEN NULL ELSE pr.provider_id END AS provider_id,
  pr.model,
  CAST(MAKE_TIMESTAMP(r.started_us) AS TIMESTAMPTZ) AS started_at,
  CASE
    WHEN r.ended
    THEN CAST(MAKE_TIMESTAMP(r.started_us + r.duration_us) AS TIMESTAMPTZ)
  END AS ended_at,
  cl.metadata,
  PRINTF(
    '%016x',
    HASH(CAST($seed AS BIGINT), 12, r.user_no, HASH(CAST($seed AS BIGINT), 15, r.n) % 5 = 0)
  ) AS api_key_id,
  cl.client,
  CASE
    WHEN r.root_row < r.n
    THEN CAST(HEX(
      HASH(CAST($seed AS BIGINT), 10, r.n - CAST($lanes AS BIGINT)) | 1152921504606846976
    ) || HEX(10376293541461622784 + r.n - CAST($lanes AS BIGINT)) AS UUID)
  END AS thread_parent_id,
  CASE
    WHEN r.root_row < r.n
    THEN CAST(HEX(HASH(CAST($seed AS BIGINT), 10, r.root_row) | 1152921504606846976) || HEX(10376293541461622784 + r.root_row) AS UUID)
  END AS thread_root_id,
  CASE
    WHEN cl.has_session
    THEN HEX(HASH(CAST($seed AS BIGINT), 14, r.first_row) | 1152921504606846976) || HEX(12682136550675316736 + r.first_row)
  END AS client_session_id,
  CASE
    WHEN CAST(HASH(CAST($seed AS BIGINT), 13, r.user_no) >> 1 AS BIGINT) % 10 = 0
    THEN 'byok'
    ELSE 'centralized'
  END AS credential_kind,
  pr.credential_hint,
  CAST(r.started_us AS BIGINT) AS started_us,
  CAST(r.reached_us AS BIGINT) AS reached_us,
  CAST(r.responses AS BIGINT) AS responses,
  CAST(CASE
    WHEN r.responses = 0
    THEN 0
    WHEN NOT r.ended
    THEN CAST(r.tools_draw >= 74 AS BIGINT)
    ELSE CAST(r.tools_draw >= 27 AS BIGINT) + CAST(r.tools_draw >= 63 AS BIGINT) + CAST(r.tools_draw >= 86 AS BIGINT)
  END AS BIGINT) AS tools,
  pr.response_prefix,
  pr.anthropic
FROM rows AS r
JOIN temp.main._scale_providers AS pr
  ON pr.slot = CAST(HASH(CAST($seed AS BIGINT), 6, r.first_row) >> 1 AS BIGINT) % CAST($slots AS BIGINT)
JOIN temp.main._scale_clients AS cl
  ON cl.slot = CAST(HASH(CAST($seed AS BIGINT), 8, r.first_row) >> 1 AS BIGINT) % CAST($slots AS BIGINT)

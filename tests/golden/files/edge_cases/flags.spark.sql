WITH newest AS (
  SELECT
    MAX(n.started_at) AS started_at
  FROM interceptions AS n
), first_provider AS (
  SELECT
    MIN(p.created_at) AS created_at
  FROM providers AS p
), live_types AS (
  SELECT
    p.type,
    COUNT(*) AS n
  FROM providers AS p
  WHERE
    NOT p.deleted
  GROUP BY
    p.type
), rows AS (
  SELECT
    a.interception_id,
    a.provider,
    a.provider_name,
    a.provider_id,
    a.method,
    a.resolved_provider_id,
    a.resolved_provider_type,
    a.snapshot_method,
    a.snapshot_provider_id,
    a.live_provider_id,
    a.name_reused,
    a.snapshot_mismatch,
    a.wire_family_ambiguous,
    a.started_at,
    a.ended_at,
    i.model,
    i.client,
    i.session_id,
    i.initiator_id,
    b.backfill_null_reason,
    b.provider_outside_enum,
    r.enabled AS resolved_enabled,
    r.deleted AS resolved_deleted,
    COALESCE(lt.n, 0) AS live_same_type
  FROM attribution AS a
  JOIN interceptions AS i
    ON i.id = a.interception_id
  JOIN backfill AS b
    ON b.interception_id = a.interception_id
  LEFT JOIN providers AS r
    ON r.id = a.resolved_provider_id
  LEFT JOIN live_types AS lt
    ON lt.type = a.provider
), sessions AS (
  SELECT
    s.session_id,
    s.initiator_id,
    COUNT(DISTINCT COALESCE(CAST(s.resolved_provider_id AS STRING), '')) > 1 AS mixed
  FROM rows AS s
  GROUP BY
    s.session_id,
    s.initiator_id
)
SELECT
  CAST(x.interception_id AS STRING) AS interception_id,
  x.started_at,
  x.ended_at,
  x.model,
  x.client,
  x.session_id,
  NOT x.resolved_provider_id IS NULL AS resolved,
  NOT x.provider_id IS NULL
  AND x.resolved_provider_id IS DISTINCT FROM x.snapshot_provider_id AS case_01,
  x.provider_name <> '' AND x.provider_name = x.provider AS case_02,
  x.provider_name = '' AS case_03,
  x.provider_name = '' AND x.live_same_type > 1 AS case_04,
  COALESCE(x.resolved_provider_type <> x.provider, FALSE)
  OR x.wire_family_ambiguous AS case_05,
  COALESCE(x.resolved_deleted, FALSE)
  OR x.name_reused
  OR COALESCE(x.backfill_null_reason = 'deleted_provider', FALSE) AS case_06,
  x.provider_id IS NULL
  AND COALESCE(x.backfill_null_reason = 'hard_deleted_provider', FALSE) AS case_07,
  x.method = 'unknown_provider_id' AS case_08,
  x.snapshot_mismatch AS case_09,
  COALESCE(NOT x.resolved_enabled AND NOT x.resolved_deleted, FALSE) AS case_10,
  x.provider = 'copilot' OR x.provider_outside_enum AS case_11,
  x.ended_at IS NULL AS case_12,
  x.client IS NULL AS case_13,
  COALESCE(se.mixed, FALSE) AS case_14,
  COALESCE(
    x.provider_name = ''
    AND NOT x.provider_id IS NULL
    AND (
      x.live_provider_id IS NULL OR x.live_provider_id <> x.provider_id
    ),
    FALSE
  ) AS case_15,
  COALESCE(x.started_at < fp.created_at, TRUE) AS case_16,
  x.ended_at IS NULL AND x.started_at <= nw.started_at - INTERVAL '1' DAY AS stuck
FROM rows AS x
CROSS JOIN newest AS nw
CROSS JOIN first_provider AS fp
LEFT JOIN sessions AS se
  ON se.session_id = x.session_id AND se.initiator_id = x.initiator_id

WITH enum_types AS (
  SELECT
    w.type
  FROM wire_formats AS w
), wire_words AS (
  SELECT
    w.wire AS word
  FROM wire_formats AS w
  UNION
  SELECT
    w.type
  FROM wire_formats AS w
), known_names AS (
  SELECT
    p.name,
    MAX(CASE WHEN p.deleted THEN 0 ELSE 1 END) AS live
  FROM providers AS p
  GROUP BY
    p.name
), simulated AS (
  SELECT
    a.interception_id,
    a.provider,
    a.provider_name,
    a.provider_id,
    a.started_at,
    a.ended_at,
    a.method,
    a.resolved_provider_id,
    a.resolved_provider_name,
    a.wire_family_ambiguous,
    a.snapshot_mismatch,
    a.name_reused,
    a.snapshot_provider_id AS truth_provider_id,
    a.live_provider_id AS backfill_provider_id,
    CASE
      WHEN a.live_method = 'provider_name' AND NOT a.live_provider_id IS NULL
      THEN 'name'
      WHEN a.live_method = 'unique_type'
      THEN 'unique_type'
    END AS backfill_pass,
    CASE
      WHEN NOT a.live_provider_id IS NULL
      THEN NULL
      WHEN a.live_method = 'provider_name'
      THEN 'duplicate_live_name'
      WHEN a.live_method = 'ambiguous_type'
      THEN 'ambiguous_type'
      WHEN a.provider_name <> '' AND kn.live = 0
      THEN 'deleted_provider'
      WHEN a.provider_name <> ''
      AND kn.name IS NULL
      AND a.provider_name <> a.provider
      AND ww.word IS NULL
      THEN 'hard_deleted_provider'
      ELSE 'no_live_provider'
    END AS backfill_null_reason,
    COALESCE(a.snapshot_provider_id <> a.live_provider_id, FALSE) AS misattributes,
    et.type IS NULL AS provider_outside_enum,
    a.provider_id IS NULL AND a.provider_name = '' AS reaches_pass_2
  FROM attribution AS a
  LEFT JOIN known_names AS kn
    ON kn.name = a.provider_name
  LEFT JOIN wire_words AS ww
    ON ww.word = a.provider_name
  LEFT JOIN enum_types AS et
    ON et.type = a.provider
)
SELECT
  s.interception_id,
  s.provider,
  s.provider_name,
  s.provider_id,
  s.started_at,
  s.ended_at,
  s.method,
  s.resolved_provider_id,
  s.resolved_provider_name,
  s.wire_family_ambiguous,
  s.snapshot_mismatch,
  s.name_reused,
  s.truth_provider_id,
  s.backfill_provider_id,
  s.backfill_pass,
  s.backfill_null_reason,
  s.misattributes,
  CASE
    WHEN NOT s.provider_id IS NULL
    THEN 'kept'
    WHEN s.backfill_pass = 'name'
    THEN 'set_by_name'
    WHEN s.backfill_pass = 'unique_type'
    THEN 'set_by_unique_type'
    ELSE 'left_null'
  END AS backfill_outcome,
  COALESCE(s.provider_id, s.backfill_provider_id) AS migrated_provider_id,
  s.provider_outside_enum,
  s.reaches_pass_2,
  s.reaches_pass_2 AND s.provider_outside_enum AS aborts_pass_2,
  s.reaches_pass_2 AND s.provider = 'copilot' AS copilot_same_transaction
FROM simulated AS s

WITH classified AS (
  SELECT
    b.*,
    CASE
      WHEN NOT b.provider_id IS NULL AND b.method = 'unknown_provider_id'
      THEN 'dangling_id'
      WHEN NOT b.provider_id IS NULL AND b.snapshot_mismatch
      THEN 'conflicting'
      WHEN NOT b.provider_id IS NULL AND b.truth_provider_id <> b.provider_id
      THEN 'misattributed_successor'
      WHEN NOT b.provider_id IS NULL
      THEN 'unchanged_correct'
      WHEN NOT src.has_providers
      THEN 'awaiting_providers'
      WHEN b.misattributes
      THEN 'backfill_would_misattribute'
      WHEN b.backfill_pass = 'name'
      THEN 'attributed_by_name'
      WHEN b.backfill_pass = 'unique_type'
      THEN 'attributed_by_unique_type'
      WHEN b.backfill_null_reason = 'hard_deleted_provider'
      THEN 'set_null_by_hard_delete'
      ELSE 'left_null_' || b.backfill_null_reason
    END AS class
  FROM backfill AS b
  CROSS JOIN source_facts AS src
)
SELECT
  c.interception_id,
  c.provider,
  c.provider_name,
  c.provider_id,
  c.ended_at,
  c.method,
  c.resolved_provider_id,
  c.resolved_provider_name,
  c.wire_family_ambiguous,
  c.class,
  c.migrated_provider_id AS expected_provider_id,
  CASE
    WHEN c.class IN ('misattributed_successor', 'backfill_would_misattribute')
    THEN c.truth_provider_id
  END AS likely_provider_id,
  c.aborts_pass_2,
  c.copilot_same_transaction,
  c.provider_outside_enum,
  c.misattributes AND c.provider_id IS NULL AS backfill_misattributes
FROM classified AS c

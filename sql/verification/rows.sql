-- Every interception in exactly one backfill-verification class (README: verify-backfill), with
-- the provider it ends up with after the backfill and whether its class is a discrepancy.
-- relation: verification_rows
-- :has_provider_id  bool  whether the source has the provider_id column (the migration ran)
WITH classified AS (
  SELECT
    b.interception_id,
    b.migrated_provider_id,
    b.method,
    b.resolved_provider_id,
    b.backfill_null_reason,
    CASE
      WHEN NOT b.provider_id IS NULL AND b.method = 'unknown_provider_id' THEN 'dangling_id'
      WHEN
        NOT b.provider_id IS NULL
        AND (
          b.snapshot_mismatch
          OR b.name_reused_after_start
          OR (NOT b.backfill_provider_id IS NULL AND b.backfill_provider_id <> b.provider_id)
        )
      THEN 'conflicting'
      WHEN NOT b.provider_id IS NULL THEN 'unchanged_correct'
      -- Pass 1 would attach the row to a provider created after it started: a reused name.
      WHEN b.backfill_after_start THEN 'left_null_name_reused'
      WHEN b.backfill_pass = 'name' THEN 'attributed_by_name'
      WHEN b.backfill_pass = 'unique_type' THEN 'attributed_by_unique_type'
      WHEN b.backfill_null_reason = 'hard_deleted_provider' THEN 'set_null_by_hard_delete'
      ELSE 'left_null_' || b.backfill_null_reason
    END AS class
  FROM backfill AS b
)
SELECT
  c.interception_id,
  c.class,
  c.class IN ('dangling_id', 'conflicting')
  OR (
    CAST(:has_provider_id AS BOOLEAN) AND c.class IN ('attributed_by_name', 'attributed_by_unique_type')
  ) AS discrepancy,
  CASE WHEN c.class = 'left_null_name_reused' THEN NULL ELSE c.migrated_provider_id END AS expected_provider_id,
  c.method,
  c.resolved_provider_id
FROM classified AS c

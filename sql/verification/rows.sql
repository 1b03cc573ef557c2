-- Every interception in exactly one backfill-verification class (README: verify-backfill), with
-- the provider it ends up with after the backfill, whether its class is a discrepancy, and, for
-- the two misattribution classes, the provider that can have served it when it started.
-- relation: verification_rows
-- :has_provider_id  bool  whether the source has the provider_id column (the migration ran)
SELECT
  v.interception_id,
  v.class,
  v.class IN ('dangling_id', 'conflicting', 'misattributed_successor')
  OR (
    CAST(:has_provider_id AS BOOLEAN) AND v.class IN ('attributed_by_name', 'attributed_by_unique_type')
  ) AS discrepancy,
  v.expected_provider_id,
  v.likely_provider_id,
  v.method,
  v.resolved_provider_id
FROM backfill_verdicts AS v

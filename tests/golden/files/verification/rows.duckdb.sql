SELECT
  v.interception_id,
  v.class,
  v.class IN ('dangling_id', 'conflicting', 'misattributed_successor')
  OR (
    CAST($has_provider_id AS BOOLEAN)
    AND v.class IN ('attributed_by_name', 'attributed_by_unique_type')
  ) AS discrepancy,
  v.expected_provider_id,
  v.likely_provider_id,
  v.method,
  v.resolved_provider_id
FROM backfill_verdicts AS v

CREATE OR REPLACE TEMPORARY TABLE temp.main._facts AS
SELECT
  f.*,
  v.provider AS row_provider,
  v.provider_name AS row_provider_name,
  v.provider_id AS row_provider_id,
  v.wire_family_ambiguous,
  v.class AS verification_class,
  v.expected_provider_id,
  v.likely_provider_id,
  v.aborts_pass_2,
  v.copilot_same_transaction,
  v.provider_outside_enum,
  v.backfill_misattributes
FROM facts AS f
JOIN backfill_verdicts AS v
  ON v.interception_id = f.interception_id

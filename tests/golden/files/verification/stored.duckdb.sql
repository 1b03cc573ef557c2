SELECT
  CAST(f.interception_id AS UUID) AS interception_id,
  f.row_provider AS provider,
  f.row_provider_name AS provider_name,
  CAST(f.row_provider_id AS UUID) AS provider_id,
  f.ended_at,
  f.method,
  CAST(f.resolved_provider_id AS UUID) AS resolved_provider_id,
  f.provider_name AS resolved_provider_name,
  f.wire_family_ambiguous,
  f.verification_class AS class,
  CAST(f.expected_provider_id AS UUID) AS expected_provider_id,
  CAST(f.likely_provider_id AS UUID) AS likely_provider_id,
  f.aborts_pass_2,
  f.copilot_same_transaction,
  f.provider_outside_enum,
  f.backfill_misattributes
FROM main.aibridge_facts AS f

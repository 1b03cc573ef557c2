-- The facts to store, computed once (a build or a refresh, step 1): every interception's, or on a
-- refresh those of the changed interceptions (the facts relation then reads copies of just their
-- rows), with the backfill verification's verdict on each (sql/verification/verdicts.sql; its
-- columns that the facts hold already under another name are not repeated). Session and thread
-- keys are still text here; keys.sql numbers them.
-- engine: duckdb
CREATE OR REPLACE TEMP TABLE temp.main._facts AS
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

-- Every selection of an ended interception (coder_filter_selections, per interception): one row
-- per provider Coder's provider filter selects it for, and one for the provider strict
-- attribution gives it, with in_coder_api, in_coder_sql, in_strict and strict_agrees.
SELECT
  v.interception_id,
  s.provider_id,
  s.in_coder_api,
  s.in_coder_sql,
  s.in_strict,
  s.strict_agrees
FROM backfill_verdicts AS v
JOIN coder_filter_selections AS s
  ON s.row_provider IS NOT DISTINCT FROM v.provider
  AND s.row_provider_name IS NOT DISTINCT FROM v.provider_name
  AND s.row_provider_id IS NOT DISTINCT FROM v.provider_id
  AND s.strict_provider_id IS NOT DISTINCT FROM v.resolved_provider_id
WHERE
  NOT v.ended_at IS NULL

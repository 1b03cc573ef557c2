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

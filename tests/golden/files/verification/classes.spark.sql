SELECT
  v.class,
  v.discrepancy,
  v.expected_provider_id AS provider_id,
  p.name AS provider_name,
  v.likely_provider_id,
  q.name AS likely_provider_name,
  v.method,
  v.resolved_provider_id IS NOT DISTINCT FROM v.expected_provider_id AS strict_agrees,
  CAST(COUNT(*) AS BIGINT) AS interceptions
FROM verification_rows AS v
LEFT JOIN providers AS p
  ON p.id = v.expected_provider_id
LEFT JOIN providers AS q
  ON q.id = v.likely_provider_id
GROUP BY
  v.class,
  v.discrepancy,
  v.expected_provider_id,
  p.name,
  v.likely_provider_id,
  q.name,
  v.method,
  v.resolved_provider_id IS NOT DISTINCT FROM v.expected_provider_id
ORDER BY
  v.class NULLS LAST,
  p.name NULLS LAST,
  q.name NULLS LAST,
  v.method NULLS LAST,
  strict_agrees NULLS LAST

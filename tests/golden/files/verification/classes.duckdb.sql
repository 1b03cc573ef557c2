WITH per_class AS NOT MATERIALIZED (
  SELECT
    v.class,
    v.discrepancy,
    v.expected_provider_id,
    v.likely_provider_id,
    v.method,
    v.resolved_provider_id IS NOT DISTINCT FROM v.expected_provider_id AS strict_agrees,
    CAST(COUNT(*) AS BIGINT) AS interceptions
  FROM verification_rows AS v
  GROUP BY
    v.class,
    v.discrepancy,
    v.expected_provider_id,
    v.likely_provider_id,
    v.method,
    v.resolved_provider_id IS NOT DISTINCT FROM v.expected_provider_id
)
SELECT
  c.class,
  c.discrepancy,
  c.expected_provider_id AS provider_id,
  p.name AS provider_name,
  c.likely_provider_id,
  q.name AS likely_provider_name,
  c.method,
  c.strict_agrees,
  c.interceptions
FROM per_class AS c
LEFT JOIN providers AS p
  ON p.id = c.expected_provider_id
LEFT JOIN providers AS q
  ON q.id = c.likely_provider_id
ORDER BY
  c.class,
  p.name,
  q.name,
  c.method,
  c.strict_agrees

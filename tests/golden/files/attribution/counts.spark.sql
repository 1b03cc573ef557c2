SELECT
  a.resolved_provider_id,
  a.resolved_provider_name,
  a.method,
  CAST(COUNT(*) AS BIGINT) AS interceptions,
  CAST(SUM(CASE WHEN a.ended_at IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS in_flight
FROM attribution AS a
GROUP BY
  a.resolved_provider_id,
  a.resolved_provider_name,
  a.method
ORDER BY
  a.resolved_provider_name NULLS LAST,
  a.method NULLS LAST

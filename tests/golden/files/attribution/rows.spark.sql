SELECT
  a.interception_id,
  a.resolved_provider_id,
  a.method,
  a.provider,
  a.provider_name,
  a.provider_id,
  a.resolved_provider_name,
  a.resolved_provider_type,
  a.started_at,
  a.ended_at,
  a.warnings
FROM attribution AS a
ORDER BY
  a.started_at NULLS LAST,
  a.interception_id NULLS LAST

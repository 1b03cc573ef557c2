SELECT
  p.id,
  p.name,
  p.type,
  p.display_name,
  p.enabled,
  p.deleted,
  p.created_at,
  p.updated_at
FROM providers AS p
ORDER BY
  p.created_at NULLS LAST,
  p.id NULLS LAST

INSERT INTO main.ai_providers (
  id,
  type,
  name,
  display_name,
  enabled,
  deleted,
  base_url,
  settings,
  created_at,
  updated_at
)
SELECT
  p.id,
  p.type,
  p.name,
  p.display_name,
  p.enabled,
  p.deleted,
  p.base_url,
  p.settings,
  p.created_at,
  p.updated_at
FROM temp.main._providers AS p

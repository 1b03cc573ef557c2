INSERT INTO main.ai_providers_history (
  id,
  type,
  name,
  display_name,
  enabled,
  deleted,
  base_url,
  settings,
  created_at,
  updated_at,
  valid_from,
  valid_to,
  observed_at
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
  p.updated_at,
  CAST($now AS TIMESTAMPTZ),
  NULL,
  CAST($now AS TIMESTAMPTZ)
FROM temp.main._providers AS p
WHERE
  NOT EXISTS(
    SELECT
      1
    FROM main.ai_providers_history AS h
    WHERE
      h.id = p.id AND h.valid_to IS NULL
  )

SELECT
  CAST(id AS UUID) AS id,
  CAST(type AS TEXT) AS type,
  CAST(name AS TEXT) AS name,
  CAST(display_name AS TEXT) AS display_name,
  CAST(enabled AS BOOLEAN) AS enabled,
  CAST(deleted AS BOOLEAN) AS deleted,
  CAST(base_url AS TEXT) AS base_url,
  CAST(settings AS TEXT) AS settings,
  CAST(created_at AS TIMESTAMPTZ) AS created_at,
  CAST(updated_at AS TIMESTAMPTZ) AS updated_at
FROM ai_providers

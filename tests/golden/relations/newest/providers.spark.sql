SELECT
  CAST(id AS STRING) AS id,
  CAST(type AS STRING) AS type,
  CAST(name AS STRING) AS name,
  CAST(display_name AS STRING) AS display_name,
  CAST(enabled AS BOOLEAN) AS enabled,
  CAST(deleted AS BOOLEAN) AS deleted,
  CAST(base_url AS STRING) AS base_url,
  CAST(settings AS STRING) AS settings,
  CAST(created_at AS TIMESTAMP) AS created_at,
  CAST(updated_at AS TIMESTAMP) AS updated_at
FROM ai_providers

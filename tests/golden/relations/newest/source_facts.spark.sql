SELECT
  TRUE AS has_providers,
  TRUE AS has_provider_id,
  TRUE AS has_provider_name,
  TRUE AS has_cost

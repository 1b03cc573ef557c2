SELECT
  FALSE AS has_providers,
  FALSE AS has_provider_id,
  FALSE AS has_provider_name,
  FALSE AS has_cost

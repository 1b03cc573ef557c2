SELECT
  CAST(id AS UUID) AS id,
  CAST(provider AS TEXT) AS provider,
  CAST(model AS TEXT) AS model,
  CAST(input_price_micros AS BIGINT) AS input_price_micros,
  CAST(output_price_micros AS BIGINT) AS output_price_micros,
  CAST(cache_read_price_micros AS BIGINT) AS cache_read_price_micros,
  CAST(cache_write_price_micros AS BIGINT) AS cache_write_price_micros,
  CAST(created_at AS TIMESTAMPTZ) AS created_at,
  CAST(updated_at AS TIMESTAMPTZ) AS updated_at,
  CAST(source AS TEXT) AS source,
  CAST(provider_id AS UUID) AS provider_id
FROM ai_model_prices

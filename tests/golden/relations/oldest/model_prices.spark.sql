SELECT
  CAST(id AS STRING) AS id,
  CAST(provider AS STRING) AS provider,
  CAST(model AS STRING) AS model,
  CAST(input_price_micros AS BIGINT) AS input_price_micros,
  CAST(output_price_micros AS BIGINT) AS output_price_micros,
  CAST(cache_read_price_micros AS BIGINT) AS cache_read_price_micros,
  CAST(cache_write_price_micros AS BIGINT) AS cache_write_price_micros,
  CAST(NULL AS TIMESTAMP) AS created_at,
  CAST(NULL AS TIMESTAMP) AS updated_at,
  CAST(NULL AS STRING) AS source,
  CAST(NULL AS STRING) AS provider_id
FROM ai_model_prices

SELECT
  CAST(id AS STRING) AS id,
  CAST(interception_id AS STRING) AS interception_id,
  CAST(provider_response_id AS STRING) AS provider_response_id,
  CAST(input_tokens AS BIGINT) AS input_tokens,
  CAST(output_tokens AS BIGINT) AS output_tokens,
  CAST(cache_read_input_tokens AS BIGINT) AS cache_read_input_tokens,
  CAST(cache_write_input_tokens AS BIGINT) AS cache_write_input_tokens,
  CAST(metadata AS STRING) AS metadata,
  CAST(created_at AS TIMESTAMP) AS created_at,
  CAST(input_price_micros AS BIGINT) AS input_price_micros,
  CAST(output_price_micros AS BIGINT) AS output_price_micros,
  CAST(cache_read_price_micros AS BIGINT) AS cache_read_price_micros,
  CAST(cache_write_price_micros AS BIGINT) AS cache_write_price_micros,
  CAST(cost_micros AS BIGINT) AS cost_micros,
  CAST(effective_group_id AS STRING) AS effective_group_id,
  CAST(provider_model AS STRING) AS provider_model,
  CAST(priced_model AS STRING) AS priced_model
FROM aibridge_token_usages

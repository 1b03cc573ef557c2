SELECT
  CAST(id AS STRING) AS id,
  CAST(interception_id AS STRING) AS interception_id,
  CAST(provider_response_id AS STRING) AS provider_response_id,
  CAST(input_tokens AS BIGINT) AS input_tokens,
  CAST(output_tokens AS BIGINT) AS output_tokens,
  CAST(0 AS BIGINT) AS cache_read_input_tokens,
  CAST(0 AS BIGINT) AS cache_write_input_tokens,
  CAST(metadata AS STRING) AS metadata,
  CAST(created_at AS TIMESTAMP) AS created_at
FROM aibridge_token_usages

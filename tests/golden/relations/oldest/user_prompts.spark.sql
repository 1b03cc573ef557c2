SELECT
  CAST(id AS STRING) AS id,
  CAST(interception_id AS STRING) AS interception_id,
  CAST(provider_response_id AS STRING) AS provider_response_id,
  CAST(prompt AS STRING) AS prompt,
  CAST(metadata AS STRING) AS metadata,
  CAST(created_at AS TIMESTAMP) AS created_at
FROM aibridge_user_prompts

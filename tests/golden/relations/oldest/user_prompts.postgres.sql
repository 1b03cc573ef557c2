SELECT
  CAST(id AS UUID) AS id,
  CAST(interception_id AS UUID) AS interception_id,
  CAST(provider_response_id AS TEXT) AS provider_response_id,
  CAST(prompt AS TEXT) AS prompt,
  CAST(metadata AS TEXT) AS metadata,
  CAST(created_at AS TIMESTAMPTZ) AS created_at
FROM aibridge_user_prompts

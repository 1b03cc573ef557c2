SELECT
  CAST(interception_id AS STRING) AS interception_id,
  CAST(content AS STRING) AS content,
  CAST(metadata AS STRING) AS metadata,
  CAST(created_at AS TIMESTAMP) AS created_at
FROM aibridge_model_thoughts

SELECT
  CAST(interception_id AS UUID) AS interception_id,
  CAST(content AS TEXT) AS content,
  CAST(metadata AS TEXT) AS metadata,
  CAST(created_at AS TIMESTAMPTZ) AS created_at
FROM aibridge_model_thoughts

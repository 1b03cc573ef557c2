SELECT
  CAST(id AS STRING) AS id,
  CAST(initiator_id AS STRING) AS initiator_id,
  CAST(provider AS STRING) AS provider,
  CAST(provider AS STRING) AS provider_name,
  CAST(NULL AS STRING) AS provider_id,
  CAST(model AS STRING) AS model,
  CAST(started_at AS TIMESTAMP) AS started_at,
  CAST(ended_at AS TIMESTAMP) AS ended_at,
  CAST(metadata AS STRING) AS metadata,
  CAST(NULL AS STRING) AS api_key_id,
  CAST(NULL AS STRING) AS client,
  CAST(NULL AS STRING) AS thread_parent_id,
  CAST(NULL AS STRING) AS thread_root_id,
  CAST(NULL AS STRING) AS client_session_id,
  CAST(NULL AS STRING) AS credential_kind,
  CAST(NULL AS STRING) AS credential_hint,
  COALESCE(CAST(id AS STRING)) AS session_id
FROM aibridge_interceptions

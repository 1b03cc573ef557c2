SELECT
  CAST(id AS STRING) AS id,
  CAST(initiator_id AS STRING) AS initiator_id,
  CAST(provider AS STRING) AS provider,
  CAST(provider_name AS STRING) AS provider_name,
  CAST(provider_id AS STRING) AS provider_id,
  CAST(model AS STRING) AS model,
  CAST(started_at AS TIMESTAMP) AS started_at,
  CAST(ended_at AS TIMESTAMP) AS ended_at,
  CAST(metadata AS STRING) AS metadata,
  CAST(api_key_id AS STRING) AS api_key_id,
  CAST(client AS STRING) AS client,
  CAST(thread_parent_id AS STRING) AS thread_parent_id,
  CAST(thread_root_id AS STRING) AS thread_root_id,
  CAST(client_session_id AS STRING) AS client_session_id,
  CAST(credential_kind AS STRING) AS credential_kind,
  CAST(credential_hint AS STRING) AS credential_hint,
  COALESCE(
    CAST(client_session_id AS STRING),
    CAST(thread_root_id AS STRING),
    CAST(id AS STRING)
  ) AS session_id
FROM aibridge_interceptions

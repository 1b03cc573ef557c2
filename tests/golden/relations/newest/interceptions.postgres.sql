SELECT
  CAST(id AS UUID) AS id,
  CAST(initiator_id AS UUID) AS initiator_id,
  CAST(provider AS TEXT) AS provider,
  CAST(provider_name AS TEXT) AS provider_name,
  CAST(provider_id AS UUID) AS provider_id,
  CAST(model AS TEXT) AS model,
  CAST(started_at AS TIMESTAMPTZ) AS started_at,
  CAST(ended_at AS TIMESTAMPTZ) AS ended_at,
  CAST(metadata AS TEXT) AS metadata,
  CAST(api_key_id AS TEXT) AS api_key_id,
  CAST(client AS TEXT) AS client,
  CAST(thread_parent_id AS UUID) AS thread_parent_id,
  CAST(thread_root_id AS UUID) AS thread_root_id,
  CAST(client_session_id AS TEXT) AS client_session_id,
  CAST(credential_kind AS TEXT) AS credential_kind,
  CAST(credential_hint AS TEXT) AS credential_hint,
  COALESCE(CAST(client_session_id AS TEXT), CAST(thread_root_id AS TEXT), CAST(id AS TEXT)) AS session_id
FROM aibridge_interceptions

SELECT
  CAST(id AS UUID) AS id,
  CAST(initiator_id AS UUID) AS initiator_id,
  CAST(provider AS TEXT) AS provider,
  CAST(provider AS TEXT) AS provider_name,
  CAST(NULL AS UUID) AS provider_id,
  CAST(model AS TEXT) AS model,
  CAST(started_at AS TIMESTAMPTZ) AS started_at,
  CAST(ended_at AS TIMESTAMPTZ) AS ended_at,
  CAST(metadata AS TEXT) AS metadata,
  CAST(NULL AS TEXT) AS api_key_id,
  CAST(NULL AS TEXT) AS client,
  CAST(NULL AS UUID) AS thread_parent_id,
  CAST(NULL AS UUID) AS thread_root_id,
  CAST(NULL AS TEXT) AS client_session_id,
  CAST(NULL AS TEXT) AS credential_kind,
  CAST(NULL AS TEXT) AS credential_hint,
  COALESCE(CAST(id AS TEXT)) AS session_id
FROM aibridge_interceptions

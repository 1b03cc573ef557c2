-- Store the chunk of interceptions that demo/scale/chunk computed (temp.main._scale_chunk).
-- engine: duckdb
INSERT INTO main.aibridge_interceptions (
  id, initiator_id, provider, provider_name, provider_id, model, started_at, ended_at, metadata,
  api_key_id, client, thread_parent_id, thread_root_id, client_session_id, credential_kind,
  credential_hint
)
SELECT
  c.id,
  c.initiator_id,
  c.provider,
  c.provider_name,
  c.provider_id,
  c.model,
  c.started_at,
  c.ended_at,
  c.metadata,
  c.api_key_id,
  c.client,
  c.thread_parent_id,
  c.thread_root_id,
  c.client_session_id,
  c.credential_kind,
  c.credential_hint
FROM temp.main._scale_chunk AS c

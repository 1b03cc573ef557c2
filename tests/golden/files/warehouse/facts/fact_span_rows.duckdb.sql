SELECT
  'session' AS key_of,
  f.session_key AS key,
  f.interception_id,
  f.started_at,
  f.ended_at,
  f.resolved_provider_id,
  f.provider_type,
  f.model,
  f.client,
  f.initiator_id,
  f.method,
  f.effective_group_id
FROM main.aibridge_facts AS f
WHERE
  NOT f.session_key IS NULL
UNION ALL
SELECT
  'thread' AS key_of,
  f.thread_key AS key,
  f.interception_id,
  f.started_at,
  f.ended_at,
  f.resolved_provider_id,
  f.provider_type,
  f.model,
  f.client,
  f.initiator_id,
  f.method,
  f.effective_group_id
FROM main.aibridge_facts AS f
WHERE
  NOT f.thread_key IS NULL

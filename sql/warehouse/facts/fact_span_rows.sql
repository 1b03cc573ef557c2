-- The facts whose spans (spans.sql) are computed, once per key kind: each interception with its
-- session key, then with its thread key, and what the spans read of it.
-- relation: fact_span_rows
-- engine: duckdb
SELECT
  k.key_of,
  CASE WHEN k.key_of = 'session' THEN f.session_key ELSE f.thread_key END AS key,
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
FROM span_facts AS f
CROSS JOIN (VALUES ('session'), ('thread')) AS k(key_of)
WHERE
  NOT (CASE WHEN k.key_of = 'session' THEN f.session_key ELSE f.thread_key END) IS NULL

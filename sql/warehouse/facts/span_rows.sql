-- The stored facts' rows of every session and thread (:whole, a full build), or of those a refresh
-- marked (mark_spans.sql): one row per interception and key (a session's, then a thread's), with
-- what fact_spans (spans.sql) reads.
-- relation: span_rows
-- engine: duckdb
-- :whole  bool  every session and thread, else those in temp.main._span_keys
SELECT
  r.*
FROM (
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
  FROM main.aibridge_facts AS f
  CROSS JOIN (SELECT 'session' AS key_of UNION ALL SELECT 'thread') AS k
) AS r
WHERE
  NOT r.key IS NULL
  AND (
    CAST(:whole AS BOOLEAN)
    OR EXISTS(SELECT 1 FROM temp.main._span_keys AS s WHERE s.key_of = r.key_of AND s.key = r.key)
  )

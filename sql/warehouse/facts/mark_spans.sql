-- Note the session and thread keys of the changed interceptions' stored facts (a refresh: once
-- before forget_changed.sql, for the sessions a row leaves, once after insert_changed.sql, for
-- those it joins).
-- engine: duckdb
INSERT INTO temp.main._span_keys
SELECT
  'session' AS key_of,
  f.session_key AS key
FROM main.aibridge_facts AS f
WHERE
  NOT f.session_key IS NULL
  AND f.interception_id IN (SELECT c.interception_id FROM main.aibridge_facts_changed AS c)
UNION
SELECT
  'thread' AS key_of,
  f.thread_key AS key
FROM main.aibridge_facts AS f
WHERE
  NOT f.thread_key IS NULL
  AND f.interception_id IN (SELECT c.interception_id FROM main.aibridge_facts_changed AS c)

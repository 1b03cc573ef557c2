-- Store the spans (spans.sql) on every row of the threads they were computed for (a build or a
-- refresh, after the facts are stored): only its marked row counts a thread lying whole in a group.
-- engine: duckdb
UPDATE main.aibridge_facts AS u
SET
  thread_rep = COALESCE(u.interception_id = s.rep, FALSE),
  thread_varies = s.varies,
  thread_from = s.first_started,
  thread_to = s.last_started
FROM fact_spans AS s
WHERE
  s.key_of = 'thread' AND s.key = u.thread_key

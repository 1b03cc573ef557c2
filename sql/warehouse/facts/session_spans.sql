-- Store the spans (spans.sql) on every row of the sessions they were computed for (a build or a
-- refresh, after the facts are stored): only its marked row counts a session lying whole in a group.
-- engine: duckdb
UPDATE main.aibridge_facts AS u
SET
  session_rep = COALESCE(u.interception_id = s.rep, FALSE),
  session_varies = s.varies,
  session_from = s.first_started,
  session_to = s.last_started
FROM fact_spans AS s
WHERE
  s.key_of = 'session' AND s.key = u.session_key

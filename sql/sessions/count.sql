-- The number of sessions (distinct session_id and initiator_id) among matching interceptions.
SELECT
  CAST(COUNT(*) AS BIGINT) AS sessions
FROM (
  SELECT m.session_id, m.initiator_id FROM matched AS m GROUP BY m.session_id, m.initiator_id
) AS s

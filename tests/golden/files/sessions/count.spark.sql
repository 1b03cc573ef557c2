SELECT
  CAST(COUNT(*) AS BIGINT) AS sessions
FROM (
  SELECT
    m.session_id,
    m.initiator_id
  FROM matched AS m
  GROUP BY
    m.session_id,
    m.initiator_id
) AS s

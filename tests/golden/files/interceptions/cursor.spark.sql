SELECT
  CAST(COUNT(*) AS BIGINT) AS found
FROM interceptions AS i
WHERE
  i.id = CAST(:after_id AS STRING)

SELECT
  CAST(i.id AS TEXT) AS id
FROM main.aibridge_interceptions AS i
WHERE
  i.ended_at IS NULL AND i.started_at < CAST($before AS TIMESTAMPTZ)
ORDER BY
  i.id

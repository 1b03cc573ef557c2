-- The number of matching interceptions.
SELECT
  CAST(COUNT(*) AS BIGINT) AS interceptions
FROM matched AS m

SELECT
  CAST(COUNT(*) AS BIGINT) AS interceptions
FROM matched AS m

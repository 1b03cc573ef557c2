SELECT
  a.*
FROM temp.main._attribution AS a

CREATE OR REPLACE TEMPORARY TABLE temp.main._attribution AS
SELECT
  a.*
FROM attribution AS a

CREATE OR REPLACE TABLE main.aibridge_facts AS
SELECT
  f.*
FROM facts AS f
ORDER BY
  f.started_at

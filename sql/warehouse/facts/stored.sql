-- The facts as the warehouse stores them (sql/warehouse/facts/build.sql): what the facts relation
-- stands for on a warehouse whose stored facts are fresh.
-- engine: duckdb
SELECT
  f.*
FROM main.aibridge_facts AS f

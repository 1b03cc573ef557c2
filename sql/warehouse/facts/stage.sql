-- The facts to store, computed once (a build or a refresh, step 1): every interception's, or on a
-- refresh those of the changed interceptions (the facts relation then reads copies of just their
-- rows). Session and thread keys are still text here; keys.sql numbers them.
-- engine: duckdb
CREATE OR REPLACE TEMP TABLE temp.main._facts AS
SELECT
  f.*
FROM facts AS f

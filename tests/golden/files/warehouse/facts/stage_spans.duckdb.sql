CREATE OR REPLACE TEMPORARY TABLE temp.main._spans AS
SELECT
  s.*
FROM fact_spans AS s

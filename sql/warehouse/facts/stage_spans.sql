-- Compute the spans (spans.sql) once for both kinds, for the updates that store them on the facts
-- (statements.store_spans, a build or a refresh, after the facts are stored).
-- engine: duckdb
CREATE OR REPLACE TEMP TABLE temp.main._spans AS
SELECT
  s.*
FROM fact_spans AS s

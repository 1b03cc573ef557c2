-- The rows whose spans (spans.sql) are computed: on a full build every session's and thread's. A
-- refresh binds this relation to marked_span_rows.sql instead.
-- relation: span_rows
-- engine: duckdb
SELECT
  r.*
FROM fact_span_rows AS r

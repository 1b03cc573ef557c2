SELECT
  r.*
FROM fact_span_rows AS r

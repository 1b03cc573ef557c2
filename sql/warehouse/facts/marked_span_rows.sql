-- The rows of the sessions and threads a refresh marked (mark_spans.sql): what span_rows stands
-- for on a refresh, whose spans are recomputed for those alone.
-- relation: marked_span_rows
-- engine: duckdb
SELECT
  r.*
FROM fact_span_rows AS r
WHERE
  r.key IN (SELECT s.key FROM temp.main._span_keys AS s WHERE s.key_of = r.key_of)

-- The stored facts whose spans (spans.sql) are computed: on a full build all of them. A refresh
-- binds this relation to marked_span_facts.sql instead.
-- relation: span_facts
-- engine: duckdb
SELECT
  f.*
FROM main.aibridge_facts AS f

-- The stored facts of the sessions and threads a refresh marked (mark_spans.sql): what span_facts
-- stands for on a refresh. Two semi-joins on the narrow keys: behind an OR, DuckDB tests every
-- row against both, several times slower.
-- relation: marked_span_facts
-- engine: duckdb
SELECT
  f.*
FROM main.aibridge_facts AS f
WHERE
  f.session_key IN (SELECT s.key FROM temp.main._span_keys AS s WHERE s.key_of = 'session')
UNION
SELECT
  f.*
FROM main.aibridge_facts AS f
WHERE
  f.thread_key IN (SELECT s.key FROM temp.main._span_keys AS s WHERE s.key_of = 'thread')

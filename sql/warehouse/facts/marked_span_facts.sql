-- The stored facts of the sessions and threads a refresh marked (mark_spans.sql): what span_facts
-- stands for on a refresh, each row once (a span counts its rows). Semi-joins on the narrow keys:
-- behind an OR, DuckDB tests every row against both, several times slower; a row of a marked
-- session is taken by the first, so the second leaves it out rather than removing duplicates after
-- (UNION compares every column of every row: a third of a refresh, and most of a large build's
-- temporary files).
-- relation: marked_span_facts
-- engine: duckdb
SELECT
  f.*
FROM main.aibridge_facts AS f
WHERE
  f.session_key IN (SELECT s.key FROM temp.main._span_keys AS s WHERE s.key_of = 'session')
UNION ALL
SELECT
  f.*
FROM main.aibridge_facts AS f
WHERE
  f.thread_key IN (SELECT s.key FROM temp.main._span_keys AS s WHERE s.key_of = 'thread')
  -- A row without a session is in no marked one (NULL IN: unknown).
  AND NOT COALESCE(f.session_key IN (SELECT s.key FROM temp.main._span_keys AS s WHERE s.key_of = 'session'), FALSE)

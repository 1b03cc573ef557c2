-- The stored facts of the sessions and threads a refresh marked (mark_spans.sql): what span_facts
-- stands for on a refresh. Two semi-joins on the narrow keys: behind an OR, DuckDB tests every
-- row against both, several times slower. UNION ALL, not UNION: a row in a marked session and a
-- marked thread comes twice, which no span changes (a first or last start, a smallest id, whether
-- a key varies are the same over a row repeated), while removing the duplicates compared every
-- column of every row (a third of a refresh, and most of a large build's temporary files).
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

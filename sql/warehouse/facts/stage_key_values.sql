-- The distinct session, thread and initiator keys of the staged facts (stage.sql; a build or a refresh, step
-- 2), which stage_keys.sql numbers by their row in this table (its rowid): a ROW_NUMBER window
-- over them, one partition of ten million texts, ran DuckDB out of memory in a full build.
-- engine: duckdb
CREATE OR REPLACE TEMP TABLE temp.main._key_values AS
SELECT DISTINCT 'session' AS key_of, s.session_key AS value FROM temp.main._facts AS s
WHERE NOT s.session_key IS NULL
-- ALL: the two kinds never share a row.
UNION ALL
SELECT DISTINCT 'thread', CAST(s.thread_key AS VARCHAR) FROM temp.main._facts AS s
WHERE NOT s.thread_key IS NULL
UNION ALL
SELECT DISTINCT 'initiator', CAST(s.initiator_key AS VARCHAR) FROM temp.main._facts AS s
WHERE NOT s.initiator_key IS NULL

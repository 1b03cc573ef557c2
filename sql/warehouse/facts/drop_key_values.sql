-- The staged keys are numbered: drop their values (stage_key_values.sql).
-- engine: duckdb
DROP TABLE IF EXISTS temp.main._key_values

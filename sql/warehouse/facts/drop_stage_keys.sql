-- The staged facts are stored: drop their keys' numbers (stage_keys.sql; a build or a refresh,
-- last step).
-- engine: duckdb
DROP TABLE IF EXISTS temp.main._keys

-- The spans are stored: drop the keys a refresh marked (a build or a refresh, last step).
-- engine: duckdb
DROP TABLE IF EXISTS temp.main._span_keys

-- The spans are stored: drop them (a build or a refresh, last step).
-- engine: duckdb
DROP TABLE IF EXISTS temp.main._spans

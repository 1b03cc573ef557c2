-- A full build numbers the keys anew (none of the old numbers is read afterwards).
-- engine: duckdb
DELETE FROM main.aibridge_fact_keys

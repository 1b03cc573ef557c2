-- Every changed interception's facts are stored anew (refresh, step 3 of 3; or a full build).
-- engine: duckdb
DELETE FROM main.aibridge_facts_changed

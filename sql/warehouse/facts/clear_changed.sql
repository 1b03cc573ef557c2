-- Every changed interception's facts are stored anew (after a refresh or a full build).
-- engine: duckdb
DELETE FROM main.aibridge_facts_changed

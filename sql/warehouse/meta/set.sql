-- Record :value under :key, replacing what was recorded there.
-- :key    text  the key
-- :value  text  the value
-- engine: duckdb
INSERT INTO main.warehouse_meta (key, value)
VALUES (CAST(:key AS TEXT), CAST(:value AS TEXT))
ON CONFLICT (key) DO UPDATE SET value = excluded.value

INSERT INTO main.warehouse_meta (
  key,
  value
)
VALUES
  (CAST($key AS TEXT), CAST($value AS TEXT)) ON CONFLICT(key) DO UPDATE SET value = excluded.value

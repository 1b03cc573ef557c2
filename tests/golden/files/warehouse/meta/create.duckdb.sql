CREATE TABLE IF NOT EXISTS main.warehouse_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
)

-- The warehouse's record of itself (key, value): its kind, and the sync's state and watermarks.
-- engine: duckdb
CREATE TABLE IF NOT EXISTS main.warehouse_meta (
  key VARCHAR PRIMARY KEY,
  value VARCHAR NOT NULL
)

-- Scan an attached PostgreSQL table over one connection: a standby exports no snapshot that the
-- extension's parallel page-range scans could share.
-- engine: duckdb
SET pg_use_ctid_scan = FALSE

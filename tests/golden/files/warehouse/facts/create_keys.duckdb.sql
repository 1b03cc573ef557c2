CREATE TABLE IF NOT EXISTS main.aibridge_fact_keys (
  key_of TEXT NOT NULL,
  value TEXT NOT NULL,
  key BIGINT NOT NULL
)

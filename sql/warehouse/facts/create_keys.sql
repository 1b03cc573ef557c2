-- The warehouse's numbers for session, thread and initiator keys: stored facts hold a session
-- (its id and initiator), a thread (its root) and an initiator as an integer, which distinct
-- counts hash several times faster than text or a UUID. A number is assigned once and kept while the warehouse lives; a full build
-- assigns them anew.
-- engine: duckdb
CREATE TABLE IF NOT EXISTS main.aibridge_fact_keys (
  key_of VARCHAR NOT NULL,
  value VARCHAR NOT NULL,
  key BIGINT NOT NULL
)

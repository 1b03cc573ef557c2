-- The session and thread keys whose spans (spans.sql) a refresh recomputes: those of the changed
-- interceptions, before their facts are forgotten and after they are stored anew (mark_spans.sql).
-- engine: duckdb
CREATE OR REPLACE TEMP TABLE temp.main._span_keys (
  key_of VARCHAR NOT NULL,
  key BIGINT NOT NULL
)

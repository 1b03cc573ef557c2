-- The interceptions whose facts a sync has made stale (the interception or a child row of it
-- written): recorded in the transaction that writes the rows, cleared by the refresh that
-- recomputes their facts.
-- engine: duckdb
CREATE TABLE IF NOT EXISTS main.aibridge_facts_changed (
  interception_id UUID NOT NULL
)

CREATE TABLE IF NOT EXISTS main.aibridge_facts_changed (
  interception_id UUID NOT NULL
)

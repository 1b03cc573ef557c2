INSERT INTO main.aibridge_facts
SELECT
  k.*
FROM stored_facts_keyed AS k
ORDER BY
  k.started_at

-- Remove the warehouse's copy of every provider just read from the source (insert_incoming
-- stores their latest state in the same transaction).
-- engine: duckdb
DELETE FROM main.ai_providers
WHERE
  id IN (
    SELECT
      CAST(p.id AS UUID)
    FROM temp.main._providers AS p
  )

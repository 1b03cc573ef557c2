-- The providers holding a name, live first (Coder's name lookup sees only the live one).
-- :name  text  the provider name
SELECT
  p.id,
  p.name,
  p.type,
  p.deleted
FROM providers AS p
WHERE
  p.name = CAST(:name AS TEXT)
ORDER BY p.deleted, p.created_at DESC

SELECT
  p.id,
  p.name,
  p.type,
  p.deleted
FROM providers AS p
WHERE
  p.name = CAST($name AS TEXT)
ORDER BY
  p.deleted,
  p.created_at DESC

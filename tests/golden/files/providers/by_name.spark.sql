SELECT
  p.id,
  p.name,
  p.type,
  p.deleted
FROM providers AS p
WHERE
  p.name = CAST(:name AS STRING)
ORDER BY
  p.deleted NULLS LAST,
  p.created_at DESC

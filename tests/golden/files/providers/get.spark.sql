SELECT
  p.id,
  p.name,
  p.type,
  p.enabled,
  p.deleted
FROM providers AS p
WHERE
  p.id = CAST(:provider_id AS STRING)

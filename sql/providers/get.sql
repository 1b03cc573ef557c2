-- One provider by id (live or soft-deleted); no row when the id is unknown.
-- :provider_id uuid  the provider to look up
SELECT
  p.id,
  p.name,
  p.type,
  p.enabled,
  p.deleted
FROM providers AS p
WHERE p.id = CAST(:provider_id AS UUID)

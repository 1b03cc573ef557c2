-- The interceptions whose strict attribution resolves to the filtered provider (any provider,
-- soft-deleted ones included, so their history stays filterable).
-- relation: matched_strict
-- :provider_id  uuid?  the provider; NULL = no provider filter
SELECT
  f.*
FROM filtered_interceptions AS f
WHERE
  CAST(:provider_id AS UUID) IS NULL
  OR f.id IN (
    SELECT a.interception_id
    FROM attribution AS a
    WHERE a.resolved_provider_id = CAST(:provider_id AS UUID)
  )

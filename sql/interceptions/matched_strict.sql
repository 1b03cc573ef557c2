-- The interceptions whose strict attribution resolves to the filtered provider (any provider,
-- soft-deleted ones included, so their history stays filterable). The contract's rules written as
-- one predicate on the row (the id itself, else its exact live name when unique among live
-- providers, else its type when unique), so an index or a scan answers it without attributing
-- every row; tests prove it selects exactly the rows relation `attribution` resolves to it.
-- relation: matched_strict
-- :provider_id  uuid?  the provider; NULL = no provider filter
WITH target AS (
  SELECT
    p.name,
    p.type,
    NOT p.deleted
    AND (SELECT COUNT(*) FROM providers AS q WHERE NOT q.deleted AND q.name = p.name) = 1 AS by_name,
    NOT p.deleted
    AND (SELECT COUNT(*) FROM providers AS q WHERE NOT q.deleted AND q.type = p.type) = 1 AS by_type
  FROM providers AS p
  WHERE p.id = CAST(:provider_id AS UUID)
)
SELECT
  f.*
FROM filtered_interceptions AS f
LEFT JOIN target AS t
  ON TRUE
WHERE
  CAST(:provider_id AS UUID) IS NULL
  OR f.provider_id = CAST(:provider_id AS UUID)
  OR (
    f.provider_id IS NULL
    AND (
      (t.by_name AND f.provider_name <> '' AND f.provider_name = t.name)
      OR (t.by_type AND f.provider_name = '' AND f.provider = t.type)
    )
  )

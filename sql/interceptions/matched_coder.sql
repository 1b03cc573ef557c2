-- The interceptions Coder's runtime provider filter returns (PR #25606), defects included: the type
-- fallback has no uniqueness guard, and the caller also passes P's name as :provider_name, which
-- filtered_interceptions ANDs in (docs/provider-filter.md).
-- relation: matched_coder
-- :provider_id    uuid?  P.id; NULL = no provider filter
-- :p_name         text?  P.name, looked up from the live provider
-- :p_type         text?  P.type, looked up from the live provider
SELECT
  f.*
FROM filtered_interceptions AS f
WHERE
  CAST(:provider_id AS UUID) IS NULL
  OR f.provider_id = CAST(:provider_id AS UUID)
  OR (
    f.provider_id IS NULL
    AND (
      (CAST(:p_name AS TEXT) <> '' AND f.provider_name = CAST(:p_name AS TEXT))
      OR (f.provider_name = '' AND CAST(:p_type AS TEXT) <> '' AND f.provider = CAST(:p_type AS TEXT))
    )
  )

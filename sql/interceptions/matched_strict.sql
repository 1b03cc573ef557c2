-- The interceptions whose strict attribution resolves to the filtered provider (any provider,
-- soft-deleted ones included, so their history stays filterable). The attribution rules written
-- for one provider: its own id, or (provider_id NULL) a period of the provider timeline that
-- resolves the row's name or type to it, so a scan answers it without attributing every row;
-- tests prove it selects exactly the rows relation `attribution` resolves to it.
-- relation: matched_strict
-- :provider_id  uuid?  the provider; NULL = no provider filter
SELECT
  f.*
FROM filtered_interceptions AS f
LEFT JOIN provider_timeline AS s
  ON s.id = CAST(:provider_id AS UUID)
  AND s.named = (f.provider_name <> '')
  AND s.word = CASE WHEN f.provider_name <> '' THEN f.provider_name ELSE f.provider END
  AND f.started_at >= s.lo
  AND f.started_at < s.hi
WHERE
  CAST(:provider_id AS UUID) IS NULL
  OR f.provider_id = CAST(:provider_id AS UUID)
  OR (f.provider_id IS NULL AND NOT s.id IS NULL)

-- Each provider's number in the facts (provider_key): its row among all the providers, live and
-- soft-deleted, ordered by id. A summary groups by the number and looks the id and the name up
-- after grouping (summaries/figures.sql): an integer is hashed and read several times faster than
-- a UUID. A change of the providers rebuilds a warehouse's stored facts, so the numbers they hold
-- are always those of the providers read beside them.
-- relation: provider_keys
SELECT
  p.id AS provider_id,
  p.name AS provider_name,
  CAST(ROW_NUMBER() OVER (ORDER BY p.id) AS INTEGER) AS provider_key
FROM providers AS p

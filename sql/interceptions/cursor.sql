-- Whether a keyset cursor names an existing interception.
-- :after_id uuid  the cursor
SELECT
  CAST(COUNT(*) AS BIGINT) AS found
FROM interceptions AS i
WHERE i.id = CAST(:after_id AS UUID)

-- Each Coder user's names, to show beside initiator ids: looked up, never grouped on, so a renamed
-- user stays one group and shows the current name. One row per user id whatever the source (a
-- Parquet file holding an id twice must not multiply the rows joined to it). name is the display
-- name, NULL where Coder has none ('') or the source lacks it; deleted is NULL where the source
-- cannot tell (an export). A source without Coder's users table has no rows here.
-- relation: user_names
SELECT
  u.id AS user_id,
  MIN(u.username) AS username,
  MIN(NULLIF(u.name, '')) AS name,
  BOOL_OR(u.deleted) AS deleted
FROM coder_users AS u
GROUP BY
  u.id

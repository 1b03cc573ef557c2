SELECT
  u.id AS user_id,
  MIN(u.username) AS username,
  MIN(NULLIF(u.name, '')) AS name,
  BOOL_OR(u.deleted) AS deleted
FROM coder_users AS u
GROUP BY
  u.id

SELECT
  CAST(id AS UUID) AS id,
  CAST(username AS TEXT) AS username,
  CAST(NULL AS TEXT) AS name,
  CAST(NULL AS BOOLEAN) AS deleted
FROM users

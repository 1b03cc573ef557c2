SELECT
  CAST(id AS UUID) AS id,
  CAST(username AS TEXT) AS username,
  CAST(name AS TEXT) AS name,
  CAST(deleted AS BOOLEAN) AS deleted
FROM users

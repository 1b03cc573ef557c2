SELECT
  CAST(id AS STRING) AS id,
  CAST(username AS STRING) AS username,
  CAST(name AS STRING) AS name,
  CAST(deleted AS BOOLEAN) AS deleted
FROM users

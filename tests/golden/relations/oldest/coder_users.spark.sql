SELECT
  CAST(id AS STRING) AS id,
  CAST(username AS STRING) AS username,
  CAST(NULL AS STRING) AS name,
  CAST(NULL AS BOOLEAN) AS deleted
FROM users

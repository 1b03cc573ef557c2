SELECT
  p.id AS provider_id,
  p.name AS provider_name,
  CAST(ROW_NUMBER() OVER (ORDER BY p.id) AS INT) AS provider_key
FROM providers AS p

SELECT
  m.value
FROM main.warehouse_meta AS m
WHERE
  m.key = CAST($key AS TEXT)

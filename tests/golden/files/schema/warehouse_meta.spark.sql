SELECT
  m.key,
  m.value
FROM main.warehouse_meta AS m
ORDER BY
  m.key NULLS LAST

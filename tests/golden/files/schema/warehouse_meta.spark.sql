SELECT
  m.key,
  m.value
FROM warehouse_meta AS m
ORDER BY
  m.key NULLS LAST

-- schema/warehouse_meta: What a warehouse records about itself and the source it was synced from (key, value); read only where schema/has_table finds warehouse_meta.
SELECT
  m.key,
  m.value
FROM main.warehouse_meta AS m
ORDER BY
  m.key

DELETE FROM main.warehouse_meta
WHERE
  key LIKE CAST($pattern AS TEXT)

SELECT
  r.*
FROM fact_span_rows AS r
WHERE
  r.key IN (
    SELECT
      s.key
    FROM temp.main._span_keys AS s
    WHERE
      s.key_of = r.key_of
  )

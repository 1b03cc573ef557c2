WITH numbered AS (
  SELECT
    v.class,
    v.interception_id,
    ROW_NUMBER() OVER (PARTITION BY v.class ORDER BY v.interception_id NULLS LAST) AS n
  FROM verification_rows AS v
)
SELECT
  s.class,
  s.interception_id
FROM numbered AS s
WHERE
  s.n <= CAST(:per_class AS INT)
ORDER BY
  s.class NULLS LAST,
  s.interception_id NULLS LAST

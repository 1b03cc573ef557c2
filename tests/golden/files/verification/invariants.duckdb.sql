WITH per_id AS NOT MATERIALIZED (
  SELECT
    v.interception_id,
    COUNT(*) AS n,
    SUM(CASE WHEN v.class IS NULL THEN 1 ELSE 0 END) AS unclassified
  FROM verification_rows AS v
  GROUP BY
    v.interception_id
), totals AS NOT MATERIALIZED (
  SELECT
    CAST(COALESCE(SUM(c.n), 0) AS BIGINT) AS classified_rows,
    CAST(COUNT(*) AS BIGINT) AS distinct_ids,
    CAST(COALESCE(SUM(c.unclassified), 0) AS BIGINT) AS unclassified_rows,
    CAST(COALESCE(MAX(c.n), 0) AS BIGINT) AS max_rows_per_id
  FROM per_id AS c
)
SELECT
  (
    SELECT
      CAST(COUNT(*) AS BIGINT)
    FROM interceptions AS i
  ) AS source_rows,
  t.classified_rows,
  t.distinct_ids,
  t.unclassified_rows,
  t.max_rows_per_id
FROM totals AS t

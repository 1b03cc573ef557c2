WITH per_id AS NOT MATERIALIZED (
  SELECT
    COUNT(*) AS n,
    SUM(CASE WHEN v.class IS NULL THEN 1 ELSE 0 END) AS unclassified
  FROM verification_rows AS v
  GROUP BY
    CASE WHEN NOT CAST($unique_ids AS BOOLEAN) THEN v.interception_id END
), totals AS NOT MATERIALIZED (
  SELECT
    CAST(COALESCE(SUM(c.n), 0) AS BIGINT) AS classified_rows,
    CAST(CASE WHEN CAST($unique_ids AS BOOLEAN) THEN COALESCE(SUM(c.n), 0) ELSE COUNT(*) END AS BIGINT) AS distinct_ids,
    CAST(COALESCE(SUM(c.unclassified), 0) AS BIGINT) AS unclassified_rows,
    CAST(CASE
      WHEN CAST($unique_ids AS BOOLEAN)
      THEN LEAST(COALESCE(SUM(c.n), 0), 1)
      ELSE COALESCE(MAX(c.n), 0)
    END AS BIGINT) AS max_rows_per_id
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

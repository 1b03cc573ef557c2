WITH per_id AS (
  SELECT
    v.interception_id,
    COUNT(*) AS n
  FROM verification_rows AS v
  GROUP BY
    v.interception_id
)
SELECT
  (
    SELECT
      CAST(COUNT(*) AS BIGINT)
    FROM interceptions AS i
  ) AS source_rows,
  (
    SELECT
      CAST(COUNT(*) AS BIGINT)
    FROM verification_rows AS v
  ) AS classified_rows,
  (
    SELECT
      CAST(COUNT(*) AS BIGINT)
    FROM per_id AS c
  ) AS distinct_ids,
  (
    SELECT
      CAST(COUNT(*) AS BIGINT)
    FROM verification_rows AS v
    WHERE
      v.class IS NULL
  ) AS unclassified_rows,
  (
    SELECT
      CAST(COALESCE(MAX(c.n), 0) AS BIGINT)
    FROM per_id AS c
  ) AS max_rows_per_id

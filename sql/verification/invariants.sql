-- The figures the verification's invariants compare: source rows, classified rows, distinct
-- classified ids, rows without a class, and rows of the most crowded id. The classified rows are
-- read once, grouped by id, as a query reads each mention of a relation anew. Where the source's
-- ids are unique by construction (:unique_ids: Coder's primary key, a warehouse merging by id)
-- they are grouped as one, which costs nothing: one row per id then follows from the classified
-- rows equalling the source rows, which the invariants check as well.
-- :unique_ids  bool = false  the source's interception ids are unique by construction
WITH per_id AS (
  SELECT
    COUNT(*) AS n,
    SUM(CASE WHEN v.class IS NULL THEN 1 ELSE 0 END) AS unclassified
  FROM verification_rows AS v
  GROUP BY CASE WHEN NOT CAST(:unique_ids AS BOOLEAN) THEN v.interception_id END
), totals AS (
  SELECT
    CAST(COALESCE(SUM(c.n), 0) AS BIGINT) AS classified_rows,
    CAST(CASE WHEN CAST(:unique_ids AS BOOLEAN) THEN COALESCE(SUM(c.n), 0) ELSE COUNT(*) END AS BIGINT) AS distinct_ids,
    CAST(COALESCE(SUM(c.unclassified), 0) AS BIGINT) AS unclassified_rows,
    CAST(
      CASE WHEN CAST(:unique_ids AS BOOLEAN) THEN LEAST(COALESCE(SUM(c.n), 0), 1) ELSE COALESCE(MAX(c.n), 0) END AS BIGINT
    ) AS max_rows_per_id
  FROM per_id AS c
)
SELECT
  (SELECT CAST(COUNT(*) AS BIGINT) FROM interceptions AS i) AS source_rows,
  t.classified_rows,
  t.distinct_ids,
  t.unclassified_rows,
  t.max_rows_per_id
FROM totals AS t

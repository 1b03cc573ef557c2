-- Per provider: ended rows Coder's API returns, rows its SQL predicate alone matches, rows strict
-- attribution gives it, and the differences (rows Coder adds that strict attribution does not
-- give this provider, e.g. double counted by the unguarded type fallback; rows Coder drops).
-- A row's strict selection of P is returned by the API exactly when its coder selection of P
-- has in_coder_api and strict_agrees, so strict_not_api is strict less those. Each selection
-- stands for its shape's interceptions.
SELECT
  m.provider_id,
  p.name AS provider_name,
  p.type AS provider_type,
  COALESCE(p.deleted, FALSE) AS deleted,
  CAST(SUM(CASE WHEN m.in_coder_api THEN m.interceptions ELSE 0 END) AS BIGINT) AS coder_api,
  CAST(SUM(CASE WHEN m.in_coder_sql THEN m.interceptions ELSE 0 END) AS BIGINT) AS coder_sql,
  CAST(SUM(CASE WHEN m.in_strict THEN m.interceptions ELSE 0 END) AS BIGINT) AS strict,
  CAST(
    SUM(CASE WHEN m.in_coder_sql AND NOT m.strict_agrees THEN m.interceptions ELSE 0 END) AS BIGINT
  ) AS sql_not_strict,
  CAST(
    SUM(CASE WHEN m.in_coder_api AND NOT m.strict_agrees THEN m.interceptions ELSE 0 END) AS BIGINT
  ) AS api_not_strict,
  CAST(
    SUM(
      CASE
        WHEN m.in_strict THEN m.interceptions
        WHEN m.in_coder_api AND m.strict_agrees THEN -m.interceptions
        ELSE 0
      END
    ) AS BIGINT
  ) AS strict_not_api,
  CAST(
    SUM(CASE WHEN m.in_coder_sql AND NOT m.in_coder_api THEN m.interceptions ELSE 0 END) AS BIGINT
  ) AS dropped_by_name_and
FROM coder_filter_selections AS m
LEFT JOIN providers AS p
  ON p.id = m.provider_id
GROUP BY m.provider_id, p.name, p.type, p.deleted
ORDER BY p.name NULLS LAST, m.provider_id

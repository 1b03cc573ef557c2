SELECT
  m.provider_id,
  p.name AS provider_name,
  p.type AS provider_type,
  COALESCE(p.deleted, FALSE) AS deleted,
  CAST(SUM(CASE WHEN m.in_coder_api THEN m.interceptions ELSE 0 END) AS BIGINT) AS coder_api,
  CAST(SUM(CASE WHEN m.in_coder_sql THEN m.interceptions ELSE 0 END) AS BIGINT) AS coder_sql,
  CAST(SUM(CASE WHEN m.in_strict THEN m.interceptions ELSE 0 END) AS BIGINT) AS strict,
  CAST(SUM(CASE WHEN m.in_coder_sql AND NOT m.strict_agrees THEN m.interceptions ELSE 0 END) AS BIGINT) AS sql_not_strict,
  CAST(SUM(CASE WHEN m.in_coder_api AND NOT m.strict_agrees THEN m.interceptions ELSE 0 END) AS BIGINT) AS api_not_strict,
  CAST(SUM(
    CASE
      WHEN m.in_strict
      THEN m.interceptions
      WHEN m.in_coder_api AND m.strict_agrees
      THEN -m.interceptions
      ELSE 0
    END
  ) AS BIGINT) AS strict_not_api,
  CAST(SUM(CASE WHEN m.in_coder_sql AND NOT m.in_coder_api THEN m.interceptions ELSE 0 END) AS BIGINT) AS dropped_by_name_and
FROM coder_filter_selections AS m
LEFT JOIN providers AS p
  ON p.id = m.provider_id
GROUP BY
  m.provider_id,
  p.name,
  p.type,
  p.deleted
ORDER BY
  p.name,
  m.provider_id

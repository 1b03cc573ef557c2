WITH repeated AS (
  SELECT
    CAST('ai_providers' AS STRING) AS table_name,
    CAST(p.id AS STRING) AS id
  FROM providers AS p
  GROUP BY
    p.id
  HAVING
    COUNT(*) > 1
  UNION ALL
  SELECT
    CAST('aibridge_interceptions' AS STRING) AS table_name,
    CAST(i.id AS STRING) AS id
  FROM interceptions AS i
  GROUP BY
    i.id
  HAVING
    COUNT(*) > 1
  UNION ALL
  SELECT
    CAST('aibridge_token_usages' AS STRING) AS table_name,
    CAST(t.id AS STRING) AS id
  FROM token_usages AS t
  GROUP BY
    t.id
  HAVING
    COUNT(*) > 1
  UNION ALL
  SELECT
    CAST('aibridge_user_prompts' AS STRING) AS table_name,
    CAST(u.id AS STRING) AS id
  FROM user_prompts AS u
  GROUP BY
    u.id
  HAVING
    COUNT(*) > 1
  UNION ALL
  SELECT
    CAST('aibridge_tool_usages' AS STRING) AS table_name,
    CAST(t.id AS STRING) AS id
  FROM tool_usages AS t
  GROUP BY
    t.id
  HAVING
    COUNT(*) > 1
  UNION ALL
  SELECT
    CAST('users' AS STRING) AS table_name,
    CAST(u.id AS STRING) AS id
  FROM coder_users AS u
  GROUP BY
    u.id
  HAVING
    COUNT(*) > 1
)
SELECT
  r.table_name,
  MIN(r.id) AS first_id,
  COUNT(*) AS ids
FROM repeated AS r
GROUP BY
  r.table_name
ORDER BY
  r.table_name NULLS LAST

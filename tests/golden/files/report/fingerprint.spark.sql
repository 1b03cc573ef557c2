SELECT
  CAST('ai_providers' AS STRING) AS table_name,
  CAST('updated_at' AS STRING) AS time_column,
  CAST(COUNT(*) AS BIGINT) AS row_count,
  MAX(p.updated_at) AS newest
FROM providers AS p
UNION ALL
SELECT
  CAST('aibridge_interceptions' AS STRING),
  CAST('started_at' AS STRING),
  CAST(COUNT(*) AS BIGINT),
  MAX(i.started_at)
FROM interceptions AS i
UNION ALL
SELECT
  CAST('aibridge_token_usages' AS STRING),
  CAST('created_at' AS STRING),
  CAST(COUNT(*) AS BIGINT),
  MAX(t.created_at)
FROM token_usages AS t
UNION ALL
SELECT
  CAST('aibridge_user_prompts' AS STRING),
  CAST('created_at' AS STRING),
  CAST(COUNT(*) AS BIGINT),
  MAX(u.created_at)
FROM user_prompts AS u
UNION ALL
SELECT
  CAST('aibridge_tool_usages' AS STRING),
  CAST('created_at' AS STRING),
  CAST(COUNT(*) AS BIGINT),
  MAX(o.created_at)
FROM tool_usages AS o
UNION ALL
SELECT
  CAST('aibridge_model_thoughts' AS STRING),
  CAST('created_at' AS STRING),
  CAST(COUNT(*) AS BIGINT),
  MAX(m.created_at)
FROM model_thoughts AS m

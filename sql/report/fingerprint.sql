-- The source's fingerprint for a report manifest: rows per Coder table and the newest value of
-- the table's own time column (started_at for interceptions, updated_at for providers,
-- created_at for the child tables), so two reports can be told to have read the same data.
SELECT
  CAST('ai_providers' AS VARCHAR) AS table_name,
  CAST('updated_at' AS VARCHAR) AS time_column,
  CAST(COUNT(*) AS BIGINT) AS row_count,
  MAX(p.updated_at) AS newest
FROM providers AS p
UNION ALL
SELECT
  CAST('aibridge_interceptions' AS VARCHAR),
  CAST('started_at' AS VARCHAR),
  CAST(COUNT(*) AS BIGINT),
  MAX(i.started_at)
FROM interceptions AS i
UNION ALL
SELECT
  CAST('aibridge_token_usages' AS VARCHAR),
  CAST('created_at' AS VARCHAR),
  CAST(COUNT(*) AS BIGINT),
  MAX(t.created_at)
FROM token_usages AS t
UNION ALL
SELECT
  CAST('aibridge_user_prompts' AS VARCHAR),
  CAST('created_at' AS VARCHAR),
  CAST(COUNT(*) AS BIGINT),
  MAX(u.created_at)
FROM user_prompts AS u
UNION ALL
SELECT
  CAST('aibridge_tool_usages' AS VARCHAR),
  CAST('created_at' AS VARCHAR),
  CAST(COUNT(*) AS BIGINT),
  MAX(o.created_at)
FROM tool_usages AS o
UNION ALL
SELECT
  CAST('aibridge_model_thoughts' AS VARCHAR),
  CAST('created_at' AS VARCHAR),
  CAST(COUNT(*) AS BIGINT),
  MAX(m.created_at)
FROM model_thoughts AS m

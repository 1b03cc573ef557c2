SELECT
  w.type,
  w.wire
FROM (
  SELECT
    CAST('openai' AS STRING) AS type,
    CAST('openai' AS STRING) AS wire
  UNION ALL
  SELECT
    CAST('azure' AS STRING) AS type,
    CAST('openai' AS STRING) AS wire
  UNION ALL
  SELECT
    CAST('google' AS STRING) AS type,
    CAST('openai' AS STRING) AS wire
  UNION ALL
  SELECT
    CAST('openai-compat' AS STRING) AS type,
    CAST('openai' AS STRING) AS wire
  UNION ALL
  SELECT
    CAST('openrouter' AS STRING) AS type,
    CAST('openai' AS STRING) AS wire
  UNION ALL
  SELECT
    CAST('vercel' AS STRING) AS type,
    CAST('openai' AS STRING) AS wire
  UNION ALL
  SELECT
    CAST('anthropic' AS STRING) AS type,
    CAST('anthropic' AS STRING) AS wire
  UNION ALL
  SELECT
    CAST('bedrock' AS STRING) AS type,
    CAST('anthropic' AS STRING) AS wire
  UNION ALL
  SELECT
    CAST('bedrock-mantle' AS STRING) AS type,
    CAST('anthropic' AS STRING) AS wire
  UNION ALL
  SELECT
    CAST('claude-platform-aws' AS STRING) AS type,
    CAST('anthropic' AS STRING) AS wire
  UNION ALL
  SELECT
    CAST('copilot' AS STRING) AS type,
    CAST('copilot' AS STRING) AS wire
) AS w

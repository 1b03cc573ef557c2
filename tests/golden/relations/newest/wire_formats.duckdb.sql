SELECT
  w.type,
  w.wire
FROM (
  SELECT
    CAST('openai' AS TEXT) AS type,
    CAST('openai' AS TEXT) AS wire
  UNION ALL
  SELECT
    CAST('azure' AS TEXT) AS type,
    CAST('openai' AS TEXT) AS wire
  UNION ALL
  SELECT
    CAST('google' AS TEXT) AS type,
    CAST('openai' AS TEXT) AS wire
  UNION ALL
  SELECT
    CAST('openai-compat' AS TEXT) AS type,
    CAST('openai' AS TEXT) AS wire
  UNION ALL
  SELECT
    CAST('openrouter' AS TEXT) AS type,
    CAST('openai' AS TEXT) AS wire
  UNION ALL
  SELECT
    CAST('vercel' AS TEXT) AS type,
    CAST('openai' AS TEXT) AS wire
  UNION ALL
  SELECT
    CAST('anthropic' AS TEXT) AS type,
    CAST('anthropic' AS TEXT) AS wire
  UNION ALL
  SELECT
    CAST('bedrock' AS TEXT) AS type,
    CAST('anthropic' AS TEXT) AS wire
  UNION ALL
  SELECT
    CAST('bedrock-mantle' AS TEXT) AS type,
    CAST('anthropic' AS TEXT) AS wire
  UNION ALL
  SELECT
    CAST('claude-platform-aws' AS TEXT) AS type,
    CAST('anthropic' AS TEXT) AS wire
  UNION ALL
  SELECT
    CAST('copilot' AS TEXT) AS type,
    CAST('copilot' AS TEXT) AS wire
) AS w

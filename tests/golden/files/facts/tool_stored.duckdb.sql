SELECT
  t.*
FROM main.aibridge_tool_facts AS t

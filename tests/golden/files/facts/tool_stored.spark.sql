SELECT
  t.*
FROM aibridge_tool_facts AS t

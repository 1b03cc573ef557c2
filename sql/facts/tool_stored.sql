-- The tool facts as a warehouse stores them (sql/warehouse/facts/build_tools.sql): what the
-- tool_facts relation stands for on a warehouse whose stored facts are fresh.
SELECT
  t.*
FROM main.aibridge_tool_facts AS t

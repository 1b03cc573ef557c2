SELECT
  f.*
FROM main.aibridge_facts AS f

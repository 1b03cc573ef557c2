SELECT
  f.*
FROM aibridge_facts AS f

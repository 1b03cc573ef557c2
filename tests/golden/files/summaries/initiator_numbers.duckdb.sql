SELECT
  MAX(f.initiator_key) AS initiator_numbers
FROM facts AS f

SELECT
  MAX(f.initiator_key) AS initiator_numbers,
  MIN(f.duration_us) AS shortest_us,
  MAX(f.duration_us) AS longest_us
FROM facts AS f

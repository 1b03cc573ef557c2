-- What the stored facts prove about the columns the figures count and order (summaries.fact_bits):
-- the largest initiator number, which a warehouse assigns densely from 1
-- (warehouse/facts/stage_keys.sql): the width a distinct count of initiators needs when it sets
-- one bit per initiator; and the shortest and longest duration, whether a percentile can order
-- them as 32-bit integers.
-- engine: duckdb
SELECT
  MAX(f.initiator_key) AS initiator_numbers,
  MIN(f.duration_us) AS shortest_us,
  MAX(f.duration_us) AS longest_us
FROM facts AS f

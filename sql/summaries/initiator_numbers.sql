-- The largest of the stored facts' initiator numbers, which a warehouse assigns densely from 1
-- (warehouse/facts/stage_keys.sql): the width a distinct count of initiators needs when it sets
-- one bit per initiator (summaries.initiator_bits). DuckDB answers it from column statistics.
-- engine: duckdb
SELECT MAX(f.initiator_key) AS initiator_numbers
FROM facts AS f

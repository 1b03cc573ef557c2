-- The facts as a warehouse stores them (sql/warehouse/facts/build.sql): what the facts relation
-- stands for on a warehouse whose stored facts are fresh. Portable: the scale benchmark times the
-- figures over the same facts copied into PostgreSQL's main.aibridge_facts.
SELECT
  f.*
FROM main.aibridge_facts AS f
